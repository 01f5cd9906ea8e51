"""Money paid, for the statistics summary (family ``payments``): lines the bank returned paid, by the month paid
for. Only the bank's answer changes it; generating, approving and exporting a batch leave every figure as it is."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Count, F, Q, Sum
from django.utils.translation import gettext as _

from minsheng.core.modules import CellReader, CellSource, CellWindow, FlowCells, Indicator
from minsheng.core.numbers import parse_id
from minsheng.payments.models import PaymentLine, PayrollBatch

INDICATORS = (
    Indicator("paid", False, "fen paid (lines the bank returned paid), by the month paid for", "lines", "programme"),
)


def paid_cells(window: CellWindow) -> Iterable[CellSource]:
    # unscoped: statistics refresh: payments summed per area and month; reads of the summary are scoped
    yield FlowCells(
        "paid",
        PaymentLine.objects.unscoped()
        .filter(window.area_filter(), status=PaymentLine.Status.PAID, period__gte=window.first, period__lte=window.last)
        .filter(Q() if window.months is None else Q(period__in=sorted(window.months)))
        .values(a=F("area_code"), m=F("period"), d=F("batch__programme"))
        .annotate(v=Sum("amount_fen"), v2=Count("id")),
    )


def batch_months(object_type: str, object_id: str) -> frozenset[dt.date] | None:
    """The months a payroll event can change: its batch's month and those of the batch's lines (a re-issue is paid
    for its original month). None (every month) when the event names no batch."""
    batch_id = parse_id(object_id)
    if object_type != PayrollBatch._meta.label_lower or batch_id is None:
        return None
    # unscoped: statistics refresh: the months of one batch, read by id (dates only)
    batch = PayrollBatch.objects.unscoped().filter(pk=batch_id).values_list("period", flat=True).first()
    if batch is None:
        return None
    # unscoped: statistics refresh: the months of the same batch's lines (dates only)
    lines = PaymentLine.objects.unscoped().filter(batch_id=batch_id).values_list("period", flat=True).distinct()
    return frozenset([batch, *lines])


def paid_total(rows: CellReader, end: dt.date, note: str) -> tuple[int | None, str]:
    counted = _("Payroll lines the bank returned as paid.")
    return rows.flow("paid")[0], f"{note} {counted}"
