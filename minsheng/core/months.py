"""Month arithmetic. A month is named by its first day (``dt.date(2023, 6, 1)`` is June 2023)."""

from __future__ import annotations

import datetime as dt


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
