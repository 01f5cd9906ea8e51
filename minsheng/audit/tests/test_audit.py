from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from minsheng.accounts.roles import Role
from minsheng.audit.models import AuditEvent, AuditImmutable
from minsheng.audit.services import audit_record, audit_view_personal_data
from minsheng.testing import PASSWORD, Personas

pytestmark = pytest.mark.django_db


def _event(**kwargs: Any) -> AuditEvent:
    defaults = {
        "actor": None,
        "action": "people.person_changed",
        "area_code": "321302001001",
        "before": {"a": 1},
        "after": {"a": 2},
    }
    return audit_record(**{**defaults, **kwargs})


def test_an_event_cannot_be_changed_through_the_model() -> None:
    event = _event()
    event.reason = "rewritten"
    with pytest.raises(AuditImmutable):
        event.save()
    with pytest.raises(AuditImmutable):
        event.delete()


def test_an_event_cannot_be_changed_through_a_queryset() -> None:
    _event()
    with pytest.raises(AuditImmutable):
        AuditEvent.objects.unscoped().filter(action="people.person_changed").update(reason="x")
    with pytest.raises(AuditImmutable):
        AuditEvent.objects.unscoped().filter(action="people.person_changed").delete()


def test_the_database_refuses_an_update_in_plain_sql() -> None:
    event = _event()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE audit_auditevent SET reason = 'forged' WHERE id = %s", [event.pk])
    assert AuditEvent.objects.unscoped().get(pk=event.pk).reason == ""


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL refuses DELETE by trigger; see migration")
def test_postgres_refuses_a_delete_in_plain_sql() -> None:
    event = _event()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.unscoped().filter(pk=event.pk).exists()


def test_a_sign_in_is_recorded_with_request_id_and_address(personas: Personas) -> None:
    client = Client(REMOTE_ADDR="10.1.2.3")
    response = client.post(reverse("accounts:login"), {"username": Role.AUDITOR, "password": PASSWORD})
    assert response.status_code == 302
    event = AuditEvent.objects.unscoped().get(action="auth.login_succeeded")
    assert (event.actor_username, event.kind, event.client_ip, event.request_id) == (
        Role.AUDITOR,
        "auth",
        "10.1.2.3",
        response["X-Request-ID"],
    )
    assert (event.area_code, event.actor_role) == (personas.city.code, Role.AUDITOR)


def test_viewing_full_personal_data_is_its_own_event(personas: Personas) -> None:
    user = personas[Role.COUNTY_APPROVER]
    event = audit_view_personal_data(
        actor=user, obj=user, area_code=personas.village.code, fields=["id_number"], reason="核对"
    )
    stored = AuditEvent.objects.unscoped().get(pk=event.pk)
    assert (stored.kind, stored.action, stored.after, stored.reason, stored.object_type) == (
        "view",
        "personal_data.viewed",
        {"fields": ["id_number"]},
        "核对",
        "accounts.user",
    )


def test_the_auditor_page_searches_by_person_actor_action_and_date(personas: Personas) -> None:
    admin = personas[Role.CITY_ADMIN]
    _event(actor=admin, action="people.person_changed", object_repr="张三", object_id="41")
    _event(
        actor=personas[Role.COUNTY_APPROVER],
        action="people.person_changed",
        object_repr="李四",
        object_id="42",
    )
    _event(actor=admin, action="accounts.role_assigned", object_repr="王五")
    _event(actor=admin, action="people.person_changed", object_repr="张三", area_code=personas.other_city.code)
    AuditEvent.objects.create(
        action="people.person_changed",
        object_repr="张三",
        area_code=personas.village.code,
        occurred_at=timezone.now() - dt.timedelta(days=40),
    )

    client = Client()
    client.force_login(personas[Role.AUDITOR])

    def shown(**params: str) -> list[str]:
        response = client.get(reverse("audit:event_list"), params)
        assert response.status_code == 200
        return [f"{e.action}:{e.object_repr}" for e in response.context["page"]]

    assert shown(person="张三") == [
        "people.person_changed:张三",
        "people.person_changed:张三",
    ]  # the Xuzhou one is outside the auditor's city
    assert shown(person="42") == ["people.person_changed:李四"]
    assert shown(actor=Role.COUNTY_APPROVER) == ["people.person_changed:李四"]
    assert shown(action="accounts.") == ["accounts.role_assigned:王五"]
    recent = (timezone.localdate() - dt.timedelta(days=7)).isoformat()
    assert shown(person="张三", date_from=recent) == ["people.person_changed:张三"]
    response = client.get(reverse("audit:event_list"), {"date_from": "not-a-date"})
    assert response.status_code == 400
    assert "date_from" in response.context["form"].errors
