"""Reads of the data exchange, through the scoping door."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _

from minsheng.core.modules import DueItem
from minsheng.exchange.models import Authorisation, DepartmentClient, Feed, FeedRecord, Finding, Verification


def feed_list(*, user: Any) -> QuerySet[Feed]:
    return Feed.objects.restrict(user, "view").select_related("source", "client", "submitted_by")


def feed_get(*, user: Any, pk: int) -> Feed:
    return get_object_or_404(feed_list(user=user), pk=pk)


def feed_problems(*, user: Any, feed: Feed) -> QuerySet[FeedRecord]:
    """The feed's records that matched nobody, or an ID whose name differs (masked IDs only)."""
    return (
        FeedRecord.objects.restrict(user, "view")
        .filter(feed=feed)
        .exclude(match=FeedRecord.Match.MATCHED)
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


def findings_due(user: Any, today: dt.date, limit: int) -> list[DueItem]:
    """The monthly verification's findings to review (to-do list): one line per finding, the person masked."""
    return [
        DueItem(
            kind="verification_finding",
            title=_("Verification finding: %(kind)s") % {"kind": f.get_kind_display()},
            url=reverse("exchange:finding_list") + f"#finding-{f.pk}",
            area_code=f.area_code,
            subject=f"{f.household.number} {f.person.name} {f.person.id_masked}",
        )
        for f in findings_to_review(user=user)[:limit]
    ]


def findings_due_count(user: Any, today: dt.date) -> int:
    return findings_to_review(user=user).count()


def finding_list(*, user: Any) -> QuerySet[Finding]:
    return (
        Finding.objects.restrict(user, "view")
        .select_related("household", "person", "check_run")
        .order_by("-check_run__month", "outcome", "area_code", "household_id")
    )
