"""Reads on a real hot standby (issue 22): with ``DATABASE_REPLICA_URL`` naming a streaming replica of the primary
(``scripts/pg_standby.sh start``: ``pg_basebackup -R`` from 127.0.0.1:5432, started on 5433), a write on the primary
becomes visible there, the statistics, the auditor's search and the simulation's reads go there, and writes never do.
Skipped without a replica; ``.ci/run`` starts one and runs these (``-m replica``)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.test.utils import CaptureQueriesContext

from minsheng.accounts.roles import Role
from minsheng.audit.selectors import audit_event_search
from minsheng.core.db_router import REPLICA, read_alias, reading_from_replica
from minsheng.statistics import refresh, selectors
from minsheng.statistics.models import Cell, RefreshState
from minsheng.statistics.selectors import Period
from minsheng.statistics.tests import records
from minsheng.testing import Personas

pytestmark = [
    pytest.mark.replica,
    pytest.mark.skipif(not os.environ.get("DATABASE_REPLICA_URL"), reason="no replica (DATABASE_REPLICA_URL)"),
    # Committed writes only: a replica sees what the primary committed, never a test's open transaction.
    pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, REPLICA]),
]

# How long a committed write may take to be replayed on a standby of the same machine before the test gives up.
CATCH_UP_SECONDS = 30


@pytest.fixture(autouse=True)
def standby() -> Iterator[Any]:
    """The ``replica`` alias on the standby's copy of the test database. Django's test set-up mirrors the alias on
    the primary (``TEST.MIRROR``: a standby cannot create a database); the standby replays the test database the
    primary created, under the same name."""
    replica = connections[REPLICA]
    mirrored = replica.settings_dict
    replica.close()
    replica.settings_dict = {**settings.DATABASES[REPLICA], "NAME": connections[DEFAULT_DB_ALIAS].settings_dict["NAME"]}
    try:
        yield replica
    finally:
        replica.close()
        replica.settings_dict = mirrored


def _caught_up() -> None:
    """Wait until the standby has replayed everything the primary has written so far."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        target = cursor.fetchone()[0]
    deadline = time.monotonic() + CATCH_UP_SECONDS
    with connections[REPLICA].cursor() as cursor:
        while True:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])
            if cursor.fetchone()[0]:
                return
            if time.monotonic() > deadline:
                pytest.fail(f"the standby did not replay {target} within {CATCH_UP_SECONDS} s")
            time.sleep(0.05)


def test_the_replica_is_a_hot_standby_of_the_primary() -> None:
    with connections[REPLICA].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery(), inet_server_port(), current_database()")
        in_recovery, port, name = cursor.fetchone()
    assert in_recovery is True
    assert port == connections[REPLICA].settings_dict["PORT"] != connections[DEFAULT_DB_ALIAS].settings_dict["PORT"]
    assert name == connections[DEFAULT_DB_ALIAS].settings_dict["NAME"]


def test_a_write_on_the_primary_becomes_visible_on_the_replica() -> None:
    assert not RefreshState.objects.using(REPLICA).filter(key="replica-probe").exists()
    RefreshState.objects.create(key="replica-probe")
    _caught_up()
    assert RefreshState.objects.using(REPLICA).filter(key="replica-probe").count() == 1


def test_the_statistics_read_from_the_replica_and_the_rest_from_the_primary(personas: Personas) -> None:
    p = personas
    records.build(p)
    refresh.cells_rebuild()
    _caught_up()
    period = Period(records.PERIOD_START, refresh.months_held()[1])
    with (
        CaptureQueriesContext(connections[REPLICA]) as on_replica,
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary,
    ):
        board = selectors.dashboard(user=p[Role.CITY_ADMIN], area_code=None, period=period)
    cells = '"statistics_cell"'
    assert [q["sql"] for q in on_replica.captured_queries if cells in q["sql"]] != []
    assert [q["sql"] for q in on_primary.captured_queries if cells in q["sql"]] == []
    assert any('"statistics_refreshstate"' in q["sql"] for q in on_replica.captured_queries)
    # The figures are the primary's: the standby replayed the rebuild.
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT count(*) FROM statistics_cell")
        assert Cell.objects.using(REPLICA).count() == cursor.fetchone()[0] > 0
    assert board.as_of == RefreshState.objects.get().refreshed_at

    # Inside a transaction on the primary the same read stays there (it must see that transaction's writes).
    with transaction.atomic(), CaptureQueriesContext(connections[REPLICA]) as on_replica:
        selectors.dashboard(user=p[Role.CITY_ADMIN], area_code=None, period=period)
        assert read_alias() == DEFAULT_DB_ALIAS
    assert on_replica.captured_queries == []


def test_the_auditors_search_reads_from_the_replica(personas: Personas) -> None:
    events = audit_event_search(user=personas[Role.AUDITOR], action="accounts.")
    assert events.db == REPLICA
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        list(events[:10])
    assert len(on_replica.captured_queries) == 1 and '"audit_auditevent"' in on_replica.captured_queries[0]["sql"]
    with transaction.atomic():
        assert audit_event_search(user=personas[Role.AUDITOR]).db == DEFAULT_DB_ALIAS


def test_writes_never_go_to_the_replica() -> None:
    assert router.db_for_write(RefreshState) == DEFAULT_DB_ALIAS
    with reading_from_replica(), CaptureQueriesContext(connections[REPLICA]) as on_replica:
        assert router.db_for_read(RefreshState) == REPLICA
        RefreshState.objects.create(key="write-under-replica")
        Cell.objects.create(level=12, indicator="probe", dimension="", area=321302001001, month="2026-01-01", value=1)
    assert [q["sql"] for q in on_replica.captured_queries] == []
    assert RefreshState.objects.using(DEFAULT_DB_ALIAS).filter(key="write-under-replica").exists()
    # And the standby would refuse one: it is read-only.
    with pytest.raises(Exception, match="read-only transaction"), connections[REPLICA].cursor() as cursor:
        cursor.execute("INSERT INTO statistics_refreshstate (key) VALUES ('refused')")
