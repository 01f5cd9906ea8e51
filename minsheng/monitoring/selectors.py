"""Reads of proactive discovery, through the scoping door."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _

from minsheng.accounts.models import RoleAssignment
from minsheng.core.crypto import mask_name
from minsheng.core.keyset import Key
from minsheng.core.modules import DueItem, DuePosition, VisitSubject, count_due, due_rows, visit_kind
from minsheng.core.roles import Role
from minsheng.monitoring.models import Alert, Group, MonitoredHousehold, Visit, WarningRule, in_group


def alert_list(*, user: Any) -> QuerySet[Alert]:
    return Alert.objects.restrict(user, "view").select_related("person", "household", "rule")


# Handled warnings (their history grows) are listed back this many days unless the user chooses an earlier day.
LIST_WINDOW_DAYS = 90
# To visit, awaiting the township, handled; the soonest deadline first within each.
ALERT_KEYS = (Key("progress"), Key("due_on"), Key("id"))


def alert_page_rows(
    *, user: Any, status: str, rule: str, overdue: bool, handled_since: dt.date, today: dt.date
) -> QuerySet[Alert]:
    """The warnings list's rows: the open and visited warnings of the user's areas, and the handled ones raised since
    ``handled_since``; each read through the (status, area, deadline) index."""
    alerts = alert_list(user=user)
    if status:
        alerts = alerts.filter(status=status)
    if rule:
        alerts = alerts.filter(rule_code=rule)
    if overdue:
        alerts = alerts.filter(status=Alert.Status.OPEN, due_on__lt=today)
    if status in {"", Alert.Status.DONE}:
        alerts = alerts.filter(
            Q(status__in=[Alert.Status.OPEN, Alert.Status.VISITED])
            | Q(status=Alert.Status.DONE, raised_on__gte=handled_since)
        )
    progress = Case(
        When(status=Alert.Status.OPEN, then=Value(0)),
        When(status=Alert.Status.VISITED, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return alerts.annotate(progress=progress)


def alert_get(*, user: Any, pk: int) -> Alert:
    return get_object_or_404(alert_list(user=user).select_related("application", "visited_by", "confirmed_by"), pk=pk)


# Who receives a rule's warnings (``WarningRule.recipients``): the role whose to-do list shows them to visit.
RECEIVERS: dict[str, str] = {
    Role.VILLAGE_WORKER: WarningRule.Recipients.VILLAGE,
    Role.TOWNSHIP_REVIEWER: WarningRule.Recipients.TOWNSHIP,
}


def to_visit(*, user: Any) -> QuerySet[Alert]:
    """Open warnings in the user's areas that their rule sends to one of the user's roles (the village worker, or
    the township reviewer), the soonest deadline first."""
    roles = set(RoleAssignment.objects.filter(user=user, role__in=list(RECEIVERS)).values_list("role", flat=True))
    return (
        alert_list(user=user)
        .filter(status=Alert.Status.OPEN, rule__recipients__in=[RECEIVERS[r] for r in roles])
        .order_by("due_on", "id")
    )


def to_confirm(*, user: Any) -> QuerySet[Alert]:
    """Visited warnings the user may confirm."""
    return (
        Alert.objects.restrict(user, "change")
        .filter(status=Alert.Status.VISITED)
        .select_related("person")
        .order_by("visited_on", "id")
    )


def _due(
    alerts: QuerySet[Alert], kind: str, today: dt.date, limit: int, after: DuePosition | None, phone: bool = False
) -> list[DueItem]:
    """The warnings of the to-do list after ``after``, by deadline (the (status, area, deadline, id) index)."""
    return [
        DueItem(
            kind=kind,
            title=_("Warning: %(summary)s") % {"summary": a.summary or a.rule_code},
            url=reverse("monitoring:alert_detail", args=[a.pk]),
            area_code=a.area_code,
            deadline=a.due_on,
            subject=f"{mask_name(a.person.name)} {a.person.id_masked}",
            overdue=a.due_on < today and a.status == Alert.Status.OPEN,
            phone_url=reverse("monitoring:visit_phone", args=[a.pk]) if phone else "",
            position=position,
        )
        for a, position in due_rows(alerts.select_related("person"), "due_on", after, limit)
    ]


def visits_due(user: Any, today: dt.date, limit: int, after: DuePosition | None) -> list[DueItem]:
    return _due(to_visit(user=user), "warning_visit", today, limit, after, phone=True)


def visits_due_count(user: Any, today: dt.date) -> int:
    return count_due(to_visit(user=user))


def confirmations_due(user: Any, today: dt.date, limit: int, after: DuePosition | None) -> list[DueItem]:
    return _due(to_confirm(user=user), "warning_confirm", today, limit, after)


def confirmations_due_count(user: Any, today: dt.date) -> int:
    return count_due(to_confirm(user=user))


# The low-income population by area, then as recorded: the (area, id) partial indexes of the active households, one
# for all and one a group (docs/architecture.md, "Lists").
POPULATION_KEYS = (Key("area_code"), Key("id"))


def population(*, user: Any, group: str = "") -> QuerySet[MonitoredHousehold]:
    """The households of the low-income population now in the user's areas, of one group if ``group`` names one."""
    rows = MonitoredHousehold.objects.restrict(user, "view").filter(active=True).select_related("household")
    return rows.filter(in_group(group)) if group in Group.values else rows


def rules_current() -> QuerySet[WarningRule]:
    """Every rule's latest version per area (the rules page); the history is one click away."""
    return WarningRule.objects.order_by("code", "area_prefix", "-version").distinct()


# --- Visits of every module's kinds ------------------------------------------------------------------------------


def visits_for(user: Any, kind: str, subject_id: int) -> QuerySet[Visit]:
    """The visits of ``kind`` about ``subject_id`` that ``user`` may see, newest first: in the areas where the user
    holds ``monitoring.view_visit`` or the kind's own permission (so a module shows its visits to its own staff);
    an organisation-bound scope (a provider's staff) sees the visits its user recorded. KeyError: no such kind."""
    declared = visit_kind(kind)
    if not (user.is_authenticated and user.is_active):
        return Visit.objects.restrict(user).none()
    condition = Q(pk__in=[])
    for permission in ("monitoring.view_visit", declared.permission):
        for scope in user.scopes_for(permission):
            clause = Q(area_code__startswith=scope.prefix)
            if scope.organisation_id is not None:
                clause &= Q(recorded_by=user)
            condition |= clause
    # unscoped: filtered right here by the user's scopes of the two permissions above
    visits = Visit.objects.unscoped().filter(condition, kind=declared.code, subject_id=subject_id)
    return visits.select_related("recorded_by").prefetch_related("photos").order_by("-checked_in_at", "-id")


def warning_visit_subject(user: Any, pk: int) -> VisitSubject | None:
    """A warning as the subject of its visit (the warning kind of ``Module.visit_kinds``), in the user's areas."""
    alert = alert_list(user=user).filter(pk=pk).first()
    if alert is None:
        return None
    return VisitSubject(
        person_id=alert.person_id,
        area_code=alert.area_code,
        title=alert.summary or alert.rule.name,
        details=(
            (str(_("Person")), f"{mask_name(alert.person.name)} {alert.person.id_masked}"),
            (str(_("Visit by")), f"{alert.due_on:%Y-%m-%d}"),
        ),
        back_url=reverse("monitoring:alert_detail", args=[alert.pk]),
    )
