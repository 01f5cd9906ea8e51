"""Writing audit events. Services call ``audit_record`` inside the transaction of the change they make."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.dispatch import Signal

from minsheng.audit.models import AuditEvent
from minsheng.core.context import current_request
from minsheng.core.limits import COMPOSED_MAX, require_length
from minsheng.core.modules import audit_action_labels

if TYPE_CHECKING:
    from minsheng.core.typing import Actor


# Sent after events are appended (inside the writer's transaction), with ``action`` and ``kind``: for readers that
# keep something derived from the log up to date (the statistics queue a refresh after the commit).
recorded = Signal()


class UndeclaredAuditAction(ImproperlyConfigured):
    """An audit action no module declares (``Module.audit_actions``): the auditor would read a raw code."""


def _check_declared(action: str) -> None:
    # Outside production a missing declaration is a programming error to catch in tests; in production the event is
    # still written (an audit event is never lost over a missing label).
    if settings.AUDIT_ACTIONS_STRICT and action not in audit_action_labels():
        raise UndeclaredAuditAction(f"audit action {action!r} is declared by no module (Module.audit_actions)")


def _actor_fields(actor: Actor | None) -> dict[str, Any]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return {"actor": None, "actor_username": "", "actor_role": ""}
    roles = sorted({a.role for a in actor.effective_assignments()}) if hasattr(actor, "effective_assignments") else []
    return {"actor": actor, "actor_username": actor.get_username(), "actor_role": ",".join(roles)[:200]}


def audit_record(
    *,
    actor: Actor | None,
    action: str,
    kind: str = AuditEvent.Kind.CHANGE,
    obj: models.Model | None = None,
    area_code: str = "",
    before: Any = None,
    after: Any = None,
    reason: str = "",
    on_behalf_of: str = "",
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
) -> AuditEvent:
    """Append one audit event; ``obj`` fills the object fields when given.

    A reason longer than ``COMPOSED_MAX`` is refused (ValidationError on ``reason``), so the whole change is: every
    service checks its own text first, and this is the last guard for one that does not."""
    require_length(reason=(reason, COMPOSED_MAX))
    _check_declared(action)
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)
    context = current_request.get()
    event = AuditEvent.objects.create(
        **_actor_fields(actor),
        kind=kind,
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:200],
        area_code=area_code,
        before=before,
        after=after,
        reason=reason,
        on_behalf_of=on_behalf_of,
        request_id=context.request_id,
        client_ip=context.client_ip,
    )
    recorded.send(sender=AuditEvent, action=action, kind=kind)
    return event


def audit_record_many(
    *, actor: Actor | None, action: str, kind: str = AuditEvent.Kind.CHANGE, events: list[dict[str, Any]]
) -> int:
    """Append one event per item of ``events`` in one bulk insert: for set-based services that change many rows at
    once with the same action. Each item gives ``obj`` and any of ``area_code``, ``before``, ``after``, ``reason``."""
    _check_declared(action)
    context = current_request.get()
    fields = _actor_fields(actor)
    rows = []
    for event in events:
        obj = event["obj"]
        rows.append(
            AuditEvent(
                **fields,
                kind=kind,
                action=action,
                object_type=obj._meta.label_lower,
                object_id=str(obj.pk),
                object_repr=str(obj)[:200],
                area_code=event.get("area_code", ""),
                before=event.get("before"),
                after=event.get("after"),
                reason=event.get("reason", ""),
                request_id=context.request_id,
                client_ip=context.client_ip,
            )
        )
    AuditEvent.objects.bulk_create(rows, batch_size=1000)
    if rows:
        recorded.send(sender=AuditEvent, action=action, kind=kind)
    return len(rows)


def audit_view_personal_data(
    *, actor: Actor, obj: models.Model, area_code: str, fields: list[str], reason: str = ""
) -> AuditEvent:
    """The separate event for a user seeing a person's full (unmasked) personal data."""
    return audit_record(
        actor=actor,
        action="personal_data.viewed",
        kind=AuditEvent.Kind.VIEW,
        obj=obj,
        area_code=area_code,
        after={"fields": fields},
        reason=reason,
    )


def audit_list_personal_data(
    *, actor: Actor, object_type: str, area_code: str, count: int, persons: int, query: dict[str, Any]
) -> AuditEvent:
    """One event per answer that lists personal data (masked) in bulk: what was asked and how many records and
    persons came back, so a read of many households is as visible to the auditor as a reveal of one."""
    return audit_record(
        actor=actor,
        action="personal_data.listed",
        kind=AuditEvent.Kind.VIEW,
        area_code=area_code,
        object_type=object_type,
        after={"count": count, "persons": persons, "query": query},
    )
