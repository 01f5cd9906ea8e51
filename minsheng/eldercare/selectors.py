"""Reads of elderly care, through the scoping door. Lists are bounded (the pages paginate; the to-do lists take a
``limit``); a provider's worker reads order lines only, and of the person only what a visit needs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from minsheng.core.keyset import Key
from minsheng.core.modules import DueItem, DuePosition, count_due, due_rows
from minsheng.core.months import month_of
from minsheng.eldercare.models import (
    CareItem,
    Contract,
    DeathFinding,
    Elder,
    Facility,
    LivenessCheck,
    OrderLine,
    Provider,
    Residency,
    Service,
    ServiceVisit,
    Settlement,
    UncoveredNeed,
)

# The lists' orders (each ending with ``id``); the views page them by cursor (``core.keyset``, docs/architecture.md,
# "Lists").
FACILITY_KEYS = (Key("area_code"), Key("kind"), Key("id"))
ELDER_KEYS = (Key("area_code"), Key("id"))
PROVIDER_KEYS = (Key("area_code"), Key("name"), Key("id"))
LINE_KEYS = (Key("area_code"), Key("id"))
VERIFY_KEYS = (Key("checked_in_at"), Key("id"))
SETTLEMENT_KEYS = (Key("month", descending=True), Key("id", descending=True))
LIVENESS_KEYS = (Key("due_on"), Key("id"))
DEATH_KEYS = (Key("month"), Key("id"))
# The settlements list shows the paid ones of the months from this many days back, unless the user chooses a day.
LIST_WINDOW_DAYS = 90

# What a provider's worker sees of a person: the copy on the list (name, masked ID, address), never the registry.
VISIT_FIELDS = ("elder__name", "elder__id_masked", "elder__address", "elder__area_code")


def facility_list(*, user: Any, kind: str = "", area: str = "") -> QuerySet[Facility]:
    # unscoped: a subquery counting the open residencies of each facility on the page (not personal data)
    # (without the residencies' default order, which would join each facility again to sort by its area)
    residents = Residency.objects.unscoped().filter(facility=OuterRef("pk"), left_on__isnull=True).order_by()
    rows = Facility.objects.restrict(user, "view").annotate(
        residents=Coalesce(Subquery(residents.values("facility").annotate(n=Count("id")).values("n")[:1]), 0)
    )
    if kind:
        rows = rows.filter(kind=kind)
    if area:
        rows = rows.filter(area_code__startswith=area)
    return rows.order_by("area_code", "kind", "id")


def facility_get(*, user: Any, pk: int) -> Facility:
    return get_object_or_404(facility_list(user=user), pk=pk)


def residents(*, user: Any, facility: Facility) -> QuerySet[Residency]:
    return (
        Residency.objects.restrict(user, "view")
        .filter(facility=facility, left_on__isnull=True)
        .select_related("person", "tekun_benefit")
    )


def elder_list(*, user: Any, category: str = "", area: str = "") -> QuerySet[Elder]:
    rows = Elder.objects.restrict(user, "view").filter(active=True)
    if area:
        rows = rows.filter(area_code__startswith=area)
    if category:
        rows = (
            rows.filter(categories__contains=category)
            if _json_contains()
            else rows.filter(categories__icontains=f'"{category}"')
        )
    return rows.order_by("area_code", "id")


def _json_contains() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


def elder_get(*, user: Any, pk: int) -> Elder:
    return get_object_or_404(Elder.objects.restrict(user, "view"), pk=pk)


def plan(*, elder: Elder) -> QuerySet[CareItem]:
    return elder.plan.select_related("contract__provider").order_by("service")


def provider_list(*, user: Any) -> QuerySet[Provider]:
    return Provider.objects.restrict(user, "view").order_by("area_code", "name", "id")


def provider_get(*, user: Any, pk: int) -> Provider:
    return get_object_or_404(provider_list(user=user), pk=pk)


def contracts(*, user: Any, provider: Provider) -> QuerySet[Contract]:
    return Contract.objects.restrict(user, "view").filter(provider=provider).order_by("-valid_from")


def worker_lines(*, user: Any, month: dt.date, open_only: bool = True) -> QuerySet[OrderLine]:
    """A provider worker's lines of the month (its provider's only, by the door), with the few fields of the person a
    visit needs; the pages slice it."""
    rows = OrderLine.objects.restrict(user, "view").filter(month=month)
    if open_only:
        rows = rows.filter(delivered__lt=F("owed"))
    return rows.select_related("elder").only("id", "month", "service", "owed", "delivered", "area_code", *VISIT_FIELDS)


def line_get(*, user: Any, pk: int) -> OrderLine:
    return get_object_or_404(
        OrderLine.objects.restrict(user, "view")
        .select_related("elder", "contract")
        .only(
            "id",
            "month",
            "service",
            "owed",
            "delivered",
            "area_code",
            "provider_id",
            "contract__area_prefix",
            "contract__number",
            *VISIT_FIELDS,
        ),
        pk=pk,
    )


def line_plan(*, user: Any, line: OrderLine) -> list[tuple[str, int, int]]:
    """The person's services of the line's month this user's provider delivers: (label, owed, delivered)."""
    rows = OrderLine.objects.restrict(user, "view").filter(elder_id=line.elder_id, month=line.month)
    labels = dict(Service.choices)
    return [(str(labels.get(s, s)), o, d) for s, o, d in rows.values_list("service", "owed", "delivered")[:20]]


def line_visits(*, user: Any, line: OrderLine) -> QuerySet[ServiceVisit]:
    return ServiceVisit.objects.restrict(user, "view").filter(line=line).order_by("checked_in_at")


def visits(*, user: Any) -> QuerySet[ServiceVisit]:
    return ServiceVisit.objects.restrict(user, "view").select_related("elder", "provider", "worker")


def to_verify(*, user: Any) -> QuerySet[ServiceVisit]:
    return (
        ServiceVisit.objects.restrict(user, "change")
        .filter(status=ServiceVisit.Status.RECORDED)
        .select_related("elder", "provider")
        .order_by("checked_in_at", "id")
    )


def missed(*, user: Any, today: dt.date) -> QuerySet[OrderLine]:
    """Lines of ended months with visits missing, not yet acknowledged by the township."""
    return (
        OrderLine.objects.restrict(user, "change")
        .filter(month__lt=month_of(today), delivered__lt=F("owed"), missed_seen_by__isnull=True)
        .order_by("month", "area_code", "id")
    )


NEED_KEYS = (Key("month", descending=True), Key("area_code"), Key("id"))


def need_list(*, user: Any, month: dt.date | None = None, status: str = "") -> QuerySet[UncoveredNeed]:
    """The needs no provider covers in the user's areas (counts per village, service and month: no person), the
    latest month first; the view pages them by ``NEED_KEYS``."""
    rows = UncoveredNeed.objects.restrict(user, "view")
    if month is not None:
        rows = rows.filter(month=month)
    if status:
        rows = rows.filter(status=status)
    return rows


def settlement_list(*, user: Any, paid_since: dt.date | None = None) -> QuerySet[Settlement]:
    """Settlements in the user's areas (a provider's staff: its own); with ``paid_since`` those not paid yet all, the
    paid ones of the months from that day's month on. The list pages them by ``SETTLEMENT_KEYS``."""
    rows = Settlement.objects.restrict(user, "view").select_related("provider")
    if paid_since is not None:
        rows = rows.filter(~Q(status=Settlement.Status.PAID) | Q(month__gte=paid_since.replace(day=1)))
    return rows


def settlement_get(*, user: Any, pk: int) -> Settlement:
    return get_object_or_404(settlement_list(user=user), pk=pk)


def liveness_due(*, user: Any, action: str = "change") -> QuerySet[LivenessCheck]:
    """The 尊老金 liveness checks due in the user's areas: to confirm (``change``), or to read (``view``)."""
    return (
        LivenessCheck.objects.restrict(user, action)
        .filter(status=LivenessCheck.Status.DUE)
        .select_related("person")
        .order_by("due_on", "id")
    )


def deaths_open(*, user: Any, action: str = "change") -> QuerySet[DeathFinding]:
    """The open findings of 尊老金 paid after a reported death: to handle (``change``), or to read (``view``)."""
    return (
        DeathFinding.objects.restrict(user, action)
        .filter(status=DeathFinding.Status.OPEN)
        .select_related("person")
        .order_by("month", "id")
    )


# --- The to-do list ------------------------------------------------------------------------------------------------


def _service_label(code: str) -> str:
    return str(dict(Service.choices).get(code, code))


def visits_due(user: Any, today: dt.date, limit: int, after: DuePosition | None) -> list[DueItem]:
    """A provider's worker: this month's lines with visits still owed (all due at the month's end)."""
    month = month_of(today)
    last = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    return [
        DueItem(
            kind="care_visit",
            title=_("Care visit: %(service)s (%(done)s of %(owed)s)")
            % {"service": _service_label(line.service), "done": line.delivered, "owed": line.owed},
            url=reverse("eldercare:visit_new", args=[line.pk]),
            area_code=line.area_code,
            deadline=last,
            subject=f"{line.elder.name} {line.elder.id_masked}",
            phone_url=reverse("monitoring:visit_kind_phone", args=["eldercare.service", line.pk]),
            position=position,
        )
        for line, position in due_rows(worker_lines(user=user, month=month), "month", after, limit)
    ]


def visits_due_count(user: Any, today: dt.date) -> int:
    return count_due(worker_lines(user=user, month=month_of(today)))


def village_due(user: Any, today: dt.date, limit: int, after: DuePosition | None) -> list[DueItem]:
    """The village worker: this month's care visits still owed in the village (the provider's work to follow)."""
    month = month_of(today)
    rows = OrderLine.objects.restrict(user, "view").filter(month=month, delivered__lt=F("owed")).select_related("elder")
    last = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    return [
        DueItem(
            kind="care_village",
            title=_("Care visit owed: %(service)s (%(done)s of %(owed)s)")
            % {"service": _service_label(line.service), "done": line.delivered, "owed": line.owed},
            url=reverse("eldercare:elder_detail", args=[line.elder_id]),
            area_code=line.area_code,
            deadline=last,
            subject=f"{line.elder.name} {line.elder.id_masked}",
            position=position,
        )
        for line, position in due_rows(rows, "month", after, limit)
    ]


def village_due_count(user: Any, today: dt.date) -> int:
    return count_due(OrderLine.objects.restrict(user, "view").filter(month=month_of(today), delivered__lt=F("owed")))


def missed_due(user: Any, today: dt.date, limit: int, after: DuePosition | None) -> list[DueItem]:
    return [
        DueItem(
            kind="care_missed",
            title=_("Care visits missed in %(month)s: %(done)s of %(owed)s")
            % {"month": f"{line.month:%Y-%m}", "done": line.delivered, "owed": line.owed},
            url=reverse("eldercare:compliance") + f"?month={line.month:%Y-%m}",
            area_code=line.area_code,
            deadline=line.month,
            subject=f"{line.elder.name} {line.elder.id_masked}",
            overdue=True,
            position=position,
        )
        for line, position in due_rows(missed(user=user, today=today).select_related("elder"), "month", after, limit)
    ]


def missed_count(user: Any, today: dt.date) -> int:
    return count_due(missed(user=user, today=today))


def verify_due(user: Any, today: dt.date, limit: int, after: DuePosition | None) -> list[DueItem]:
    return [
        DueItem(
            kind="care_verify",
            title=_("Care visit to verify: %(flags)s")
            % {"flags": "、".join(flag_labels(v.flags)) or _("Shorter than the rule")},
            url=reverse("eldercare:verify_list"),
            area_code=v.area_code,
            deadline=timezone.localtime(v.checked_in_at).date(),
            subject=f"{v.elder.name} {v.elder.id_masked}",
            position=position,
        )
        for v, position in due_rows(to_verify(user=user), "checked_in_at", after, limit)
    ]


def verify_count(user: Any, today: dt.date) -> int:
    return count_due(to_verify(user=user))


def liveness_items(user: Any, today: dt.date, limit: int, after: DuePosition | None) -> list[DueItem]:
    from minsheng.core.crypto import mask_name

    return [
        DueItem(
            kind="liveness",
            title=_("尊老金 liveness check %(year)s") % {"year": c.year},
            url=reverse("eldercare:liveness_list"),
            area_code=c.area_code,
            deadline=c.due_on,
            subject=f"{mask_name(c.person.name)} {c.person.id_masked}",
            overdue=c.due_on < today,
            position=position,
        )
        for c, position in due_rows(liveness_due(user=user), "due_on", after, limit)
    ]


def liveness_count(user: Any, today: dt.date) -> int:
    return count_due(liveness_due(user=user))


def death_items(user: Any, today: dt.date, limit: int, after: DuePosition | None) -> list[DueItem]:
    from minsheng.core.crypto import mask_name

    return [
        DueItem(
            kind="death_check",
            title=_("尊老金 still paid after a reported death (%(date)s)") % {"date": f.died_on.isoformat()},
            url=reverse("eldercare:death_list"),
            area_code=f.area_code,
            deadline=f.month,
            subject=f"{mask_name(f.person.name)} {f.person.id_masked}",
            overdue=True,
            position=position,
        )
        for f, position in due_rows(deaths_open(user=user), "month", after, limit)
    ]


def death_count(user: Any, today: dt.date) -> int:
    return count_due(deaths_open(user=user))


FLAG_LABELS = {
    "far": gettext_lazy("Far from home"),
    "overlap": gettext_lazy("Overlaps another visit"),
    "no_location": gettext_lazy("No location"),
}


def flag_labels(flags: list[str]) -> list[str]:
    return [str(FLAG_LABELS.get(f, f)) for f in flags]


def area_lines(*, user: Any, month: dt.date, area: str = "") -> QuerySet[OrderLine]:
    rows = OrderLine.objects.restrict(user, "view").filter(month=month)
    if area:
        rows = rows.filter(area_code__startswith=area)
    return rows


def by_provider(*, user: Any, month: dt.date) -> list[dict[str, Any]]:
    """Owed, delivered and on-time visits of the month per provider, in the user's areas (grouped in the database;
    at most 200 providers)."""
    from django.db.models import Sum
    from django.db.models.functions import Least

    rows = (
        area_lines(user=user, month=month)
        .values("provider_id", "provider__name")
        .annotate(
            n_lines=Count("id"),
            n_owed=Sum("owed"),
            n_delivered=Sum(Least("delivered", "owed")),
            n_on_time=Sum("on_time"),
            n_missed=Count("id", filter=Q(delivered__lt=F("owed"))),
        )
        .order_by("provider__name")[:200]
    )
    return [dict(row) for row in rows]
