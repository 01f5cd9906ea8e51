"""Working-day arithmetic on China's official calendar, and loading a year's official arrangement.

Time limits count working days: the day a case is accepted is day 0, the next working day is day 1. A pause
(waiting for the applicant's materials) stops the clock: working days inside a pause do not count.

For a year with no official arrangement loaded, the statutory holidays of the 《全国年节及纪念日放假办法》
(as revised 2024, in force 2025) plus weekends are used: 元旦 (1 January), 春节 (除夕 and the first three days of
the first lunar month), 清明 (the day of the solar term), 劳动节 (1–2 May), 端午 (5th of the fifth lunar month),
中秋 (15th of the eighth lunar month), 国庆 (1–3 October). Make-up working days and substitute rest days are
decided each year by the State Council and cannot be derived, so the fallback has none; pages show that the
year's official arrangement is not loaded yet. No date raises: outside the lunar table's range (1900–2099)
the lunar holidays are skipped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from chinese_calendar import get_solar_terms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from lunardate import LunarDate

from minsheng.audit.services import audit_record
from minsheng.workdays.models import CalendarDay, CalendarYear

if TYPE_CHECKING:
    from minsheng.core.typing import Actor

ONE_DAY = dt.timedelta(days=1)


def _lunar(year: int, month: int, day: int) -> dt.date | None:
    try:
        solar: dt.date = LunarDate(year, month, day).to_solar_date()
        return solar
    except (ValueError, IndexError):
        return None


def _qingming(year: int) -> dt.date:
    try:
        terms = get_solar_terms(dt.date(year, 4, 1), dt.date(year, 4, 10))
        qingming: dt.date = next(day for day, name in terms if name == "清明")
        return qingming
    except (StopIteration, ValueError, NotImplementedError, IndexError, KeyError):
        return dt.date(year, 4, 5)  # the usual date, when the term table does not reach the year


@lru_cache(maxsize=256)
def statutory_holidays(year: int) -> dict[dt.date, str]:
    """The holidays the law fixes for ``year`` (without the State Council's make-up days)."""
    days: dict[dt.date, str] = {dt.date(year, 1, 1): "元旦"}
    new_year = _lunar(year, 1, 1)
    if new_year is not None:
        for offset in range(-1, 3):
            days[new_year + dt.timedelta(days=offset)] = "春节"
    days[_qingming(year)] = "清明节"
    days[dt.date(year, 5, 1)] = days[dt.date(year, 5, 2)] = "劳动节"
    for month, day, name in ((5, 5, "端午节"), (8, 15, "中秋节")):
        solar = _lunar(year, month, day)
        if solar is not None:
            days[solar] = name
    for day in (1, 2, 3):
        days[dt.date(year, 10, day)] = "国庆节"
    return days


@dataclass(frozen=True)
class YearRules:
    official: bool
    exceptions: dict[dt.date, bool]  # date -> is working day


def _year_rules(year: int) -> YearRules:
    if CalendarYear.objects.filter(year=year).exists():
        rows = CalendarDay.objects.filter(date__year=year).values_list("date", "is_working_day")
        return YearRules(official=True, exceptions=dict(rows))
    return YearRules(official=False, exceptions=dict.fromkeys(statutory_holidays(year), False))


class Calendar:
    """Answers "is this a working day?" for any date, loading each year's rules once.

    Make one per request or task: it caches what it read and does not see later changes.
    """

    def __init__(self) -> None:
        self._years: dict[int, YearRules] = {}

    def rules(self, year: int) -> YearRules:
        if year not in self._years:
            self._years[year] = _year_rules(year)
        return self._years[year]

    def is_working_day(self, day: dt.date) -> bool:
        exception = self.rules(day.year).exceptions.get(day)
        return exception if exception is not None else day.weekday() < 5

    def is_official(self, year: int) -> bool:
        return self.rules(year).official

    def add_working_days(
        self, start: dt.date, days: int, *, pauses: Iterable[tuple[dt.date, dt.date | None]] = ()
    ) -> dt.date:
        """The date ``days`` working days after ``start``; working days inside a pause (inclusive) don't count.

        An open pause (no end) stops the clock for good: the answer is then ``dt.date.max``.
        """
        if days < 0:
            raise ValueError("a time limit cannot be negative")
        windows = sorted(pauses, key=lambda p: p[0])
        if any(end is None and begin <= start for begin, end in windows):
            return dt.date.max
        day, counted = start, 0
        while counted < days:
            day += ONE_DAY
            if any(begin <= day and (end is None or day <= end) for begin, end in windows):
                if any(end is None for begin, end in windows if begin <= day):
                    return dt.date.max
                continue
            if self.is_working_day(day):
                counted += 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when ``end`` is not later)."""
        count, day = 0, start
        while day < end:
            day += ONE_DAY
            count += self.is_working_day(day)
        return count


def add_working_days(start: dt.date, days: int, *, pauses: Iterable[tuple[dt.date, dt.date | None]] = ()) -> dt.date:
    return Calendar().add_working_days(start, days, pauses=pauses)


@dataclass(frozen=True)
class DayEntry:
    date: dt.date
    is_working_day: bool
    name: str


def parse_arrangement(text: str, *, year: int) -> list[DayEntry]:
    """Lines ``2027-01-01 休 元旦`` or ``2027-02-07 班 春节调休`` (also ``holiday`` / ``work``)."""
    entries: list[DayEntry] = []
    errors: list[str] = []
    seen: set[dt.date] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        parts = line.split(maxsplit=2)
        if not parts:
            continue
        if len(parts) < 2:
            errors.append(_("Line %(n)d: write the date, then 休 or 班.") % {"n": number})
            continue
        try:
            day = dt.date.fromisoformat(parts[0])
        except ValueError:
            errors.append(_("Line %(n)d: “%(value)s” is not a date (2027-01-01).") % {"n": number, "value": parts[0]})
            continue
        kind = parts[1].lower()
        if kind not in {"休", "班", "holiday", "work"}:
            errors.append(
                _("Line %(n)d: write 休 (rest) or 班 (work), not “%(value)s”.") % {"n": number, "value": parts[1]}
            )
            continue
        if day.year != year:
            errors.append(_("Line %(n)d: %(date)s is not in %(year)d.") % {"n": number, "date": day, "year": year})
            continue
        if day in seen:
            errors.append(_("Line %(n)d: %(date)s is listed twice.") % {"n": number, "date": day})
            continue
        seen.add(day)
        entries.append(DayEntry(day, kind in {"班", "work"}, parts[2].strip()[:40] if len(parts) > 2 else ""))
    if errors:
        raise ValidationError({"days": errors})
    if not entries:
        raise ValidationError({"days": _("Enter the year's holidays and make-up working days.")})
    return entries


@transaction.atomic
def calendar_year_load(*, actor: Actor, year: int, notice: str, entries: list[DayEntry]) -> CalendarYear:
    """Enter (or replace) a year's official arrangement. Days that follow the weekday rule need no line."""
    if not 1949 <= year <= 2200:
        raise ValidationError({"year": _("Enter a year between 1949 and 2200.")})
    if not notice.strip():
        raise ValidationError({"notice": _("Name the notice the arrangement comes from.")})
    before = sorted(
        (str(d), w) for d, w in CalendarDay.objects.filter(date__year=year).values_list("date", "is_working_day")
    )
    CalendarDay.objects.filter(date__year=year).delete()
    # Keep only real exceptions: a weekday holiday or a weekend working day.
    CalendarDay.objects.bulk_create(
        CalendarDay(date=e.date, is_working_day=e.is_working_day, name=e.name)
        for e in entries
        if e.is_working_day != (e.date.weekday() < 5)
    )
    calendar_year, _created = CalendarYear.objects.update_or_create(
        year=year, defaults={"notice": notice.strip()[:200], "loaded_by_id": actor.pk}
    )
    audit_record(
        actor=actor,
        action="workdays.year_loaded",
        area_code=getattr(actor, "home_area_id", None) or "",
        object_type="workdays.calendaryear",
        object_id=str(year),
        object_repr=f"{year} {notice.strip()}"[:200],
        before={"exceptions": before} if before else None,
        after={"exceptions": sorted((str(e.date), e.is_working_day) for e in entries)},
    )
    return calendar_year
