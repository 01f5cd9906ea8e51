from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from minsheng.accounts.models import LoginAttempt, RoleAssignment, User
from minsheng.accounts.roles import Role
from minsheng.accounts.services import (
    account_provision,
    login_is_throttled,
    role_assignment_add,
    role_assignment_remove,
    user_create,
    user_set_active,
)
from minsheng.areas.models import Division
from minsheng.audit.models import AuditEvent
from minsheng.testing import PASSWORD, Personas, make_user

pytestmark = pytest.mark.django_db


def _login(client: Client, username: str, password: str) -> int:
    return client.post(reverse("accounts:login"), {"username": username, "password": password}).status_code


def test_sign_in_is_refused_after_repeated_failures_even_with_the_right_password(personas: Personas) -> None:
    client = Client()
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        assert _login(client, Role.VILLAGE_WORKER, "wrong-password") == 200
    assert LoginAttempt.objects.filter(username=Role.VILLAGE_WORKER, succeeded=False).count() == 5
    response = client.post(reverse("accounts:login"), {"username": Role.VILLAGE_WORKER, "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert "此电脑登录失败次数过多" in response.content.decode()
    # Another account from another address is not affected.
    assert _login(Client(REMOTE_ADDR="10.9.9.9"), Role.AUDITOR, PASSWORD) == 302


def test_wrong_passwords_from_one_address_do_not_lock_the_account_elsewhere(personas: Personas) -> None:
    """Anyone could once lock anyone out, the administrator included, with five wrong passwords from anywhere."""
    attacker = Client(REMOTE_ADDR="10.6.6.6")
    for _ in range(settings.LOGIN_FAILURE_LIMIT * 2):
        attacker.post(reverse("accounts:login"), {"username": Role.CITY_ADMIN, "password": "guess"})
    assert _login(attacker, Role.CITY_ADMIN, PASSWORD) == 429  # the attack from there stays slowed
    assert _login(Client(REMOTE_ADDR="10.1.2.3"), Role.CITY_ADMIN, PASSWORD) == 302  # the administrator is not


def test_one_address_guessing_many_accounts_is_refused_for_all(personas: Personas) -> None:
    attacker = Client(REMOTE_ADDR="10.6.6.6")
    for n in range(settings.LOGIN_FAILURE_LIMIT * 4):
        assert _login(attacker, f"name{n}", "guess") == 200
    assert _login(attacker, Role.AUDITOR, PASSWORD) == 429
    assert _login(Client(REMOTE_ADDR="10.1.2.3"), Role.AUDITOR, PASSWORD) == 302


def test_signing_in_clears_the_earlier_failures_of_that_account_from_that_address(personas: Personas) -> None:
    client = Client(REMOTE_ADDR="10.1.2.3")
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        assert _login(client, Role.VILLAGE_WORKER, "typo") == 200
    assert _login(client, Role.VILLAGE_WORKER, PASSWORD) == 302
    client.post(reverse("accounts:logout"))
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        assert _login(client, Role.VILLAGE_WORKER, "typo") == 200
    assert _login(client, Role.VILLAGE_WORKER, PASSWORD) == 302


def test_the_throttle_window_passes(personas: Personas) -> None:
    past = timezone.now() - dt.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS + 1)
    LoginAttempt.objects.bulk_create(
        LoginAttempt(username="village_worker", client_ip="10.0.0.1", attempted_at=past) for _ in range(10)
    )
    assert login_is_throttled(username="village_worker", client_ip="10.0.0.1") is False
    LoginAttempt.objects.bulk_create(LoginAttempt(username=f"guess{i}", client_ip="10.0.0.1") for i in range(20))
    assert login_is_throttled(username="anyone", client_ip="10.0.0.1") is True  # one address guessing many names


def test_failed_sign_in_has_a_clear_chinese_message(personas: Personas) -> None:
    response = Client().post(reverse("accounts:login"), {"username": "nobody", "password": "x"})
    assert "账号或密码不正确" in response.content.decode()


def test_a_failed_sign_in_is_audited_under_the_accounts_area(personas: Personas) -> None:
    Client().post(reverse("accounts:login"), {"username": Role.VILLAGE_WORKER, "password": "wrong"})
    event = AuditEvent.objects.restrict(personas[Role.AUDITOR], "view").get(action="auth.login_failed")
    worker = personas[Role.VILLAGE_WORKER]
    assert (event.actor_id, event.object_id, event.area_code) == (None, str(worker.pk), personas.village.code)


def test_sessions_expire_when_idle_and_with_the_browser() -> None:
    assert settings.SESSION_COOKIE_AGE == 1800
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert "minsheng.core.middleware.SlidingSessionMiddleware" in settings.MIDDLEWARE


def test_the_idle_expiry_slides_with_use_but_the_session_is_written_at_most_once_a_minute(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    from django.contrib.sessions.models import Session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    clock = [time.time()]
    monkeypatch.setattr("minsheng.core.middleware.time.time", lambda: clock[0])
    client = Client()
    client.post(reverse("accounts:login"), {"username": Role.VILLAGE_WORKER, "password": PASSWORD})
    key = client.cookies[settings.SESSION_COOKIE_NAME].value

    def writes() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("home")).status_code == 200
        return sum(1 for q in captured.captured_queries if q["sql"].startswith('UPDATE "django_session"'))

    assert writes() == 0  # written at sign-in: not again within the minute
    expiry = Session.objects.get(session_key=key).expire_date
    clock[0] += settings.SESSION_TOUCH_SECONDS - 1
    assert writes() == 0
    clock[0] += 1  # a minute since the last write: this request slides the expiry
    assert writes() == 1
    assert Session.objects.get(session_key=key).expire_date > expiry
    assert writes() == 0
    clock[0] -= 3600  # a clock set back: written again rather than never
    assert writes() == 1
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    assert client.get(reverse("home")).status_code == 302  # idle past its expiry: signed out


def test_password_is_stored_hashed(personas: Personas) -> None:
    user = personas[Role.VILLAGE_WORKER]
    assert PASSWORD not in user.password
    assert user.check_password(PASSWORD)


def test_admin_creates_an_account_in_their_area_and_it_is_audited(personas: Personas) -> None:
    admin = personas[Role.CITY_ADMIN]
    user = user_create(
        actor=admin,
        username="li.na",
        display_name="李娜",
        password="Long-enough-9",
        home_area=personas.township,
    )
    assert (user.username, user.display_name, user.home_area_id, user.check_password("Long-enough-9")) == (
        "li.na",
        "李娜",
        personas.township.code,
        True,
    )
    event = AuditEvent.objects.unscoped().get(action="accounts.user_created")
    assert (event.actor_username, event.object_id, event.area_code) == (
        Role.CITY_ADMIN,
        str(user.pk),
        personas.township.code,
    )
    assert event.after == {
        "username": "li.na",
        "display_name": "李娜",
        "home_area": personas.township.code,
        "is_active": True,
    }


def test_admin_cannot_create_or_assign_outside_their_area(personas: Personas) -> None:
    outsider_admin = personas.outsider(Role.CITY_ADMIN)  # 徐州市
    with pytest.raises(PermissionDenied):
        user_create(
            actor=outsider_admin,
            username="x1",
            display_name="x",
            password="Long-enough-9",
            home_area=personas.village,
        )
    with pytest.raises(PermissionDenied):
        role_assignment_add(
            actor=outsider_admin,
            user=personas[Role.VILLAGE_WORKER],
            role=Role.VILLAGE_WORKER,
            division=personas.village,
        )
    assert not User.objects.filter(username="x1").exists()


def test_weak_passwords_and_duplicate_names_are_refused(personas: Personas) -> None:
    admin = personas[Role.CITY_ADMIN]
    with pytest.raises(ValidationError):
        user_create(actor=admin, username="weak", display_name="x", password="12345678", home_area=personas.village)
    with pytest.raises(ValidationError) as raised:
        user_create(
            actor=admin,
            username="VILLAGE_WORKER",
            display_name="x",
            password="Long-enough-9",
            home_area=personas.village,
        )
    assert list(raised.value.message_dict) == ["username"]


@pytest.mark.parametrize(
    ("role", "area", "field"),
    [
        (Role.VILLAGE_WORKER, "township", "division"),
        (Role.COUNTY_APPROVER, "village", "division"),
        (Role.CITY_ADMIN, "county", "division"),
        (Role.DEPARTMENT_HANDLER, "county", "department"),
    ],
)
def test_a_role_is_bound_to_an_area_of_its_level(personas: Personas, role: str, area: str, field: str) -> None:
    target = make_user("target", None, personas.village)
    with pytest.raises(ValidationError) as raised:
        role_assignment_add(actor=personas[Role.CITY_ADMIN], user=target, role=role, division=getattr(personas, area))
    assert list(raised.value.message_dict) == [field]
    assert not RoleAssignment.objects.filter(user=target).exists()


def test_only_a_department_handler_gets_a_department(personas: Personas) -> None:
    target = make_user("target", None, personas.village)
    admin = personas[Role.CITY_ADMIN]
    with pytest.raises(ValidationError):
        role_assignment_add(
            actor=admin,
            user=target,
            role=Role.COUNTY_APPROVER,
            division=personas.county,
            department=personas.education,
        )
    assignment = role_assignment_add(
        actor=admin,
        user=target,
        role=Role.DEPARTMENT_HANDLER,
        division=personas.county,
        department=personas.education,
    )
    assert (assignment.role, assignment.division_id, assignment.department_id) == (
        Role.DEPARTMENT_HANDLER,
        personas.county.code,
        personas.education.pk,
    )
    with pytest.raises(ValidationError):
        role_assignment_add(
            actor=admin,
            user=target,
            role=Role.DEPARTMENT_HANDLER,
            division=personas.county,
            department=personas.education,
        )


def test_removing_a_role_needs_a_reason_and_is_audited(personas: Personas) -> None:
    worker = personas[Role.VILLAGE_WORKER]
    assignment = worker.role_assignments.get()
    with pytest.raises(ValidationError):
        role_assignment_remove(actor=personas[Role.CITY_ADMIN], assignment=assignment, reason=" ")
    role_assignment_remove(actor=personas[Role.CITY_ADMIN], assignment=assignment, reason="调岗")
    assert not worker.role_assignments.exists()
    event = AuditEvent.objects.unscoped().get(action="accounts.role_removed")
    assert event.before is not None
    assert (event.reason, event.before["role"], event.before["division"]) == (
        "调岗",
        Role.VILLAGE_WORKER,
        personas.village.code,
    )


def test_disabling_an_account_ends_its_access(personas: Personas) -> None:
    worker = personas[Role.VILLAGE_WORKER]
    client = Client()
    client.force_login(worker)
    assert client.get(reverse("areas:index")).status_code == 200
    user_set_active(actor=personas[Role.CITY_ADMIN], user=worker, is_active=False, reason="离职")
    assert client.get(reverse("areas:index")).status_code == 302  # signed out: inactive users are not authenticated
    with pytest.raises(ValidationError):
        user_set_active(actor=personas[Role.CITY_ADMIN], user=personas[Role.CITY_ADMIN], is_active=False, reason="x")


def test_the_area_picker_narrows_the_scope_to_one_assignment(personas: Personas) -> None:
    user = make_user("two_townships", Role.TOWNSHIP_WINDOW, personas.township)
    other = RoleAssignment.objects.create(user=user, role=Role.TOWNSHIP_WINDOW, division=personas.other_township)
    client = Client()
    client.force_login(user)
    page = client.get(reverse("areas:index")).content.decode()
    assert 'id="scope-picker"' in page
    response = client.post(
        reverse("accounts:scope_select"), {"assignment": str(other.pk), "next": reverse("areas:index")}
    )
    assert response.status_code == 302
    assert client.get(reverse("areas:detail", args=[personas.village.code])).status_code == 404
    assert client.get(reverse("areas:detail", args=[personas.other_township.code])).status_code == 200
    # Somebody else's assignment cannot be picked.
    foreign = personas[Role.VILLAGE_WORKER].role_assignments.get()
    assert client.post(reverse("accounts:scope_select"), {"assignment": str(foreign.pk)}).status_code == 403


def test_user_pages_show_accounts_of_the_admins_area_only(personas: Personas) -> None:
    client = Client()
    client.force_login(personas[Role.CITY_ADMIN])
    personas.outsider(Role.VILLAGE_WORKER)  # 沭阳: inside Suqian
    personas.outsider(Role.CITY_ADMIN)  # 徐州: outside
    names = [u.username for u in client.get(reverse("accounts:user_list")).context["users"]]
    assert "outsider_village_worker" in names
    assert "outsider_city_admin" not in names


def test_user_form_reports_a_bad_area_code(personas: Personas) -> None:
    client = Client()
    client.force_login(personas[Role.CITY_ADMIN])
    data = {"username": "new1", "display_name": "新", "password": "Long-enough-9"}
    response = client.post(reverse("accounts:user_create"), {**data, "home_area": "32130"})
    assert response.status_code == 400
    assert response.context["form"].errors["home_area"] == ["“32130”不是区划代码。"]
    response = client.post(reverse("accounts:user_create"), {**data, "home_area": personas.other_city.code})
    assert response.context["form"].errors["home_area"] == [f"您管理的区域内没有区划 {personas.other_city.code}。"]
    assert not User.objects.filter(username="new1").exists()


def test_provisioning_is_idempotent(personas: Personas) -> None:
    division = Division.objects.all().get(code=personas.county.code)
    for _ in range(2):
        user = account_provision(
            username="demo_county",
            display_name="县",
            password="Demo-pass-123",
            home_area=division,
            roles=[(Role.COUNTY_APPROVER, division, None)],
        )
    assert [(a.role, a.division_id) for a in user.role_assignments.all()] == [(Role.COUNTY_APPROVER, division.code)]


def test_the_first_city_administrator_is_created_by_command(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    from io import StringIO

    from django.core.management import CommandError, call_command

    answers = iter(["Strong-first-admin-1", "Strong-first-admin-1"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    out = StringIO()
    call_command("create_admin", "chief", "3213", "--name", "局长", stdout=out)
    chief = User.objects.get(username="chief")
    assert [(a.role, a.division_id) for a in chief.role_assignments.all()] == [(Role.CITY_ADMIN, "321300000000")]
    assert chief.check_password("Strong-first-admin-1")
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "short")
    with pytest.raises(CommandError):
        call_command("create_admin", "chief2", "3213")
    with pytest.raises(CommandError, match="a city administrator belongs to a city"):
        call_command("create_admin", "chief3", "321302")


def test_an_administrator_binds_a_facility_role_to_a_facility_of_their_area(personas: Personas) -> None:
    """An organisation-bound role (a funeral home's staff) is given through the account page with its organisation,
    chosen among those of the administrator's areas; another kind or none is refused with the reason."""
    from minsheng.funeral.models import Facility

    here = Facility.objects.unscoped().create(
        kind=Facility.Kind.FUNERAL_HOME, name="宿城殡仪馆", area_code=personas.county.code, operator="宿城区民政局"
    )
    elsewhere = Facility.objects.unscoped().create(
        kind=Facility.Kind.FUNERAL_HOME, name="徐州殡仪馆", area_code="320302000000", operator="x"
    )
    staff = make_user("home_staff", None, personas.county)
    client = Client()
    client.force_login(personas[Role.CITY_ADMIN])
    page = client.get(reverse("accounts:user_detail", args=[staff.pk])).content.decode()
    assert f'value="funeral.facility:{here.pk}"' in page and "宿城殡仪馆" in page
    assert f'value="funeral.facility:{elsewhere.pk}"' not in page
    url = reverse("accounts:role_add", args=[staff.pk])
    data = {"role": "funeral_staff", "division": personas.county.code}
    missing = client.post(url, data)
    assert missing.status_code == 400 and "请选择该账号所属的机构" in missing.content.decode()
    wrong = client.post(
        url,
        {"role": Role.VILLAGE_WORKER, "division": personas.village.code, "organisation": f"funeral.facility:{here.pk}"},
    )
    assert wrong.status_code == 400
    assert client.post(url, {**data, "organisation": f"funeral.facility:{here.pk}"}).status_code == 302
    assert list(staff.role_assignments.values_list("role", "organisation_id")) == [("funeral_staff", here.pk)]
