"""The programmes' figures for the statistics summary: persons supported as at each month (family ``benefits``,
under the payroll's own "pays in this month" rule) and temporary assistance paid (family ``temporary``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import connection
from django.db.models import Count, F, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

from minsheng.assistance.benefits.models import Benefit
from minsheng.assistance.benefits.selectors import pays_in_sql
from minsheng.assistance.programmes import Programme
from minsheng.assistance.temporary.models import TemporaryAid
from minsheng.core.modules import CellReader, CellSource, CellWindow, FlowCells, Indicator, SqlCells

DISABILITY_PROGRAMMES = (Programme.DISABILITY_LIVING, Programme.DISABILITY_CARE)
CHILD_PROGRAMMES = (Programme.ORPHAN, Programme.CHILD_ILL_DISABLED)

BENEFIT_INDICATORS = (
    Indicator(
        "beneficiaries",
        True,
        "persons covered (Benefit.covered) of the benefits paying in the month",
        "benefits (households or persons paid) paying in the month",
        "programme",
    ),
    Indicator(
        "disabled", True, "distinct payees of 困难残疾人生活补贴 or 重度残疾人护理补贴 paying in the month", "0", ""
    ),
    Indicator(
        "children", True, "distinct payees of 孤儿/事实无人抚养 or 重病重残儿童 allowances paying in the month", "0", ""
    ),
)
TEMPORARY_INDICATORS = (
    Indicator("temporary", False, "fen of temporary assistance paid in the month", "payments", "kind"),
)


def _stock(indicator: str, window: CellWindow) -> SqlCells:
    """A stock for every month held: the benefits paying in that month (first month reached, not stopped by then,
    not past the last taper month)."""
    where, params = window.sql_area_filter("b.area_code")
    if indicator == "beneficiaries":
        dimension, value, value2, group = "b.programme", "SUM(b.covered)", "COUNT(*)", "b.programme, "
        programmes: tuple[str, ...] = ()
    else:
        # Distinct persons: a person receiving both allowances is one person with a disability in difficulty.
        dimension, value, value2, group = "''", "COUNT(DISTINCT b.payee_id)", "0", ""
        programmes = DISABILITY_PROGRAMMES if indicator == "disabled" else CHILD_PROGRAMMES
        where += f" AND b.programme IN ({', '.join(['%s'] * len(programmes))})"
    months = window.every_month()
    month = "CAST(%s AS DATE)" if connection.vendor == "postgresql" else "%s"
    values = ", ".join(f"({month})" for _ in months)
    table = connection.ops.quote_name(Benefit._meta.db_table)
    sql = (
        f"WITH months(month) AS (VALUES {values}) "
        f"SELECT b.area_code AS a, m.month AS m, {dimension} AS d, {value} AS v, {value2} AS v2 "
        f"FROM {table} b JOIN months m ON {pays_in_sql('b', 'm.month')} "
        f"WHERE {where} GROUP BY {group}b.area_code, m.month"
    )
    return SqlCells(indicator, sql, [*(connection.ops.adapt_datefield_value(m) for m in months), *params, *programmes])


def benefit_cells(window: CellWindow) -> Iterable[CellSource]:
    for indicator in BENEFIT_INDICATORS:
        yield _stock(indicator.key, window)


def temporary_cells(window: CellWindow) -> Iterable[CellSource]:
    # unscoped: statistics refresh: payments summed per area and month; reads of the summary are scoped
    yield FlowCells(
        "temporary",
        TemporaryAid.objects.unscoped()
        .filter(window.area_filter(), paid_at__gte=window.start, paid_at__lt=window.end, paid_fen__gt=0)
        .values(a=F("area_code"), m=TruncMonth("paid_at"), d=F("kind"))
        .annotate(v=Sum("paid_fen"), v2=Count("id")),
    )


def dibao_persons(rows: CellReader, end: dt.date, note: str) -> tuple[int | None, str]:
    return rows.at("beneficiaries", end, dimension=Programme.DIBAO)[0], note


def tekun_persons(rows: CellReader, end: dt.date, note: str) -> tuple[int | None, str]:
    return rows.at("beneficiaries", end, dimension=Programme.TEKUN)[0], note


def disabled(rows: CellReader, end: dt.date, note: str) -> tuple[int | None, str]:
    return rows.at("disabled", end)[0], note


def children(rows: CellReader, end: dt.date, note: str) -> tuple[int | None, str]:
    return rows.at("children", end)[0], note


def temporary_paid(rows: CellReader, end: dt.date, note: str) -> tuple[int | None, str]:
    return rows.flow("temporary")[0], note


def temporary_helped(rows: CellReader, end: dt.date, note: str) -> tuple[int | None, str]:
    counted = _("Each payment counts once (person-times).")
    return rows.flow("temporary")[1], f"{note} {counted}"
