"""Never two refreshes at once: while one holds the summary's state row, a second task does nothing at once (``SKIP
LOCKED``) and the dashboard reads the summary as it stands (and says how old it is); the next task applies the
change."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from minsheng.accounts.roles import Role
from minsheng.intake.services import case_decide
from minsheng.statistics import refresh, selectors, tasks
from minsheng.statistics.models import Cell, RefreshState
from minsheng.statistics.selectors import Period
from minsheng.statistics.tests import records
from minsheng.testing import Personas

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs a server database with real row locks"),
]


def test_a_second_refresh_does_nothing_while_another_runs(personas: Personas) -> None:
    p = personas
    r = records.build(p)
    refresh.cells_rebuild()
    built = refresh.refreshed_at()
    case_decide(actor=p[Role.DEPARTMENT_HANDLER], case=r.cases["open"], granted=True, reason="符合条件")
    cells = set(Cell.objects.values_list("level", "indicator", "dimension", "area", "month", "value", "value2"))
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        # What a running refresh does first: lock the state row for its whole transaction.
        with transaction.atomic():
            RefreshState.objects.select_for_update().get(key=refresh.STATE_KEY)
            holding.set()
            release.wait(30)
        connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert holding.wait(10)
        assert tasks.refresh_cells() == {"busy": 1, "rebuilt": 0, "events": 0, "areas": 0}
        assert refresh.refreshed_at() == built
        assert set(Cell.objects.values_list("level", "indicator", "dimension", "area", "month", "value", "value2")) == (
            cells
        )
        period = Period(records.PERIOD_START, refresh.months_held()[1])
        board = selectors.dashboard(user=p[Role.CITY_ADMIN], area_code=None, period=period)
        assert board.as_of == built  # the summary as it stood: the decision is not in it yet
    finally:
        release.set()
        holder.join()
    assert tasks.refresh_cells() == {"busy": 0, "rebuilt": 0, "events": 1, "areas": 1}
    assert refresh.refreshed_at() is not None and refresh.refreshed_at() > built  # type: ignore[operator]
