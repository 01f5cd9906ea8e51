"""Keeping the summary table (``Cell``) equal to what the records say: a full rebuild, and an incremental refresh of
the areas the audit log says changed.

**Full rebuild** (``cells_rebuild``): empty the table and recompute every stored indicator of ``indicators.STORED``
for every area and every month held (January four years back to the current month), set-based: one
``INSERT … SELECT … GROUP BY`` per indicator (plain SQL that PostgreSQL and SQLite both run; the monthly flows are
the ORM's own grouped SELECT, so the month boundaries follow the configured time zone on both), then the township
and county sums. A rebuild also follows a bulk load (rows without audit events, see below), and runs from
``manage.py statistics_rebuild`` or the nightly task. A month that begins only adds its own cells (``_extend``).

**Incremental refresh** (``cells_refresh``): every change in Minsheng writes an ``AuditEvent`` with its area code in
the same transaction. The refresh reads the change events since its watermark, turns each into an area (a
village; a township or county for a window's own records; the county for payroll events) and a family of
indicators (each family, declared by its module in ``core.modules.StatisticsFamily``, names the action prefixes that
change it: ``payments.bank_return_imported`` → payments, the other payroll events change no figure; ``intake.*`` and
``assistance.*`` → the window; ``assistance.*`` → benefits and temporary assistance), deletes those cells of those
areas and recomputes them from the records, for every month held — a bank return naming its batch only for the
months that batch's lines are for (the family's ``months_of``) —, then recomputes
the sums of the townships and counties containing them. Recomputing is idempotent,
so applying an event twice is harmless.

The watermark: ``through`` (a time) and the ids of the events already applied in the ``OVERLAP`` before it. A
transaction may commit after a later one (its event then carries an earlier time), so the refresh looks back
``OVERLAP`` and skips the ids it has applied. A transaction open longer than ``OVERLAP`` could be missed; the
daily rebuild (task ``statistics.rebuild``) puts any such miss right.

When nothing changed, a refresh is one indexed read of the audit log's last minutes and of the highest id of each
source table, and writes nothing. Rows added without an audit event (a bulk load: the demo, an import) raise a
highest id with no event to explain it: the refresh then rebuilds the whole table.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from minsheng.areas.codes import InvalidCode, level_of
from minsheng.audit.models import AuditEvent
from minsheng.core.modules import FlowCells, SqlCells
from minsheng.core.months import first_day_of_next_month, month_of, months_between
from minsheng.core.scoping import LEVEL_DIGITS
from minsheng.statistics import indicators as ind
from minsheng.statistics.models import Cell, RefreshState

logger = logging.getLogger(__name__)

STATE_KEY = "cells"
# How far back each refresh looks in the audit log for events committed late (see the module docstring).
OVERLAP = dt.timedelta(minutes=5)
# The months held: from January this many years before the current year to the current month.
YEARS_HELD = 4

CHANGE_KINDS = (AuditEvent.Kind.CHANGE, AuditEvent.Kind.SYSTEM)

VILLAGE, TOWNSHIP, COUNTY = 12, 9, 6

# A set of months to recompute (None: every month held), and a unit of work: a family in some months.
Months = frozenset[dt.date] | None
Work = tuple[str, Months]


# --- Months and areas ------------------------------------------------------------------------------------------


def months_held(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The first and last month the table holds for ``today``."""
    today = today or timezone.localdate()
    return dt.date(today.year - YEARS_HELD, 1, 1), month_of(today)


@dataclass(frozen=True)
class CodeRange:
    """Every 12-digit code from ``low`` to ``high`` (a village: one code; a county: its million codes)."""

    low: str
    high: str

    @classmethod
    def of(cls, code: str) -> CodeRange:
        """The codes inside the division ``code`` (its significant digits, then anything)."""
        digits = LEVEL_DIGITS[level_of(code)]
        return cls(code[:digits].ljust(12, "0"), code[:digits].ljust(12, "9"))

    @property
    def significant(self) -> int:
        """How many leading digits every code of the range shares."""
        same = 0
        while same < 12 and self.low[same] == self.high[same]:
            same += 1
        return same


def _record_filter(ranges: Sequence[CodeRange] | None, field_name: str = "area_code") -> Q:
    if ranges is None:
        return Q()
    condition = Q(pk__in=[])
    for r in ranges:
        condition |= Q(**{f"{field_name}__gte": r.low, f"{field_name}__lte": r.high})
    return condition


def _sql_filter(ranges: Sequence[CodeRange] | None, column: str) -> tuple[str, list[Any]]:
    if ranges is None:
        return "1 = 1", []
    if not ranges:
        return "1 = 0", []
    parts, params = [], []
    for r in ranges:
        parts.append(f"({column} >= %s AND {column} <= %s)")
        params += [r.low, r.high]
    return "(" + " OR ".join(parts) + ")", params


# --- SQL helpers -----------------------------------------------------------------------------------------------


def _table(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _month_param() -> str:
    return "CAST(%s AS DATE)" if connection.vendor == "postgresql" else "%s"


def _month_of_column(column: str) -> str:
    """A month column of a grouped subquery (a date, or a truncated timestamp) as a date."""
    return f"CAST({column} AS DATE)" if connection.vendor == "postgresql" else f"date({column})"


def _date(day: dt.date) -> Any:
    return connection.ops.adapt_datefield_value(day)


CELL_COLUMNS = "level, indicator, dimension, area, month, value, value2"


def _insert(indicator: str, sql: str, params: Sequence[Any]) -> None:
    """Village cells of ``indicator`` from a SELECT of the columns ``a`` (area code), ``m`` (month: a date or a
    timestamp truncated to its month), ``d`` (dimension, may be NULL), ``v`` and ``v2``."""
    sql = (
        f"INSERT INTO {_table(Cell)} ({CELL_COLUMNS}) "
        f"SELECT {VILLAGE}, %s, COALESCE(sub.d, ''), CAST(sub.a AS BIGINT), {_month_of_column('sub.m')}, "
        f"sub.v, sub.v2 FROM ({sql}) sub"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [indicator, *params])


def _local_bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The aware datetimes from the start of ``first`` to the start of the month after ``last`` (local time)."""
    zone = timezone.get_current_timezone()
    return (
        dt.datetime.combine(first, dt.time(), tzinfo=zone),
        dt.datetime.combine(first_day_of_next_month(last), dt.time(), tzinfo=zone),
    )


@dataclass(frozen=True)
class Window:
    """What a family's computation is given (``core.modules.CellWindow``): the months and the areas."""

    first: dt.date
    last: dt.date
    ranges: Sequence[CodeRange] | None
    months: Months = None

    @property
    def start(self) -> dt.datetime:
        return _local_bounds(self.first, self.last)[0]

    @property
    def end(self) -> dt.datetime:
        return _local_bounds(self.first, self.last)[1]

    def area_filter(self, field_name: str = "area_code") -> Q:
        return _record_filter(self.ranges, field_name)

    def sql_area_filter(self, column: str) -> tuple[str, list[Any]]:
        return _sql_filter(self.ranges, column)

    def every_month(self) -> list[dt.date]:
        return months_between(self.first, self.last)


def _compute(
    family: str, first: dt.date, last: dt.date, ranges: Sequence[CodeRange] | None, months: Months = None
) -> None:
    """Insert the village cells of ``family`` for the areas in ``ranges`` (None: all) and the months held (only
    ``months`` when given: a family with ``months_of``)."""
    declared = ind.families()[family]
    if months is not None and declared.months_of is None:  # pragma: no cover - a programming error
        raise ValueError(f"family {family!r} is recomputed for every month")
    for source in declared.compute(Window(first, last, ranges, months)):
        if isinstance(source, FlowCells):
            inner, params = source.grouped.order_by().query.sql_with_params()
            _insert(source.indicator, inner, params)
        elif isinstance(source, SqlCells):
            _insert(source.indicator, source.sql, source.params)
        else:  # pragma: no cover - a programming error
            raise TypeError(f"{family}: {source!r} is not a source of cells")


def _month_filter(months: Months) -> tuple[str, list[Any]]:
    if months is None:
        return "", []
    ordered = sorted(months)
    return f" AND month IN ({', '.join([_month_param()] * len(ordered))})", [_date(m) for m in ordered]


def _delete_cells(
    level: int, ranges: Sequence[CodeRange] | None, indicators: Iterable[str] | None = None, months: Months = None
) -> None:
    where, params = _sql_filter(ranges, "area")
    sql = f"DELETE FROM {_table(Cell)} WHERE level = %s AND {where}"
    args: list[Any] = [level, *(int(p) for p in params)]
    if indicators is not None:
        names = list(indicators)
        sql += f" AND indicator IN ({', '.join(['%s'] * len(names))})"
        args += names
    month_sql, month_args = _month_filter(months)
    with connection.cursor() as cursor:
        cursor.execute(sql + month_sql, args + month_args)


def _roll_up(to_level: int, ranges: Sequence[CodeRange] | None, months: Months = None) -> None:
    """Recompute the sums at ``to_level`` (township 9 or county 6) for the areas in ``ranges`` (whole townships or
    counties) and ``months`` (None: all) from the level below (village 12 → township 9 → county 6)."""
    below = VILLAGE if to_level == TOWNSHIP else TOWNSHIP
    unit = 10 ** (12 - to_level)
    _delete_cells(to_level, ranges, months=months)
    where, params = _sql_filter(ranges, "area")
    month_sql, month_args = _month_filter(months)
    sql = (
        f"INSERT INTO {_table(Cell)} ({CELL_COLUMNS}) "
        f"SELECT %s, indicator, dimension, (area / {unit}) * {unit}, month, SUM(value), SUM(value2) "
        f"FROM {_table(Cell)} WHERE level = %s AND {where}{month_sql} "
        f"GROUP BY indicator, dimension, area / {unit}, month"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [to_level, below, *[int(p) for p in params], *month_args])


def _widen(ranges: Iterable[CodeRange], digits: int) -> list[CodeRange]:
    """The whole townships (9) or counties (6) containing each range (a wider range stays as it is), once each."""
    wide = set()
    for r in ranges:
        keep = min(digits, r.significant)
        wide.add(CodeRange(r.low[:keep].ljust(12, "0"), r.low[:keep].ljust(12, "9")))
    return _merge(wide)


def recompute(plan: dict[Work, list[CodeRange]], *, first: dt.date, last: dt.date) -> None:
    """Recompute the cells of each (family, months) in its areas from the records, then the sums above them."""
    for (family, months), ranges in plan.items():
        _delete_cells(VILLAGE, ranges, ind.stored_in(family), months)
        _compute(family, first, last, ranges, months)
        _roll_up(TOWNSHIP, _widen(ranges, 9), months)
        _roll_up(COUNTY, _widen(ranges, 6), months)


# --- Entry points ----------------------------------------------------------------------------------------------


@dataclass
class RefreshResult:
    rebuilt: bool = False
    extended: bool = False  # the months that began since the last build were added
    events: int = 0
    areas: list[str] = field(default_factory=list)
    busy: bool = False  # another refresh held the state: nothing done, the summary read as it stands
    as_of: dt.datetime | None = None  # when the summary was last brought up to date, after this call


def _locked_state() -> RefreshState:
    """The state row, locked until the transaction ends: one rebuild or refresh at a time."""
    RefreshState.objects.get_or_create(key=STATE_KEY)
    return RefreshState.objects.select_for_update().get(key=STATE_KEY)


def _state_if_free() -> RefreshState | None:
    """The state row locked, or None at once when another refresh holds it (PostgreSQL's SKIP LOCKED; SQLite takes
    one writer at a time anyway)."""
    if not connection.features.has_select_for_update_skip_locked:
        return _locked_state()
    return RefreshState.objects.select_for_update(skip_locked=True).filter(key=STATE_KEY).first()


def refreshed_at() -> dt.datetime | None:
    """When the summary was last brought up to date (a refresh or a rebuild)."""
    return _as_of(RefreshState.objects.filter(key=STATE_KEY).first())


def _as_of(state: RefreshState | None) -> dt.datetime | None:
    if state is None:
        return None
    return max((t for t in (state.refreshed_at, state.built_at) if t is not None), default=None)


@transaction.atomic
def cells_rebuild(*, today: dt.date | None = None) -> RefreshResult:
    """Empty the summary table and compute every cell again from the records (all areas, all months held)."""
    now = timezone.now()
    state = _locked_state()
    # The watermark is read before the records: a change committed while the rebuild runs (each statement sees
    # what was committed when it began) is then applied again by the next refresh, never taken as done.
    recent = _change_events(since=now - OVERLAP)
    fingerprint = _fingerprint()
    first, last = months_held(today or timezone.localdate())
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {_table(Cell)}")
    for family in ind.families():
        _compute(family, first, last, None)
    _roll_up(TOWNSHIP, None)
    _roll_up(COUNTY, None)
    state.first_month, state.last_month = first, last
    state.built_at = state.refreshed_at = now
    state.through = now
    state.seen_ids = sorted(e[0] for e in recent)
    state.last_event_id = max([state.last_event_id, *(e[0] for e in recent)])
    state.fingerprint = fingerprint
    state.save()
    return RefreshResult(rebuilt=True, as_of=now)


def _sources() -> list[Any]:
    """The tables whose rows the figures count. A bulk load (the demo, an import) inserts rows without audit events;
    the highest id of each, kept at every rebuild and refresh, shows that it happened."""
    return [model for family in ind.families().values() for model in family.tables]


def _highest_ids() -> dict[str, RawSQL]:
    return {f"highest_{i}": RawSQL(f"SELECT MAX(id) FROM {_table(model)}", []) for i, model in enumerate(_sources())}


def _state_and_fingerprint() -> tuple[RefreshState | None, dict[str, int]]:
    """The state row (None before the first build) and the source tables' highest ids, in one query."""
    row = RefreshState.objects.filter(key=STATE_KEY).annotate(**_highest_ids()).first()
    if row is None:
        return None, {}
    return row, {model._meta.label_lower: int(getattr(row, f"highest_{i}") or 0) for i, model in enumerate(_sources())}


def _fingerprint() -> dict[str, int]:
    """The highest id of each source table (read with the state row, which exists by now)."""
    state, ids = _state_and_fingerprint()
    assert state is not None
    return ids


Event = tuple[int, str, str, dt.datetime, str, str]


def _change_events(*, since: dt.datetime, after_id: int | None = None) -> list[Event]:
    """(id, action, area code, time, object type, object id) of the audited changes at or after ``since`` (or with
    an id above ``after_id``) whose action can change a figure."""
    window = Q(occurred_at__gte=since)
    if after_id is not None:
        window |= Q(pk__gt=after_id)
    prefixes = Q(pk__in=[])
    for prefix in sorted({p for family in ind.families().values() for p in family.changed_by}):
        prefixes |= Q(action__startswith=prefix)
    # unscoped: statistics refresh: where changes happened, codes and action names only
    return list(
        AuditEvent.objects.unscoped()
        .filter(window, prefixes, kind__in=CHANGE_KINDS)
        .exclude(area_code="")
        .values_list("pk", "action", "area_code", "occurred_at", "object_type", "object_id")
    )


def _families_of(action: str) -> list[str]:
    return [key for key, family in ind.families().items() if action.startswith(family.changed_by)]


def _plan(events: Iterable[Event]) -> dict[Work, set[CodeRange]]:
    """(family, months) → the areas to recompute."""
    plan: dict[Work, set[CodeRange]] = {}
    # Several events of one object (a payroll batch): its months read once.
    months_of = {key: functools.cache(family.months_of) for key, family in ind.families().items() if family.months_of}
    for _pk, action, area_code, _at, object_type, object_id in events:
        try:
            area = CodeRange.of(area_code)
        except (InvalidCode, KeyError):
            logger.warning("statistics: audit event with an unreadable area code %r ignored", area_code)
            continue
        for family in _families_of(action):
            months = months_of[family](object_type, object_id) if family in months_of else None
            plan.setdefault((family, months), set()).add(area)
    return plan


def _merge(ranges: set[CodeRange]) -> list[CodeRange]:
    """Drop ranges inside another (a village inside a county being recomputed anyway)."""
    ordered = sorted(ranges, key=lambda r: (r.low, r.high))
    kept: list[CodeRange] = []
    for r in ordered:
        if kept and r.low >= kept[-1].low and r.high <= kept[-1].high:
            continue
        kept.append(r)
    return kept


def cells_refresh(*, today: dt.date | None = None, wait: bool = True) -> RefreshResult:
    """Bring the summary table up to date: a full rebuild when it was never built; the new months' cells when a
    month began; then recompute what changed since the watermark (or everything, after a bulk load).

    The whole refresh runs in one transaction holding the state row's lock, so two refreshes never run at once.
    ``wait=False`` (the task ``statistics.refresh``): when another refresh holds the lock, do nothing at once
    (PostgreSQL's ``SKIP LOCKED``) and say so (``busy``); the one running applies what there is, and the next one
    what comes after. Cheap when nothing changed: the lock, one read of the state with the source tables' highest
    ids and one of the audit log's last minutes."""
    today = today or timezone.localdate()
    # The row exists before anybody locks it (a first refresh would otherwise find nothing to lock).
    RefreshState.objects.get_or_create(key=STATE_KEY)
    with transaction.atomic():
        if wait:
            _locked_state()
        elif _state_if_free() is None:
            return RefreshResult(busy=True, as_of=refreshed_at())
        return _refresh_locked(today=today)


def _refresh_locked(*, today: dt.date) -> RefreshResult:
    """``cells_refresh`` once the state row is locked by the caller's transaction."""
    # The ids first, then the events: a change committed in between shows as an event (applied), never as new
    # rows without one (which would look like a bulk load).
    state, fingerprint = _state_and_fingerprint()
    if state is None or state.built_at is None:
        return cells_rebuild(today=today)
    extended = False
    if (state.first_month, state.last_month) != months_held(today):
        if not _extend(today=today):
            return cells_rebuild(today=today)
        extended = True
        state, fingerprint = _state_and_fingerprint()
        assert state is not None
    assert state.through is not None
    seen = set(state.seen_ids)
    pending = [
        e for e in _change_events(since=state.through - OVERLAP, after_id=state.last_event_id) if e[0] not in seen
    ]
    if pending:
        result = _apply(today=today)
        result.extended = extended
        result.as_of = timezone.now()
        return result
    if fingerprint != state.fingerprint:
        logger.info("statistics: rows were added without audit events (a bulk load); rebuilding")
        return cells_rebuild(today=today)
    return RefreshResult(extended=extended, as_of=_as_of(state))


@transaction.atomic
def _extend(*, today: dt.date) -> bool:
    """A month began: compute the months that began since the table was built (every area, from the records) and
    drop the months no longer held. False when the table cannot be extended (the months held went backwards): the
    caller rebuilds."""
    state = _locked_state()
    first, last = months_held(today)
    if state.first_month is None or state.last_month is None or first < state.first_month or last < state.last_month:
        return False
    if state.last_month < last:  # else another refresh extended the table meanwhile
        begun = first_day_of_next_month(state.last_month)
        for family in ind.families():
            _compute(family, begun, last, None)
        months = frozenset(months_between(begun, last))
        _roll_up(TOWNSHIP, None, months)
        _roll_up(COUNTY, None, months)
    if state.first_month < first:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {_table(Cell)} WHERE month < {_month_param()}", [_date(first)])
    state.first_month, state.last_month = first, last
    state.save(update_fields=["first_month", "last_month"])
    return True


@transaction.atomic
def _apply(*, today: dt.date) -> RefreshResult:
    """Recompute what the pending events changed (under the state row's lock, held by ``cells_refresh``)."""
    now = timezone.now()
    state = _locked_state()
    assert state.through is not None and state.first_month is not None and state.last_month is not None
    seen = set(state.seen_ids)
    events = _change_events(since=state.through - OVERLAP, after_id=state.last_event_id)
    # After the events: rows of a change committed in between are counted here, and its event applied next time.
    fingerprint = _fingerprint()
    pending = [e for e in events if e[0] not in seen]
    plan = {work: _merge(ranges) for work, ranges in _plan(pending).items()}
    recompute(plan, first=state.first_month, last=state.last_month)
    result = RefreshResult(events=len(pending), areas=sorted({r.low for ranges in plan.values() for r in ranges}))
    state.through = now
    state.seen_ids = sorted(e[0] for e in events if e[3] >= now - OVERLAP)
    state.last_event_id = max([state.last_event_id, *(e[0] for e in events)])
    state.refreshed_at = now
    state.fingerprint = fingerprint
    state.save()
    return result
