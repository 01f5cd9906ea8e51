"""The published figures of 五社联动 that this module records (family ``social``), as stocks at the end of each
month: registered social organisations by type (the community ones are the dimension ``community``), communities
with a standard service centre, and licensed social workers at work (DOMAIN §6.6; BRIEF: 3,601 / 939 / 1,401 /
1,529 at the end of Q2 2023)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.utils.translation import gettext as _

from minsheng.core.modules import CellReader, CellSource, CellWindow, Indicator, SqlCells
from minsheng.core.months import first_day_of_next_month
from minsheng.social.models import Organisation, SocialWorker, Station

INDICATORS = (
    Indicator(
        "social_organisations",
        True,
        "social organisations registered (or filed) and not deregistered by the end of the month",
        "0",
        "type",
    ),
    Indicator(
        "community_centres",
        True,
        "communities whose service centre, open at the end of the month, meets the standard (as assessed now)",
        "0",
        "",
    ),
    Indicator(
        "social_workers",
        True,
        "licensed social workers at work, recorded by the end of the month",
        "0",
        "licence level",
    ),
)


def _months(window: CellWindow) -> tuple[str, list[Any]]:
    month = "CAST(%s AS DATE)" if connection.vendor == "postgresql" else "%s"
    months = window.every_month()
    values = ", ".join(f"({month}, {month})" for _ in months)
    dates = [connection.ops.adapt_datefield_value(d) for m in months for d in (m, first_day_of_next_month(m))]
    return f"WITH months(month, next_month) AS (VALUES {values}) ", dates


def social_cells(window: CellWindow) -> Iterable[CellSource]:
    if not window.every_month():
        return
    q = connection.ops.quote_name
    with_months, dates = _months(window)
    where, params = window.sql_area_filter("o.area_code")
    yield SqlCells(
        "social_organisations",
        f"{with_months}SELECT o.area_code AS a, m.month AS m, o.kind AS d, COUNT(*) AS v, 0 AS v2 "
        f"FROM {q(Organisation._meta.db_table)} o "
        f"JOIN months m ON o.registered_on < m.next_month AND (o.ended_on IS NULL OR o.ended_on >= m.next_month) "
        f"WHERE {where} GROUP BY o.area_code, m.month, o.kind",
        [*dates, *params],
    )
    where, params = window.sql_area_filter("s.area_code")
    yield SqlCells(
        "community_centres",
        f"{with_months}SELECT s.area_code AS a, m.month AS m, '' AS d, COUNT(*) AS v, 0 AS v2 "
        f"FROM {q(Station._meta.db_table)} s "
        f"JOIN months m ON s.opened_on < m.next_month AND (s.closed_on IS NULL OR s.closed_on >= m.next_month) "
        f"WHERE s.kind = %s AND s.standard = %s AND {where} GROUP BY s.area_code, m.month",
        [*dates, Station.Kind.CENTRE, True, *params],
    )
    where, params = window.sql_area_filter("w.area_code")
    month_start = "CAST(m.next_month AS TIMESTAMP)" if connection.vendor == "postgresql" else "m.next_month"
    yield SqlCells(
        "social_workers",
        f"{with_months}SELECT w.area_code AS a, m.month AS m, w.level AS d, COUNT(*) AS v, 0 AS v2 "
        f"FROM {q(SocialWorker._meta.db_table)} w "
        f"JOIN months m ON w.created_at < {month_start} "
        f"WHERE w.active = %s AND w.level <> %s AND {where} GROUP BY w.area_code, m.month, w.level",
        [*dates, True, SocialWorker.Level.NONE, *params],
    )


def organisations(rows: CellReader, end: dt.date, note: str) -> tuple[int | None, str]:
    return rows.at("social_organisations", end)[0], note


def community_organisations(rows: CellReader, end: dt.date, note: str) -> tuple[int | None, str]:
    return rows.at("social_organisations", end, dimension=Organisation.Kind.COMMUNITY)[0], note


def centres(rows: CellReader, end: dt.date, note: str) -> tuple[int | None, str]:
    assessed = _("As assessed against the standard today.")
    return rows.at("community_centres", end)[0], f"{note} {assessed}"


def workers(rows: CellReader, end: dt.date, note: str) -> tuple[int | None, str]:
    return rows.at("social_workers", end)[0], note
