"""Month arithmetic. A month is named by its first day (``dt.date(2023, 6, 1)`` is June 2023)."""

from __future__ import annotations

import datetime as dt
import re


def month_of(day: dt.date) -> dt.date:
    """The month ``day`` falls in."""
    return day.replace(day=1)


def first_day_of_next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def add_months(month: dt.date, months: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """The months from ``first``'s to ``last``'s, both included."""
    months, month = [], month_of(first)
    while month <= last:
        months.append(month)
        month = first_day_of_next_month(month)
    return months


# The months anybody may type: none before the platform's records can begin, none further ahead than a change is
# planned. Outside these a month is a typing slip (year 0, 9999-12), and dates beyond them would break the month
# arithmetic above (``dt.date`` ends at year 9999).
EARLIEST_MONTH = dt.date(1990, 1, 1)
MONTHS_AHEAD = 12

_MONTH_TEXT = re.compile(r"^(\d{4})-(\d{1,2})(?:-01)?$", re.ASCII)


def parse_month(text: str) -> dt.date:
    """``2026-07`` (the browser's month picker; ``2026-07-01`` too) as its first day; ``ValueError`` otherwise.
    Only ASCII digits: ``²`` is a digit to ``str.isdigit`` but no month."""
    match = _MONTH_TEXT.match(text.strip())
    if match is None:
        raise ValueError(text)
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def latest_month(today: dt.date, months_ahead: int = MONTHS_AHEAD) -> dt.date:
    """The last month that may be typed on ``today``: ``months_ahead`` after the current one."""
    return add_months(month_of(today), months_ahead)


def month_in_range(month: dt.date, *, today: dt.date, months_ahead: int = MONTHS_AHEAD) -> bool:
    return EARLIEST_MONTH <= month <= latest_month(today, months_ahead)


def last_complete_half(today: dt.date) -> tuple[dt.date, dt.date]:
    """The last half-year that ended before ``today``'s month, as (its first month, its last month): on 2026-12-05
    January to June 2026, on 2027-03-01 July to December 2026. The bureau publishes by half-year; the demo city's
    histories are calibrated on this one and run from its start to the present."""
    if today.month >= 7:
        return dt.date(today.year, 1, 1), dt.date(today.year, 6, 1)
    return dt.date(today.year - 1, 7, 1), dt.date(today.year - 1, 12, 1)


def demo_history_months(today: dt.date) -> list[dt.date]:
    """The months of the demo city's histories: from the last complete half-year's first month to ``today``'s."""
    return months_between(last_complete_half(today)[0], month_of(today))
