"""Reading the rules' values: the value of a rule for an area on a date (most specific area, then latest start)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Q, QuerySet

from minsheng.assistance.rules.models import Parameter


class MissingParameter(LookupError):
    """No value of the rule applies to the area on the date: an administrator must enter one."""


def parameter_for(key: str, *, area_code: str, on: dt.date) -> Parameter:
    """The value of ``key`` for ``area_code`` on ``on``: the most specific area wins, then the latest start."""
    rows = Parameter.objects.filter(key=key, valid_from__lte=on).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
    row = most_specific(rows, area_code)
    if row is None:
        raise MissingParameter(f"no value of {key} for {area_code} on {on}")
    return row


def most_specific(rows: Iterable[Parameter], area_code: str) -> Parameter | None:
    """Of the values in force, the one for the longest area prefix containing ``area_code``, then the latest."""
    candidates = [row for row in rows if area_code.startswith(row.area_prefix)]
    return max(candidates, key=lambda row: (len(row.area_prefix), row.valid_from)) if candidates else None


def parameter_history() -> QuerySet[Parameter]:
    """Every value of every rule, by rule and area, newest first (the rules are public configuration, not scoped)."""
    return Parameter.objects.order_by("key", "area_prefix", "-valid_from")
