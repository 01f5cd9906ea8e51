"""The recount test: every figure of the dashboard equals a count made directly from the records."""

from __future__ import annotations

import pytest

from minsheng.statistics import refresh, selectors
from minsheng.statistics.selectors import Period
from minsheng.statistics.tests import records

pytestmark = pytest.mark.django_db


def test_smoke(personas):  # type: ignore[no-untyped-def]
    records.build(personas)
    refresh.cells_rebuild()
    board = selectors.dashboard(
        user=personas["city_admin"], area_code=None, period=Period(records.PERIOD_START, records.PERIOD_END)
    )
    for f in board.figures:
        print(f)
    for t in board.tables:
        print(t.key, t.columns)
        for row in t.rows:
            print("   ", row)
        print("   drill", t.drill)
