"""A page never queues behind a refresh: while another refresh holds the summary's state, the dashboard reads the
summary as it stands (and says how old it is); the next one applies the change."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from minsheng.accounts.roles import Role
from minsheng.intake.services import case_decide
from minsheng.statistics import refresh, selectors
from minsheng.statistics.models import RefreshState
from minsheng.statistics.selectors import Period
from minsheng.statistics.tests import records
from minsheng.testing import Personas

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs a server database with real row locks"),
]


def test_the_dashboard_reads_the_summary_while_another_refresh_holds_it(personas: Personas) -> None:
    p = personas
    r = records.build(p)
    refresh.cells_rebuild()
    built = refresh.refreshed_at()
    case_decide(actor=p[Role.DEPARTMENT_HANDLER], case=r.cases["open"], granted=True, reason="符合条件")
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with transaction.atomic():
            RefreshState.objects.select_for_update().get(key=refresh.STATE_KEY)
            holding.set()
            release.wait(30)
        connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert holding.wait(10)
        assert refresh.cells_refresh(wait=False).busy is True
        period = Period(records.PERIOD_START, refresh.months_held()[1])
        board = selectors.dashboard(user=p[Role.CITY_ADMIN], area_code=None, period=period)
        assert board.as_of == built  # the summary as it stood: the decision is not in it yet
    finally:
        release.set()
        holder.join()
    applied = refresh.cells_refresh(wait=False)
    assert (applied.busy, applied.events) == (False, 1)
    assert refresh.refreshed_at() is not None and refresh.refreshed_at() > built  # type: ignore[operator]
