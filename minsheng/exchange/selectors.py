"""Reads of the data exchange, through the scoping door."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from minsheng.exchange.models import Authorisation, DepartmentClient, Feed, FeedRecord


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
    return DepartmentClient.objects.restrict(user, "view").prefetch_related("sources", "keys")


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
