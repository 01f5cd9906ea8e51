"""Reads of the data exchange, through the scoping door."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Substr
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.areas.models import Division
from minsheng.core.crypto import mask_name
from minsheng.core.keyset import Key
from minsheng.core.modules import DueItem, DuePosition, count_due, due_rows
from minsheng.exchange.authorisations import members_on
from minsheng.exchange.models import (
    Authorisation,
    DepartmentClient,
    Feed,
    FeedRecord,
    Finding,
    MonthlyCheck,
    Verification,
    VerificationItem,
    VerificationQuery,
)
from minsheng.exchange.verification import OPEN, PURPOSES


def feed_list(*, user: Any) -> QuerySet[Feed]:
    return Feed.objects.restrict(user, "view").select_related("source", "client", "submitted_by")


# Feeds arrive every month from every department: the list shows those received this many days back unless the user
# chooses an earlier day (docs/architecture.md, "Lists").
FEED_WINDOW_DAYS = 90
FEED_KEYS = (Key("received_at", descending=True), Key("id", descending=True))
# A feed's records (up to two million) by their row in the file.
RECORD_KEYS = (Key("row"),)


def feed_page_rows(*, user: Any, received_from: dt.datetime) -> QuerySet[Feed]:
    """The feeds list's rows: the feeds of the user's areas received from ``received_from`` on."""
    return feed_list(user=user).filter(received_at__gte=received_from)


def feed_get(*, user: Any, pk: int) -> Feed:
    return get_object_or_404(feed_list(user=user), pk=pk)


def feed_problems(*, user: Any, feed: Feed) -> QuerySet[FeedRecord]:
    """The feed's records that matched nobody, or an ID whose name differs (masked IDs only)."""
    return (
        FeedRecord.objects.restrict(user, "view")
        .filter(feed=feed)
        .exclude(match=FeedRecord.Match.MATCHED)  # the predicate of the partial index exchange_record_problem
        .only("row", "id_masked", "name", "match", "area_code", "on")
        .order_by("row")
    )


def client_list(*, user: Any) -> QuerySet[DepartmentClient]:
    """The clients, each with ``verifications_asked``: the verifications it requested that the user may see."""
    asked = (
        Verification.objects.restrict(user, "view")
        .filter(client=OuterRef("pk"))
        .order_by()
        .values("client")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        DepartmentClient.objects.restrict(user, "view")
        .annotate(verifications_asked=Coalesce(Subquery(asked), 0))
        .prefetch_related("sources", "keys")
    )


def client_get(*, user: Any, pk: int) -> DepartmentClient:
    return get_object_or_404(DepartmentClient.objects.restrict(user, "view"), pk=pk)


def person_records(*, user: Any, person: Any) -> QuerySet[FeedRecord]:
    """What the departments' feeds said of a person, newest first."""
    return (
        FeedRecord.objects.restrict(user, "view")
        .filter(person=person)
        .select_related("feed__source")
        .order_by("-feed__received_at", "row")
    )


def authorisations_of(*, user: Any, household: Any) -> QuerySet[Authorisation]:
    return Authorisation.objects.restrict(user, "view").filter(household=household).prefetch_related("sources")


def authorisation_get(*, user: Any, pk: int) -> Authorisation:
    return get_object_or_404(
        Authorisation.objects.restrict(user, "view")
        .select_related("household", "recorded_by")
        .prefetch_related("sources", "signers__person"),
        pk=pk,
    )


def findings_to_review(*, user: Any) -> QuerySet[Finding]:
    """Findings whose household's review was brought forward, not closed yet."""
    return (
        Finding.objects.restrict(user, "change")
        .filter(outcome=Finding.Outcome.REVIEW)
        .select_related("household", "person", "check_run")
        .order_by("check_run__month", "area_code", "household_id", "kind")
    )


def findings_due(user: Any, today: dt.date, limit: int, after: DuePosition | None) -> list[DueItem]:
    """The monthly verification's findings to review (to-do list): one line per finding, the person masked; they
    have no deadline, so they follow the dated work, the oldest run first."""
    return [
        DueItem(
            kind="verification_finding",
            title=_("Verification finding: %(kind)s") % {"kind": f.get_kind_display()},
            url=reverse("exchange:finding_list") + f"#finding-{f.pk}",
            area_code=f.area_code,
            subject=f"{f.household.number} {f.person.name} {f.person.id_masked}",
            position=position,
        )
        for f, position in due_rows(findings_to_review(user=user), "check_run_id", after, limit)
    ]


def findings_due_count(user: Any, today: dt.date) -> int:
    return count_due(findings_to_review(user=user))


def finding_list(*, user: Any) -> QuerySet[Finding]:
    return (
        Finding.objects.restrict(user, "view")
        .select_related("household", "person", "check_run")
        .order_by("-check_run__month", "outcome", "area_code", "household_id")
    )


# The findings list shows one monthly check's findings at a time (the latest unless the user chooses a month), area
# by area: every month adds a check's worth (docs/architecture.md, "Lists").
FINDING_KEYS = (Key("area_code"), Key("id"))


# The monthly checks, the latest month first (one a month for the city, not scoped; no window: twelve rows a year),
# through the unique index of the month.
CHECK_KEYS = (Key("month", descending=True), Key("id", descending=True))


def check_list() -> QuerySet[MonthlyCheck]:
    """Every monthly check, the latest month first (reference data of the city: MonthlyCheck is not scoped)."""
    return MonthlyCheck.objects.order_by(*(key.order() for key in CHECK_KEYS))


def finding_check(month: dt.date | None) -> MonthlyCheck | None:
    """The check of ``month`` (None: the latest one); None when there is none."""
    # Reference data of the city (MonthlyCheck is not scoped): one row a month.
    checks = MonthlyCheck.objects.order_by("-month")
    return (checks.filter(month=month) if month is not None else checks).first()


def finding_page_rows(*, user: Any, check: MonthlyCheck) -> QuerySet[Finding]:
    """The findings list's rows: the findings of ``check`` in the user's areas."""
    return (
        Finding.objects.restrict(user, "view")
        .filter(check_run=check)
        .select_related("household", "person", "check_run")
        .defer("person__id_number", "person__phone", "person__bank_account")
    )


# --- 核对 for one household ---------------------------------------------------------------------------------------


# The verification list shows the requests still open, and the others requested this many days back unless the
# user chooses an earlier day (their history grows every month).
LIST_WINDOW_DAYS = 90
VERIFICATION_KEYS = (Key("requested_at", descending=True), Key("id", descending=True))


def verification_list(
    *, user: Any, filters: dict[str, Any] | None = None, window_from: dt.datetime | None = None
) -> QuerySet[Verification]:
    """The verifications of the user's areas, newest first, narrowed by the list's filters (each may be empty).

    With ``window_from`` (the list page), the closed ones are those requested since then; open ones all."""
    rows = Verification.objects.restrict(user, "view").select_related("household", "client", "requested_by")
    filters = filters or {}
    if window_from is not None:
        rows = rows.filter(Q(status__in=OPEN) | Q(requested_at__gte=window_from))
    for name in ("status", "conclusion", "purpose"):
        if filters.get(name):
            rows = rows.filter(**{name: filters[name]})
    if filters.get("requester") == "staff":
        rows = rows.filter(client__isnull=True)
    elif filters.get("requester") == "client":
        rows = rows.filter(client__isnull=False)
    return rows.order_by("-requested_at", "-id")


def verification_get(*, user: Any, pk: int) -> Verification:
    return get_object_or_404(
        Verification.objects.restrict(user, "view").select_related(
            "household", "authorisation", "client", "requested_by", "reviewed_by", "recheck_of"
        ),
        pk=pk,
    )


def verification_queries(verification: Verification) -> list[VerificationQuery]:
    return list(verification.queries.select_related("source", "feed").order_by("source__sort_order", "id"))


def verification_items(verification: Verification) -> list[VerificationItem]:
    return list(verification.items.order_by("id"))


def verification_members(verification: Verification) -> list[tuple[str, str]]:
    """The members the verification concerns (those the declaration counts), masked: (name, ID number)."""
    counted = set(verification.declared.get("persons") or [])
    members = members_on(verification.household, timezone.localtime(verification.requested_at).date())
    return [(mask_name(p.name), p.id_masked) for p in members if not counted or p.pk in counted]


def purpose_label(code: str) -> str:
    return str(PURPOSES.get(code, code))


def pending_by_county(*, user: Any) -> list[tuple[str, str, int]]:
    """已申未出报告 per county, of the requests the user may see: (county code, county name, count)."""
    rows = dict(
        Verification.objects.restrict(user, "view")
        .filter(status__in=OPEN)
        .annotate(county=Substr("area_code", 1, 6))
        .values("county")
        .annotate(n=Count("id"))
        .values_list("county", "n")
    )
    names = dict(Division.objects.filter(code__in=[f"{c}000000" for c in rows]).values_list("code", "name"))
    return [(county, names.get(f"{county}000000", county), n) for county, n in sorted(rows.items())]


def verifications_to_review(*, user: Any) -> QuerySet[Verification]:
    """Requests awaiting the verification centre's review, oldest first."""
    return (
        Verification.objects.restrict(user, "change")
        .filter(status=Verification.Status.SUBMITTED)
        .select_related("household")
        .order_by("requested_at", "id")
    )


def verifications_due(user: Any, today: dt.date, limit: int, after: DuePosition | None) -> list[DueItem]:
    """The 核对申请 awaiting review (to-do list of the verification centre): one line per request."""
    return [
        DueItem(
            kind="verification_request",
            title=_("Verification request %(number)s: %(purpose)s")
            % {"number": v.number, "purpose": purpose_label(v.purpose)},
            url=reverse("exchange:verification_detail", args=[v.pk]),
            area_code=v.area_code,
            subject=v.household.number,
            position=position,
        )
        for v, position in due_rows(verifications_to_review(user=user), "requested_at", after, limit)
    ]


def verifications_due_count(user: Any, today: dt.date) -> int:
    return count_due(verifications_to_review(user=user))
