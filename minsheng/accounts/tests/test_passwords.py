"""Passwords as 等保 2.0 level 3 expects: change, forced change, an administrator's reset the administrator never
learns, and the policy (length, classes, history, maximum age)."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from minsheng.accounts.models import LoginAttempt, PasswordHistory, RoleAssignment, User, UserSession
from minsheng.accounts.roles import Role
from minsheng.accounts.services import (
    account_provision,
    user_create,
    user_password_change,
    user_password_reset_issue,
)
from minsheng.accounts.validators import CharacterClassesValidator, character_classes
from minsheng.audit.models import AuditEvent
from minsheng.testing import PASSWORD, Personas

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]
NEW = "Bright-Harbour-42"


def _signed_in(user: User, password: str = PASSWORD, address: str = "127.0.0.1") -> Client:
    client = Client(REMOTE_ADDR=address)
    response = client.post(reverse("accounts:login"), {"username": user.username, "password": password})
    assert response.status_code == 302, response.content[:300]
    return client


def _change(client: Client, old: str, new: str) -> Any:
    return client.post(
        reverse("accounts:password_change"), {"old_password": old, "new_password1": new, "new_password2": new}
    )


# Changing one's own password ---------------------------------------------------------------------------------


def test_a_user_changes_their_own_password_and_their_other_sessions_end(personas: Personas) -> None:
    worker = personas[Role.VILLAGE_WORKER]
    here = _signed_in(worker, address="10.1.1.1")
    elsewhere = _signed_in(worker, address="10.2.2.2")
    page = here.get(reverse("accounts:password_change"))
    assert page.status_code == 200 and "修改密码" in page.content.decode()

    response = _change(here, PASSWORD, NEW)

    assert (response.status_code, response["Location"]) == (302, reverse("home"))
    worker.refresh_from_db()
    assert worker.check_password(NEW) and not worker.check_password(PASSWORD)
    assert here.get(reverse("home")).status_code == 200  # this session goes on
    assert elsewhere.get(reverse("home")).status_code == 302  # the other one is over
    assert list(UserSession.objects.filter(user=worker).values_list("session_id", flat=True)) == [
        here.session.session_key
    ]
    assert list(PasswordHistory.objects.filter(user=worker).values_list("password", flat=True)) == [worker.password]
    event = AuditEvent.objects.unscoped().get(action="accounts.password_changed")
    assert (event.actor_id, event.kind, event.area_code, event.after) == (
        worker.pk,
        "auth",
        personas.village.code,
        {"sessions_ended": 1},
    )


def test_the_user_menu_offers_the_password_and_sessions_pages(personas: Personas) -> None:
    client = Client()
    client.force_login(personas[Role.DEPARTMENT_HANDLER])
    html = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("accounts:password_change")}">修改密码</a>' in html
    assert f'href="{reverse("accounts:session_list")}">我的会话</a>' in html


def test_a_wrong_old_password_is_refused_and_counts_as_a_failed_attempt(personas: Personas) -> None:
    worker = personas[Role.VILLAGE_WORKER]
    client = Client()
    client.force_login(worker)
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        response = _change(client, "not-my-password", NEW)
        assert response.status_code == 400
    assert response.context["form"].errors["old_password"] == ["你的旧密码不正确。请重新输入。"]
    assert LoginAttempt.objects.filter(username=worker.username, succeeded=False).count() == 5
    # The open session is no guessing machine: the right old password is refused too, for a while.
    assert _change(client, PASSWORD, NEW).status_code == 429
    worker.refresh_from_db()
    assert worker.check_password(PASSWORD)


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("Sh0rt-pw", "密码太短：至少要有 10 个字符。"),
        ("onlylowercase99", "密码至少要包含以下字符中的 3 类：大写字母、小写字母、数字、符号。"),
        (PASSWORD, "密码不能与您最近使用过的 5 个密码（含当前密码）相同。"),
    ],
)
def test_the_policy_refuses_a_weak_or_reused_password_with_a_chinese_reason(
    personas: Personas, new: str, message: str
) -> None:
    worker = personas[Role.VILLAGE_WORKER]
    client = Client()
    client.force_login(worker)
    response = _change(client, PASSWORD, new)
    assert response.status_code == 400
    assert f'<div class="invalid-feedback d-block">{message}</div>' in response.content.decode()
    worker.refresh_from_db()
    assert worker.check_password(PASSWORD)
    assert not PasswordHistory.objects.exists()
    assert not AuditEvent.objects.unscoped().filter(action="accounts.password_changed").exists()


def test_none_of_the_last_five_passwords_comes_back(personas: Personas) -> None:
    worker = personas[Role.VILLAGE_WORKER]
    used = [f"Round-{n}-Passphrase" for n in range(1, 6)]
    for password in used:
        user_password_change(user=worker, password=password)
    assert PasswordHistory.objects.filter(user=worker).count() == 5  # the newest five only
    for password in used:
        with pytest.raises(ValidationError) as raised:
            user_password_change(user=worker, password=password)
        assert raised.value.messages == ["密码不能与您最近使用过的 5 个密码（含当前密码）相同。"]
    # PASSWORD came before the five: it is six passwords back, so it may be used again.
    user_password_change(user=worker, password=PASSWORD)
    assert worker.check_password(PASSWORD)
    assert PasswordHistory.objects.filter(user=worker).count() == 5


def test_the_character_classes_are_upper_lower_digits_and_symbols() -> None:
    assert [character_classes(p) for p in ("abcdefghij", "abcDEF", "abc123", "ab-1", "Ab-1", "王芳王芳", "a b")] == [
        1,
        2,
        2,
        3,
        4,
        0,
        1,
    ]
    validator = CharacterClassesValidator(min_classes=4)
    with pytest.raises(ValidationError):
        validator.validate("Abcdefgh12")
    validator.validate("Abcdefgh1!")


def test_the_test_and_demo_passwords_pass_the_policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    validate_password(PASSWORD, User(username="village_worker"))
    spec = importlib.util.spec_from_file_location("demo_secrets", ROOT / "scripts" / "demo_secrets.py")
    assert spec is not None and spec.loader is not None
    demo_secrets = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo_secrets)
    for n in range(50):
        env = tmp_path / f"demo{n}.env"
        demo_secrets.main(env)
        password = next(line for line in env.read_text().splitlines() if line.startswith("DEMO_PASSWORD="))
        for username in ("village", "admin", "auditor"):
            validate_password(password.removeprefix("DEMO_PASSWORD="), User(username=username))


# Forced change ------------------------------------------------------------------------------------------------


def test_an_initial_password_set_by_an_administrator_must_be_changed_before_anything_else(personas: Personas) -> None:
    user = user_create(
        actor=personas[Role.CITY_ADMIN],
        username="zhou.min",
        display_name="周敏",
        password="Initial-Pa55-word",
        home_area=personas.village,
    )
    RoleAssignment.objects.create(user=user, role=Role.VILLAGE_WORKER, division=personas.village)
    assert (user.password_must_change, user.password_change_reason()) == (True, "initial")
    client = _signed_in(user, "Initial-Pa55-word")
    change = reverse("accounts:password_change")
    for url in (reverse("home"), reverse("areas:index"), reverse("accounts:session_list")):
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, change)
    htmx = client.get(reverse("areas:index"), HTTP_HX_REQUEST="true")
    assert (htmx.status_code, htmx["HX-Redirect"]) == (204, change)
    api = client.get("/api/v1/divisions/")
    assert api.status_code == 403
    assert api.json() == {"detail": "请先修改密码：在浏览器中打开平台，设置新密码。"}
    page = client.get(change)
    assert page.status_code == 200
    assert "您的密码由管理员设置。请先设置您自己的密码再继续。" in page.content.decode()

    assert _change(client, "Initial-Pa55-word", "Initial-Pa55-word").status_code == 400  # not the same again
    assert _change(client, "Initial-Pa55-word", NEW).status_code == 302
    user.refresh_from_db()
    assert (user.password_must_change, user.password_change_reason()) == (False, "")
    assert client.get(reverse("areas:index")).status_code == 200
    assert client.get("/api/v1/divisions/").status_code == 200


def test_signing_out_stays_open_while_a_change_is_due(personas: Personas) -> None:
    worker = personas[Role.VILLAGE_WORKER]
    User.objects.filter(pk=worker.pk).update(password_must_change=True)
    client = Client()
    client.force_login(worker)
    response = client.post(reverse("accounts:logout"))
    assert (response.status_code, response["Location"]) == (302, reverse("accounts:login"))
    assert "_auth_user_id" not in client.session


def test_a_password_past_its_maximum_age_must_be_changed(personas: Personas) -> None:
    worker = personas[Role.VILLAGE_WORKER]
    old = timezone.now() - dt.timedelta(days=settings.PASSWORD_MAX_AGE_DAYS)
    User.objects.filter(pk=worker.pk).update(password_changed_at=old + dt.timedelta(minutes=1))
    client = Client()
    client.force_login(worker)
    assert client.get(reverse("areas:index")).status_code == 200  # a minute younger than the limit
    User.objects.filter(pk=worker.pk).update(password_changed_at=old)
    response = client.get(reverse("areas:index"))
    assert (response.status_code, response["Location"]) == (302, reverse("accounts:password_change"))
    assert "您的密码已超过 90 天。请先设置新密码再继续。" in client.get(response["Location"]).content.decode()
    with override_settings(PASSWORD_MAX_AGE_DAYS=0):  # 0: passwords never expire
        assert client.get(reverse("areas:index")).status_code == 200
    assert _change(client, PASSWORD, NEW).status_code == 302
    assert client.get(reverse("areas:index")).status_code == 200


def test_accounts_made_by_the_system_are_not_forced(personas: Personas) -> None:
    """The demo's accounts (and create_admin's) carry their holder's own password: make demo's logins work."""
    user = account_provision(
        username="demo_village",
        display_name="村",
        password="Ms-Demo-pass-1",
        home_area=personas.village,
        roles=[(Role.VILLAGE_WORKER, personas.village, None)],
    )
    User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now() - dt.timedelta(days=400))
    user = account_provision(
        username="demo_village",
        display_name="村",
        password="Ms-Demo-pass-1",
        home_area=personas.village,
        roles=[(Role.VILLAGE_WORKER, personas.village, None)],
    )
    assert user.password_change_reason() == ""  # provisioning again (every `make demo`) starts the clock again
    client = _signed_in(user, "Ms-Demo-pass-1")
    assert client.get(reverse("areas:index")).status_code == 200


def test_the_upgrade_forces_a_change_of_passwords_administrators_chose(personas: Personas) -> None:
    """Migration 0005: accounts an administrator created before this change still have that administrator's
    password; accounts set up otherwise keep theirs."""
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    migration = importlib.import_module("minsheng.accounts.migrations.0005_initial_passwords_must_change")
    apps = MigrationLoader(connection).project_state(("accounts", "0005_initial_passwords_must_change")).apps
    created = user_create(
        actor=personas[Role.CITY_ADMIN],
        username="old.account",
        display_name="旧",
        password="Initial-Pa55-word",
        home_area=personas.village,
    )
    User.objects.filter(pk=created.pk).update(password_must_change=False)
    migration.forward(apps, None)
    assert set(User.objects.filter(password_must_change=True).values_list("username", flat=True)) == {"old.account"}


# An administrator's reset ---------------------------------------------------------------------------------------


def _reset_link(admin_client: Client, user: User) -> str:
    response = admin_client.post(reverse("accounts:user_password_reset", args=[user.pk]))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    url: str = response.context["url"]
    return url.removeprefix("http://testserver")


def test_an_administrators_reset_gives_a_one_time_link_and_no_password(personas: Personas) -> None:
    worker = personas[Role.VILLAGE_WORKER]
    session = _signed_in(worker)
    admin = Client()
    admin.force_login(personas[Role.CITY_ADMIN])

    link = _reset_link(admin, worker)

    worker.refresh_from_db()
    assert not worker.has_usable_password()  # the old password stops at once ...
    assert session.get(reverse("home")).status_code == 302  # ... and so do the account's sessions
    assert (
        Client().post(reverse("accounts:login"), {"username": worker.username, "password": PASSWORD}).status_code == 200
    )
    event = AuditEvent.objects.unscoped().get(action="accounts.password_reset_issued")
    assert (event.actor_id, event.object_id, event.area_code) == (
        personas[Role.CITY_ADMIN].pk,
        str(worker.pk),
        personas.village.code,
    )
    assert event.after is not None
    assert set(event.after) == {"expires_at", "sessions_ended"} and link.split("/")[-2] not in str(event.after)

    holder = Client()
    form_page = holder.get(link, follow=True)
    assert form_page.status_code == 200 and form_page.context["validlink"] is True
    set_url = form_page.redirect_chain[-1][0]
    assert set_url.endswith("/set-password/")  # the token leaves the address bar (Django's view)
    response = holder.post(set_url, {"new_password1": NEW, "new_password2": NEW})
    assert (response.status_code, response["Location"]) == (302, reverse("accounts:login"))
    worker.refresh_from_db()
    assert worker.check_password(NEW) and not worker.password_must_change
    completed = AuditEvent.objects.unscoped().get(action="accounts.password_reset_completed")
    assert (completed.actor_id, completed.kind) == (worker.pk, "auth")
    assert _signed_in(worker, NEW).get(reverse("areas:index")).status_code == 200

    # The link works once.
    again = Client().get(link, follow=True)
    assert again.context["validlink"] is False
    assert "此链接无法使用" in again.content.decode()


def test_the_new_password_of_a_reset_follows_the_policy_and_its_history(personas: Personas) -> None:
    worker = personas[Role.VILLAGE_WORKER]
    user_password_change(user=worker, password=NEW)
    admin = Client()
    admin.force_login(personas[Role.CITY_ADMIN])
    link = _reset_link(admin, worker)
    holder = Client()
    set_url = holder.get(link, follow=True).redirect_chain[-1][0]
    response = holder.post(set_url, {"new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 400
    assert "密码不能与您最近使用过的 5 个密码（含当前密码）相同。" in response.context["form"].errors["new_password1"]
    assert (
        holder.post(set_url, {"new_password1": "Fresh-Garden-77", "new_password2": "Fresh-Garden-77"}).status_code
        == 302
    )


def test_a_reset_link_expires_after_the_configured_time(personas: Personas, monkeypatch: pytest.MonkeyPatch) -> None:
    worker = personas[Role.VILLAGE_WORKER]
    link = user_password_reset_issue(actor=personas[Role.CITY_ADMIN], user=worker)
    worker.refresh_from_db()
    assert default_token_generator.check_token(worker, link.token)
    issued = timezone.now()
    assert abs((link.expires_at - issued) - dt.timedelta(hours=24)) < dt.timedelta(seconds=5)
    later = dt.datetime.now() + dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT - 60)
    monkeypatch.setattr(default_token_generator, "_now", lambda: later)
    assert default_token_generator.check_token(worker, link.token)
    later = dt.datetime.now() + dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)
    monkeypatch.setattr(default_token_generator, "_now", lambda: later)
    assert not default_token_generator.check_token(worker, link.token)
    page = Client().get(reverse("accounts:password_reset_confirm", args=[link.uidb64, link.token]), follow=True)
    assert page.context["validlink"] is False


def test_a_second_reset_makes_the_first_link_useless(personas: Personas) -> None:
    worker = personas[Role.VILLAGE_WORKER]
    first = user_password_reset_issue(actor=personas[Role.CITY_ADMIN], user=worker)
    second = user_password_reset_issue(actor=personas[Role.CITY_ADMIN], user=worker)
    worker.refresh_from_db()
    assert not default_token_generator.check_token(worker, first.token)
    assert default_token_generator.check_token(worker, second.token)


def test_only_an_administrator_of_the_area_resets_and_not_their_own(personas: Personas) -> None:
    worker = personas[Role.VILLAGE_WORKER]
    with pytest.raises(PermissionDenied):
        user_password_reset_issue(actor=personas.outsider(Role.CITY_ADMIN), user=worker)
    with pytest.raises(ValidationError):
        user_password_reset_issue(actor=personas[Role.CITY_ADMIN], user=personas[Role.CITY_ADMIN])
    worker.refresh_from_db()
    assert worker.check_password(PASSWORD)
    assert not AuditEvent.objects.unscoped().filter(action="accounts.password_reset_issued").exists()
