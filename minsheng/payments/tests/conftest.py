"""Fixtures of the payroll tests: Celery in the test process, or real worker processes.

Every test runs Celery tasks in its own process (eagerly), also when ``CELERY_BROKER_URL`` is set, as in the CI step
that runs these tests with a worker: most tests use the ``db`` fixture, whose rolled-back transaction no worker could
see. Tests that ask for ``workers`` run real worker processes instead, against Redis and the PostgreSQL test
database (their rows committed: ``django_db(transaction=True)``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

import pytest
from django.conf import settings
from django.db import connection

from minsheng.celery import app

T = TypeVar("T")

CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
QUEUE = "celery"  # Celery's default queue; the payroll task is not routed elsewhere
WAIT_SECONDS = 120.0  # how long a worker may take to do what a test waits for, on a loaded 2-core machine

# Holds a worker inside the payroll's transaction: after an INSERT of payment lines, the trigger names the number of
# lines in the connection's application_name (visible in pg_stat_activity at once) and waits while the table
# ``test_payroll_hold`` has a row. Installed on the test database only, by the ``workers`` fixture.
HOLD_SQL = """
CREATE TABLE IF NOT EXISTS test_payroll_hold (held boolean NOT NULL);
CREATE OR REPLACE FUNCTION test_payroll_hold() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    SELECT count(*) INTO n FROM inserted;
    IF n > 0 AND EXISTS (SELECT 1 FROM test_payroll_hold) THEN
        PERFORM set_config('application_name', 'payroll-hold:' || n, false);
        FOR i IN 1..1200 LOOP  -- at most two minutes
            EXIT WHEN NOT EXISTS (SELECT 1 FROM test_payroll_hold);
            PERFORM pg_sleep(0.1);
        END LOOP;
    END IF;
    RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS test_payroll_hold ON payments_paymentline;
CREATE TRIGGER test_payroll_hold AFTER INSERT ON payments_paymentline
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION test_payroll_hold();
"""
UNHOLD_SQL = """
DROP TRIGGER IF EXISTS test_payroll_hold ON payments_paymentline;
DROP FUNCTION IF EXISTS test_payroll_hold();
DROP TABLE IF EXISTS test_payroll_hold;
"""


@pytest.fixture(autouse=True)
def _tasks_in_process(request: pytest.FixtureRequest) -> Iterator[None]:
    if "workers" in request.fixturenames:
        yield
        return
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = before


def _why_no_worker() -> str | None:
    if connection.vendor != "postgresql":
        return "the worker tests need PostgreSQL (DATABASE_URL) and Redis (CELERY_BROKER_URL); .ci/run runs them"
    url = settings.CELERY_BROKER_URL
    if not url:
        return "the worker tests need CELERY_BROKER_URL=redis://127.0.0.1:6379/<n>; .ci/run runs them"
    parts = urlsplit(url)
    if parts.scheme not in {"redis", "amqp"}:
        return f"the worker tests drive Redis or RabbitMQ, not {parts.scheme}"
    if parts.path.strip("/") in {"", "0"}:
        # They empty it: a Redis database (redis://…/<n>, n > 0) or a RabbitMQ virtual host (amqp://…/<vhost>).
        return "the worker tests empty their broker: give them a Redis database or a RabbitMQ vhost of their own"
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1)
    except Exception as exc:  # whatever the transport raises
        return f"the broker at {url} does not answer: {exc}"
    return None


def _database_url() -> str:
    """The test database (not the configured one) for the worker processes."""
    db = connection.settings_dict
    auth = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # ended meanwhile
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


class Workers:
    """Celery worker processes of a test, each in its own process group (so SIGKILL takes its pool too), and the
    means to hold one of them inside the payroll's transaction."""

    def __init__(self, directory: Path) -> None:
        broker_url = str(settings.CELERY_BROKER_URL)  # set: the fixture checked it
        self.directory = directory
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.env = {
            **os.environ,
            "MINSHENG_ENV": "test",
            "DATABASE_URL": _database_url(),
            "CELERY_BROKER_URL": broker_url,
        }

    def start(self, name: str, *, pool: str = "prefork", visibility_timeout: float | None = None) -> None:
        env = dict(self.env)
        if visibility_timeout is not None:
            env["MINSHENG_TEST_VISIBILITY_TIMEOUT"] = str(visibility_timeout)
        command = [
            *(sys.executable, "-m", "celery", "-A", "minsheng.payments.tests.worker_app", "worker"),
            *(f"--pool={pool}", "--concurrency=1", "--loglevel=INFO", f"--hostname={name}@%h"),
            *("--without-gossip", "--without-mingle", "--without-heartbeat"),
        ]
        with (self.directory / f"{name}.log").open("wb") as log:
            self.processes[name] = subprocess.Popen(
                command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def kill(self, name: str) -> None:
        """SIGKILL the worker and its pool, as when its machine dies: nothing of it runs any more."""
        process = self.processes[name]
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def kill_pool_process(self, name: str) -> None:
        """SIGKILL the pool process that runs the task (as the OOM killer would), leaving the worker's main process."""
        children = _children(self.processes[name].pid)
        assert len(children) == 1, f"worker {name} has pool processes {children} (--concurrency=1)"
        os.kill(children[0], signal.SIGKILL)

    def stop_all(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def log(self, name: str) -> str:
        return (self.directory / f"{name}.log").read_text(errors="replace")

    def queued(self) -> int:
        """Messages waiting in the queue (not those a worker holds unacknowledged)."""
        with app.connection_for_write() as conn:
            channel: Any = conn.default_channel  # the transport's own channel (kombu types only the common part)
            return int(channel.queue_declare(QUEUE, passive=True).message_count)

    def empty_broker(self) -> None:
        """No message of an earlier run: Redis's whole database (its unacknowledged messages are kept beside the
        queue), RabbitMQ's queue."""
        with app.connection_for_write() as conn:
            channel: Any = conn.default_channel
            if conn.transport_cls == "redis":
                channel.client.flushdb()
            else:
                channel.queue_declare(QUEUE, durable=True, auto_delete=False)
                channel.queue_purge(QUEUE)

    def hold(self) -> None:
        """From now on a worker stays inside the payroll's transaction after it inserted the lines."""
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO test_payroll_hold VALUES (true)")

    def release(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM test_payroll_hold")

    def held(self) -> tuple[int, int]:
        """Wait until a worker is held inside the transaction: its backend's pid and the lines it inserted."""

        def find() -> tuple[int, int] | None:
            row = self._one(
                "SELECT pid, application_name FROM pg_stat_activity"
                " WHERE datname = current_database() AND application_name LIKE 'payroll-hold:%%'"
            )
            return None if row is None else (row[0], int(row[1].split(":")[1]))

        return self.wait(find, "a worker held inside the payroll's transaction")

    def blocked(self) -> int:
        """Wait until a worker's backend waits for a lock another transaction holds; its pid."""
        pid: int = self.wait(
            lambda: self._value(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            ),
            "a second worker waiting for the first one's lock",
        )
        return pid

    def gone(self, pid: int) -> None:
        """Wait until the backend ``pid`` has ended (and with it its transaction)."""
        self.wait(
            lambda: self._value("SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = %s)", pid),
            f"the backend {pid} of the killed worker to end",
        )

    def wait(self, found: Callable[[], T | None], what: str) -> T:
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            value = found()
            if value is not None:
                return value
            for name, process in self.processes.items():
                if process.poll() is not None and process.returncode != -signal.SIGKILL:
                    raise AssertionError(f"worker {name} exited ({process.returncode}):\n{self.log(name)[-3000:]}")
            time.sleep(0.2)
        logs = "\n".join(f"--- {name}\n{self.log(name)[-3000:]}" for name in self.processes)
        raise AssertionError(f"waited {WAIT_SECONDS:.0f} s for {what}\n{logs}")

    def _one(self, sql: str, *params: Any) -> tuple[Any, ...] | None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row: tuple[Any, ...] | None = cursor.fetchone()
            return row

    def _value(self, sql: str, *params: Any) -> Any:
        row = self._one(sql, *params)
        return None if row is None else row[0]


@pytest.fixture
def workers(transactional_db: None, tmp_path: Path) -> Iterator[Workers]:
    """Real Celery workers on Redis (or RabbitMQ) and the PostgreSQL test database. Skipped without them, except in
    CI with a broker configured (the step of .ci/run that exists for these tests), where a missing one fails."""
    why = _why_no_worker()
    if why is not None:
        if CI and settings.CELERY_BROKER_URL:
            pytest.fail(why)
        pytest.skip(why)
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    helper = Workers(tmp_path)
    helper.empty_broker()
    with connection.cursor() as cursor:
        cursor.execute(HOLD_SQL)
        # A killed worker's backend notices at once that its client is gone and rolls back (PostgreSQL 14+), rather
        # than when it next writes to the dead socket.
        cursor.execute(
            f"ALTER DATABASE {connection.ops.quote_name(connection.settings_dict['NAME'])} "
            "SET client_connection_check_interval = 200"
        )
    try:
        yield helper
    finally:
        helper.stop_all()
        app.conf.task_always_eager = eager
        helper.empty_broker()
        with connection.cursor() as cursor:
            # Backends of the workers that are left would keep the tables from being emptied after the test.
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            cursor.execute(UNHOLD_SQL)
