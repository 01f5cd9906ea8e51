"""The volunteers' rules, read from the rules table (``assistance.rules``, DOMAIN §6.6): the hours each star level
needs, the most hours one day may hold, the age from which no guardian's consent is needed."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from minsheng.assistance.rules.selectors import MissingParameter, parameter_for

STAR_HOURS = "volunteers.star_hours"
DAY_HOURS = "volunteers.day_hours"
ADULT_AGE = "volunteers.adult_age"


def _value(key: str, area_code: str, on: dt.date) -> object:
    try:
        return parameter_for(key, area_code=area_code, on=on).value
    except MissingParameter:
        raise ValidationError(
            _("The rule “%(key)s” has no value for this area on %(date)s; an administrator must enter it.")
            % {"key": key, "date": on.isoformat()}
        ) from None


def star_thresholds(area_code: str, on: dt.date) -> list[tuple[int, int]]:
    """(stars, hours in tenths) from the most stars down, for the county of ``area_code`` (a value entered for a
    finer area is not used: the set-based refresh reads one value per county)."""
    rows = _value(STAR_HOURS, area_code[:6], on)
    assert isinstance(rows, list)
    return sorted(((int(r["star"]), int(r["hours"]) * 10) for r in rows), reverse=True)


def star_for(hours_tenths: int, thresholds: list[tuple[int, int]]) -> int:
    """The star level of cumulative hours: the most stars whose hours are reached, 0 below the first."""
    return next((star for star, needed in thresholds if hours_tenths >= needed), 0)


def day_hours_tenths(area_code: str, on: dt.date) -> int:
    value = _value(DAY_HOURS, area_code, on)
    assert isinstance(value, int | float | str)
    return int(value) * 10


def adult_age(area_code: str, on: dt.date) -> int:
    value = _value(ADULT_AGE, area_code, on)
    assert isinstance(value, int | float | str)
    return int(value)
