"""The embedded SQLite default under simultaneous writers: a second user waits a moment, never "database is locked"."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from django.db import connections, transaction

from minsheng.env import env_database

ALIAS = "sqlite_file_under_test"
WRITERS = 8
ROUNDS = 15


@pytest.fixture
def sqlite_file(tmp_path: Path, django_db_blocker: Any) -> Any:
    """A connection alias to a file-based SQLite database configured exactly as the default (no DATABASE_URL)."""
    config = env_database("DATABASE_URL", tmp_path / "minsheng.sqlite3", environ={})
    connections.settings[ALIAS] = connections.configure_settings({"default": dict(config), ALIAS: config})[ALIAS]
    with django_db_blocker.unblock():
        with connections[ALIAS].cursor() as cursor:
            cursor.execute("CREATE TABLE counter (n integer NOT NULL)")
            cursor.execute("INSERT INTO counter (n) VALUES (0)")
        connections[ALIAS].close()
        yield ALIAS
        connections[ALIAS].close()
    del connections[ALIAS]
    del connections.settings[ALIAS]


def test_the_sqlite_default_runs_in_wal_mode(sqlite_file: str) -> None:
    with connections[sqlite_file].cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"


def test_simultaneous_read_then_write_transactions_wait_for_each_other(sqlite_file: str) -> None:
    """Each writer reads the counter and writes it back plus one, in a transaction, all threads at once: the
    pattern of every service (read, check, write). Without IMMEDIATE transactions a reader that wants to write
    after another committed gets "database is locked" at once, whatever the busy timeout."""
    barrier = threading.Barrier(WRITERS)
    errors: list[str] = []

    def write() -> None:
        try:
            barrier.wait()
            for _ in range(ROUNDS):
                with transaction.atomic(using=sqlite_file), connections[sqlite_file].cursor() as cursor:
                    cursor.execute("SELECT n FROM counter")
                    (value,) = cursor.fetchone()
                    cursor.execute("UPDATE counter SET n = %s", [value + 1])
        except Exception as exc:  # reported to the test thread
            errors.append(str(exc))
        finally:
            connections[sqlite_file].close()

    threads = [threading.Thread(target=write) for _ in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with connections[sqlite_file].cursor() as cursor:
        cursor.execute("SELECT n FROM counter")
        assert cursor.fetchone()[0] == WRITERS * ROUNDS  # no update lost either
