"""Separation of duties: nobody grants themselves a role; money, approval and administration roles need a second
administrator."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from minsheng.accounts.models import RoleAssignment, RoleRequest, User
from minsheng.accounts.roles import Role, permission_is_sensitive, sensitive_roles
from minsheng.accounts.services import role_assignment_add, role_request_confirm, role_request_reject
from minsheng.audit.models import AuditEvent
from minsheng.testing import Personas, make_user

pytestmark = pytest.mark.django_db


def _admins(personas: Personas) -> tuple[User, User]:
    return personas[Role.CITY_ADMIN], make_user("second_admin", Role.CITY_ADMIN, personas.city)


def test_the_sensitive_roles_move_money_approve_administer_or_open_childrens_files() -> None:
    expected = {
        Role.TOWNSHIP_WINDOW,  # pays temporary assistance first (先救助后审批)
        Role.TOWNSHIP_REVIEWER,  # confirms cases where approval is devolved
        Role.COUNTY_APPROVER,
        Role.COUNTY_PAYMENT_OFFICER,
        Role.CITY_ADMIN,
        # children's files are narrower still (DOMAIN §6.2): granting a children's role needs a second administrator
        "child_director",
        "child_supervisor",
        "child_county_staff",
    }
    assert expected == sensitive_roles()
    assert [
        permission_is_sensitive(p)
        for p in (
            "payments.add_payrollbatch",
            "payments.approve_payrollbatch",
            "payments.view_payrollbatch",
            "assistance.approve_programmecase",
            "assistance.decide_temporaryaid",
            "assistance.add_temporaryaid",
            "assistance.view_benefit",
            "accounts.change_user",
            "people.add_person",
        )
    ] == [True, True, False, True, True, True, False, True, False]


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.CITY_ADMIN])
def test_nobody_grants_themselves_a_role(personas: Personas, role: str) -> None:
    admin = personas[Role.CITY_ADMIN]
    with pytest.raises(PermissionDenied):
        role_assignment_add(actor=admin, user=admin, role=role, division=personas.county)
    client = Client()
    client.force_login(admin)
    response = client.post(
        reverse("accounts:role_add", args=[admin.pk]),
        {"role": Role.COUNTY_PAYMENT_OFFICER, "division": personas.county.code},
    )
    assert response.status_code == 403
    assert "不能给自己授予角色" in response.content.decode()
    assert [a.role for a in admin.role_assignments.all()] == [Role.CITY_ADMIN]
    assert not RoleRequest.objects.unscoped().exists()


def test_an_ordinary_role_is_given_at_once(personas: Personas) -> None:
    target = make_user("target", None, personas.village)
    granted = role_assignment_add(
        actor=personas[Role.CITY_ADMIN], user=target, role=Role.VILLAGE_WORKER, division=personas.village
    )
    assert isinstance(granted, RoleAssignment)
    assert [(a.role, a.division_id) for a in target.role_assignments.all()] == [
        (Role.VILLAGE_WORKER, personas.village.code)
    ]


def test_a_payment_role_waits_for_a_second_administrator(personas: Personas) -> None:
    first, second = _admins(personas)
    target = make_user("target", None, personas.county)

    request = role_assignment_add(actor=first, user=target, role=Role.COUNTY_PAYMENT_OFFICER, division=personas.county)

    assert isinstance(request, RoleRequest)
    assert (request.status, request.requested_by_id, request.decided_by_id) == ("pending", first.pk, None)
    assert not target.role_assignments.exists()
    requested = AuditEvent.objects.unscoped().get(action="accounts.role_requested")
    assert requested.after is not None
    assert (requested.actor_id, requested.area_code, requested.after["status"]) == (
        first.pk,
        personas.county.code,
        "pending",
    )
    with pytest.raises(ValidationError):  # asking twice
        role_assignment_add(actor=first, user=target, role=Role.COUNTY_PAYMENT_OFFICER, division=personas.county)

    # The administrator who asked cannot confirm.
    with pytest.raises(PermissionDenied):
        role_request_confirm(actor=first, request=request)
    request.refresh_from_db()
    assert request.status == "pending" and not target.role_assignments.exists()

    assignment = role_request_confirm(actor=second, request=request)

    request.refresh_from_db()
    assert (request.status, request.decided_by_id) == ("confirmed", second.pk)
    assert [(a.pk, a.role, a.division_id) for a in target.role_assignments.all()] == [
        (assignment.pk, Role.COUNTY_PAYMENT_OFFICER, personas.county.code)
    ]
    confirmed = AuditEvent.objects.unscoped().get(action="accounts.role_confirmed")
    assert confirmed.before is not None and confirmed.after is not None
    assert (confirmed.actor_id, confirmed.object_id, confirmed.area_code) == (
        second.pk,
        str(target.pk),
        personas.county.code,
    )
    assert (confirmed.before["requested_by"], confirmed.after["role"]) == (first.username, Role.COUNTY_PAYMENT_OFFICER)
    with pytest.raises(ValidationError):  # decided already
        role_request_confirm(actor=second, request=request)


def test_the_grantee_cannot_confirm_their_own_role(personas: Personas) -> None:
    first, second = _admins(personas)
    third = make_user("third_admin", Role.CITY_ADMIN, personas.city)
    request = role_assignment_add(actor=first, user=second, role=Role.COUNTY_APPROVER, division=personas.county)
    assert isinstance(request, RoleRequest)
    with pytest.raises(PermissionDenied):
        role_request_confirm(actor=second, request=request)
    assert not second.role_assignments.filter(role=Role.COUNTY_APPROVER).exists()
    role_request_confirm(actor=third, request=request)
    assert second.role_assignments.filter(role=Role.COUNTY_APPROVER).count() == 1


def test_an_administrator_outside_the_area_cannot_confirm(personas: Personas) -> None:
    first, _second = _admins(personas)
    target = make_user("target", None, personas.county)
    request = role_assignment_add(actor=first, user=target, role=Role.COUNTY_APPROVER, division=personas.county)
    outsider = personas.outsider(Role.CITY_ADMIN)  # 徐州市
    with pytest.raises(PermissionDenied):
        role_request_confirm(actor=outsider, request=request)  # type: ignore[arg-type]
    client = Client()
    client.force_login(outsider)
    assert client.post(reverse("accounts:role_request_confirm", args=[request.pk])).status_code == 404
    assert not target.role_assignments.exists()


def test_a_request_is_rejected_with_a_reason(personas: Personas) -> None:
    first, second = _admins(personas)
    target = make_user("target", None, personas.county)
    request = role_assignment_add(actor=first, user=target, role=Role.COUNTY_APPROVER, division=personas.county)
    assert isinstance(request, RoleRequest)
    with pytest.raises(ValidationError):
        role_request_reject(actor=second, request=request, note=" ")
    role_request_reject(actor=second, request=request, note="岗位未定")
    request.refresh_from_db()
    assert (request.status, request.decided_by_id, request.decision_note) == ("rejected", second.pk, "岗位未定")
    assert AuditEvent.objects.unscoped().get(action="accounts.role_rejected").reason == "岗位未定"
    with pytest.raises(ValidationError):
        role_request_confirm(actor=second, request=request)
    assert not target.role_assignments.exists()


def test_pending_requests_appear_on_the_users_page_and_a_second_administrator_confirms_there(
    personas: Personas,
) -> None:
    first, second = _admins(personas)
    target = make_user("target", None, personas.county)
    first_client, second_client = Client(), Client()
    first_client.force_login(first)
    second_client.force_login(second)
    response = first_client.post(
        reverse("accounts:role_add", args=[target.pk]), {"role": Role.COUNTY_APPROVER, "division": personas.county.code}
    )
    assert response.status_code == 302
    request = RoleRequest.objects.unscoped().get()

    first_page = first_client.get(reverse("accounts:user_list"))
    assert list(first_page.context["role_requests"]) == [request]
    html = first_page.content.decode()
    assert "等待另一位管理员确认的角色" in html and "由另一位管理员确认" in html
    assert reverse("accounts:role_request_confirm", args=[request.pk]) not in html  # no button for the asker
    second_page = second_client.get(reverse("accounts:user_list")).content.decode()
    assert reverse("accounts:role_request_confirm", args=[request.pk]) in second_page

    # The asker's POST is refused with the reason; the second administrator's gives the role.
    first_client.post(reverse("accounts:role_request_confirm", args=[request.pk]))
    assert not target.role_assignments.exists()
    response = second_client.post(
        reverse("accounts:role_request_confirm", args=[request.pk]), {"next": reverse("accounts:user_list")}
    )
    assert (response.status_code, response["Location"]) == (302, reverse("accounts:user_list"))
    assert [a.role for a in target.role_assignments.all()] == [Role.COUNTY_APPROVER]
    assert list(second_client.get(reverse("accounts:user_list")).context["role_requests"]) == []


def test_the_database_refuses_a_grant_confirmed_by_its_asker_or_its_grantee(personas: Personas) -> None:
    first, second = _admins(personas)
    target = make_user("target", None, personas.county)
    common = {
        "role": Role.COUNTY_APPROVER,
        "division": personas.county,
        "status": "confirmed",
        "decided_at": timezone.now(),
    }
    for values in (
        {"user": target, "requested_by": first, "decided_by": first},
        {"user": second, "requested_by": first, "decided_by": second},
        {"user": first, "requested_by": first, "status": "pending"},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            RoleRequest.objects.create(**{**common, **values})
