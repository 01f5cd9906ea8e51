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
indicators (``payments.bank_return_imported`` → payments, the other payroll events change no figure; ``intake.*``
→ the window; ``assistance.*`` → benefits, temporary assistance and the window), deletes those cells of those areas
and recomputes them from the records, for every month held — a bank return naming its batch only for the months
that batch's lines are for —, then recomputes
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
from django.db.models import Count, F, Q, QuerySet, Sum, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import TruncMonth
from django.utils import timezone

from minsheng.areas.codes import InvalidCode, level_of
from minsheng.assistance.benefits import pays_in_sql
from minsheng.assistance.models import Benefit, TemporaryAid
from minsheng.audit.models import AuditEvent
from minsheng.core.months import first_day_of_next_month, month_of, months_between
from minsheng.core.scoping import LEVEL_DIGITS
from minsheng.intake.models import Application, Consultation, ItemCase
from minsheng.payments.models import PaymentLine, PayrollBatch
from minsheng.statistics import indicators as ind
from minsheng.statistics.models import Cell, RefreshState

logger = logging.getLogger(__name__)

STATE_KEY = "cells"
# How far back each refresh looks in the audit log for events committed late (see the module docstring).
OVERLAP = dt.timedelta(minutes=5)
# The months held: from January this many years before the current year to the current month.
YEARS_HELD = 4

# Which families an audited action can change; other actions (views, sign-ins, accounts, rules) change none.
# The first prefix that matches counts. Money paid changes only when the bank's answer marks lines paid; generating,
# approving and exporting a batch leave every figure as it is.
ACTION_FAMILIES: dict[str, tuple[str, ...]] = {
    "payments.bank_return_imported": (ind.PAYMENTS,),
    "payments.": (),
    "intake.": (ind.WINDOW,),
    "assistance.": (ind.BENEFITS, ind.TEMPORARY, ind.WINDOW),
}
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


def _insert_stock(indicator: str, months: list[dt.date], ranges: Sequence[CodeRange] | None) -> None:
    """Village cells of a stock indicator for every month in ``months``: the benefits paying in that month
    (first month reached, not stopped by then, not past the last taper month — the payroll's own rule)."""
    where, params = _sql_filter(ranges, "b.area_code")
    if indicator == "beneficiaries":
        dimension, value, value2, group = "b.programme", "SUM(b.covered)", "COUNT(*)", "b.programme, "
        programmes: tuple[str, ...] = ()
    else:
        # Distinct persons: a person receiving both allowances is one person with a disability in difficulty.
        dimension, value, value2, group = "''", "COUNT(DISTINCT b.payee_id)", "0", ""
        programmes = ind.DISABILITY_PROGRAMMES if indicator == "disabled" else ind.CHILD_PROGRAMMES
        where += f" AND b.programme IN ({', '.join(['%s'] * len(programmes))})"
    values = ", ".join(f"({_month_param()})" for _ in months)
    sql = (
        f"WITH months(month) AS (VALUES {values}) "
        f"INSERT INTO {_table(Cell)} ({CELL_COLUMNS}) "
        f"SELECT {VILLAGE}, %s, {dimension}, CAST(b.area_code AS BIGINT), m.month, {value}, {value2} "
        f"FROM {_table(Benefit)} b JOIN months m ON {pays_in_sql('b', 'm.month')} "
        f"WHERE {where} GROUP BY {group}b.area_code, m.month"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*(_date(m) for m in months), indicator, *params, *programmes])


def _insert_flow(indicator: str, grouped: QuerySet[Any, Any]) -> None:
    """Village cells of a flow indicator from the ORM's grouped SELECT, whose columns are ``a`` (area code),
    ``m`` (month: a date or a truncated timestamp), ``d`` (dimension), ``v`` and ``v2``."""
    inner, params = grouped.order_by().query.sql_with_params()
    sql = (
        f"INSERT INTO {_table(Cell)} ({CELL_COLUMNS}) "
        f"SELECT {VILLAGE}, %s, COALESCE(sub.d, ''), CAST(sub.a AS BIGINT), {_month_of_column('sub.m')}, "
        f"sub.v, sub.v2 FROM ({inner}) sub"
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


def _compute(
    family: str, first: dt.date, last: dt.date, ranges: Sequence[CodeRange] | None, months: Months = None
) -> None:
    """Insert the village cells of ``family`` for the areas in ``ranges`` (None: all) and the months held (for the
    payments, only ``months`` when given)."""
    start, end = _local_bounds(first, last)
    # System jobs: the summary is computed over the whole table (or the changed areas); it holds counts only, and
    # every read of it checks the reader's scope (selectors.dashboard).
    if months is not None and family != ind.PAYMENTS:  # pragma: no cover - only payroll events name their months
        raise ValueError("only the payments are recomputed for some months")
    if family == ind.BENEFITS:
        every_month = months_between(first, last)
        for indicator in ind.stored_in(ind.BENEFITS):
            _insert_stock(indicator, every_month, ranges)
    elif family == ind.PAYMENTS:
        _insert_flow(
            "paid",
            PaymentLine.objects.unscoped()
            .filter(_record_filter(ranges), status=PaymentLine.Status.PAID, period__gte=first, period__lte=last)
            .filter(Q() if months is None else Q(period__in=sorted(months)))
            .values(a=F("area_code"), m=F("period"), d=F("batch__programme"))
            .annotate(v=Sum("amount_fen"), v2=Count("id")),
        )
    elif family == ind.TEMPORARY:
        _insert_flow(
            "temporary",
            TemporaryAid.objects.unscoped()
            .filter(_record_filter(ranges), paid_at__gte=start, paid_at__lt=end, paid_fen__gt=0)
            .values(a=F("area_code"), m=TruncMonth("paid_at"), d=F("kind"))
            .annotate(v=Sum("paid_fen"), v2=Count("id")),
        )
    elif family == ind.WINDOW:
        _insert_flow(
            "consultations",
            Consultation.objects.unscoped()
            .filter(_record_filter(ranges), recorded_at__gte=start, recorded_at__lt=end)
            .values(a=F("area_code"), m=TruncMonth("recorded_at"), d=Value(""))
            .annotate(v=Count("id"), v2=Value(0)),
        )
        _insert_flow(
            "applications",
            Application.objects.unscoped()
            .filter(_record_filter(ranges), submitted_at__gte=start, submitted_at__lt=end)
            .values(a=F("area_code"), m=TruncMonth("submitted_at"), d=Value(""))
            .annotate(v=Count("id"), v2=Value(0)),
        )
        _insert_flow(
            "items_received",
            ItemCase.objects.unscoped()
            .filter(_record_filter(ranges), accepted_on__gte=first, accepted_on__lt=first_day_of_next_month(last))
            .values(a=F("area_code"), m=TruncMonth("accepted_on"), d=F("department__code"))
            .annotate(v=Count("id"), v2=Value(0)),
        )
        on_time = Q(deadline__isnull=True) | Q(decided_at__date__lte=F("deadline"))
        _insert_flow(
            "items_decided",
            ItemCase.objects.unscoped()
            .filter(_record_filter(ranges), decided_at__gte=start, decided_at__lt=end)
            .values(a=F("area_code"), m=TruncMonth("decided_at"), d=F("department__code"))
            .annotate(v=Count("id"), v2=Count("id", filter=on_time)),
        )
    else:  # pragma: no cover - a family without a computation is a programming error
        raise ValueError(f"unknown family {family!r}")


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


def _locked_state() -> RefreshState:
    """The state row, locked until the transaction ends: one rebuild or refresh at a time."""
    RefreshState.objects.get_or_create(key=STATE_KEY)
    return RefreshState.objects.select_for_update().get(key=STATE_KEY)


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
    for family in ind.FAMILIES:
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
    return RefreshResult(rebuilt=True)


# The tables whose rows the figures count. A bulk load (the demo, an import) inserts rows without audit events; the
# highest id of each, kept at every rebuild and refresh, shows that it happened.
SOURCES = (Benefit, PaymentLine, TemporaryAid, Consultation, Application, ItemCase)


def _highest_ids() -> dict[str, RawSQL]:
    return {f"highest_{i}": RawSQL(f"SELECT MAX(id) FROM {_table(model)}", []) for i, model in enumerate(SOURCES)}


def _state_and_fingerprint() -> tuple[RefreshState | None, dict[str, int]]:
    """The state row (None before the first build) and the source tables' highest ids, in one query."""
    row = RefreshState.objects.filter(key=STATE_KEY).annotate(**_highest_ids()).first()
    if row is None:
        return None, {}
    return row, {model._meta.label_lower: int(getattr(row, f"highest_{i}") or 0) for i, model in enumerate(SOURCES)}


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
    for prefix in ACTION_FAMILIES:
        prefixes |= Q(action__startswith=prefix)
    # A system job: the refresh reads where changes happened, of every area (codes and action names only).
    return list(
        AuditEvent.objects.unscoped()
        .filter(window, prefixes, kind__in=CHANGE_KINDS)
        .exclude(area_code="")
        .values_list("pk", "action", "area_code", "occurred_at", "object_type", "object_id")
    )


def _families_of(action: str) -> tuple[str, ...]:
    for prefix, families in ACTION_FAMILIES.items():
        if action.startswith(prefix):
            return families
    return ()


def _batch_months(object_type: str, object_id: str) -> Months:
    """The months a payroll event can change: its batch's month and those of the batch's lines (a re-issue is paid
    for its original month). None (every month) when the event names no batch."""
    if object_type != PayrollBatch._meta.label_lower or not object_id.isdigit():
        return None
    # A system job: the months of one batch, read by id (dates only).
    batch = PayrollBatch.objects.unscoped().filter(pk=int(object_id)).values_list("period", flat=True).first()
    if batch is None:
        return None
    lines = PaymentLine.objects.unscoped().filter(batch_id=int(object_id)).values_list("period", flat=True).distinct()
    return frozenset([batch, *lines])


def _plan(events: Iterable[Event]) -> dict[Work, set[CodeRange]]:
    """(family, months) → the areas to recompute."""
    plan: dict[Work, set[CodeRange]] = {}
    batch_months = functools.cache(_batch_months)  # several events of one batch: its months read once
    for _pk, action, area_code, _at, object_type, object_id in events:
        try:
            area = CodeRange.of(area_code)
        except (InvalidCode, KeyError):
            logger.warning("statistics: audit event with an unreadable area code %r ignored", area_code)
            continue
        for family in _families_of(action):
            months = batch_months(object_type, object_id) if family == ind.PAYMENTS else None
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


def cells_refresh(*, today: dt.date | None = None) -> RefreshResult:
    """Bring the summary table up to date: a full rebuild when it was never built; the new months' cells when a
    month began; then recompute what changed since the watermark (or everything, after a bulk load). Cheap when
    nothing changed: one read of the state with the source tables' highest ids and one of the audit log's last
    minutes, no write."""
    today = today or timezone.localdate()
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
        return result
    if fingerprint != state.fingerprint:
        logger.info("statistics: rows were added without audit events (a bulk load); rebuilding")
        return cells_rebuild(today=today)
    return RefreshResult(extended=extended)


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
        for family in ind.FAMILIES:
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
    """Under the state row's lock (one refresh at a time; a second one waits, then finds nothing left)."""
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
