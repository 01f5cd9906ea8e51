"""Proactive discovery benchmark (issue 17, point 6): a day's signals (≈ 50,000 at scale 1.0) through every feed
rule into warnings, against a plain ``INSERT … SELECT`` of the same matched records in the same run; the object rules
over the programmes' data (reported beside it); and the to-do page of the busiest village worker.

The signals are feeds of the seven signal sources (``MIX``), received today, written from the registry by a child
process (real ID numbers and names of living persons, so they match); ``BUSY`` of them concern persons of one
village — the busiest village worker's. They are imported through the real ``feed_upload`` first (not timed here:
the import is the data exchange benchmark's).

Timed, in the same process:

- **rules**: ``alerts_raise`` over the feeds received since the run began, every feed rule in force (the rule for the
  record's area, its condition, one warning per person, rule and period, the handled ones' fingerprints, the
  deadline in working days, the household) — written in bulk.
- **baseline**: one ``INSERT … SELECT`` of the same matched records (record, person, area) into an unindexed table:
  the least any set-based raising must do.
- **object rules**: ``alerts_raise`` of the five object rules over the whole city's assessments, benefits and reports.
- **to-do page**: ``GET /desk/`` (我的待办, every module's due work) of a village worker of the village with the most
  open warnings, through Django's test client, ``REPEAT`` times after two warm-up requests: the median and the slowest.

Standalone against a database with a demo city (``--until 20`` is enough), with the keys it was built with::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_exchange_run BENCH_CITY_SCALE=1.0 MINSHENG_ENV=test \\
        .venv/bin/python -m benchmarks.monitoring
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import resource
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

SIGNALS_AT_SCALE_1 = 50_000
BUSY = 300
REPEAT = 20
PREFIX = "bench-signal-"
MIX = (
    ("serious_illness", 0.20),
    ("utility_arrears", 0.30),
    ("hotline_12345", 0.16),
    ("disaster", 0.08),
    ("school_dropout", 0.02),
    ("anti_poverty", 0.14),
    ("union_hardship", 0.10),
)


def _row(code: str, number: int, id_number: str, name: str, day: str) -> list[str]:
    values = {
        "serious_illness": ["恶性肿瘤", day],
        "utility_arrears": ["electricity", day, "320.00", "yes" if number % 2 else "no"],
        "hotline_12345": [f"T{number:08d}", day, "咨询低保政策"],
        "disaster": ["fire", day, "20000.00"],
        "school_dropout": ["宿迁市某中学", day],
        "anti_poverty": ["sudden_hardship", day],
        "union_hardship": ["relative", day],
    }[code]
    return [id_number, name, *values]


def _write_feeds(folder: str, signals: int) -> None:
    """The feed files (run in a child process): ``BUSY`` persons of the most populous village first, then a sample of
    everyone else, dealt to the sources by ``MIX``."""
    from django.db import connection
    from django.utils import timezone

    from minsheng.core.crypto import decrypt
    from minsheng.exchange.layouts import layout_for

    day = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT hukou_area_id FROM people_person WHERE status = 'living' GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
        )
        (busy_village,) = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM people_person WHERE status = 'living'")
        (living,) = cursor.fetchone()
        stride = max(1, living // signals)
        cursor.execute(
            "SELECT id_number, name FROM people_person WHERE status = 'living' AND hukou_area_id = %s "
            "ORDER BY id LIMIT %s",
            [busy_village, BUSY],
        )
        chosen = list(cursor.fetchall())
        cursor.execute(
            "SELECT id_number, name FROM people_person WHERE status = 'living' AND hukou_area_id <> %s "
            "AND id %% %s = 0 ORDER BY id LIMIT %s",
            [busy_village, stride, signals - len(chosen)],
        )
        chosen += cursor.fetchall()
    start = 0
    for code, share in MIX:
        layout = layout_for(code, 1)
        assert layout is not None
        count = round(signals * share) if code != MIX[-1][0] else len(chosen) - start
        with open(Path(folder) / f"{code}.csv", "w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow([c.name for c in layout.columns])
            for number, (token, name) in enumerate(chosen[start : start + count], start=start):
                writer.writerow(_row(code, number, decrypt(token), name, day))
        start += count


def _officer() -> Any:
    from benchmarks.exchange import _officer as officer

    return officer()


def _import(folder: str) -> tuple[float, int, int]:
    from minsheng.exchange.models import DataSource
    from minsheng.exchange.services import feed_upload

    officer = _officer()
    started = time.perf_counter()
    rows = matched = 0
    for code, _share in MIX:
        content = (Path(folder) / f"{code}.csv").read_bytes()
        feed, _new = feed_upload(
            actor=officer,
            source=DataSource.objects.get(code=code),
            batch=f"{PREFIX}{code[:10]}-{time.time_ns() % 10**12}",
            content=content,
            filename=f"{code}.csv",
        )
        rows += feed.rows
        matched += feed.matched
    return time.perf_counter() - started, rows, matched


def _baseline(since: dt.datetime) -> tuple[float, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_alert_baseline")
        cursor.execute("CREATE TABLE bench_alert_baseline (record_id bigint, person_id bigint, area_code varchar(12))")
        started = time.perf_counter()
        cursor.execute(
            """INSERT INTO bench_alert_baseline
               SELECT r.id, r.person_id, r.area_code FROM exchange_feedrecord r
               JOIN exchange_feed f ON f.id = r.feed_id
               WHERE r.match = 'matched' AND f.received_at >= %s""",
            [since],
        )
        rows = cursor.rowcount
        seconds = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_alert_baseline")
    return seconds, rows


def _todo(area_code: str) -> tuple[float, float, int]:
    from django.test import Client
    from django.urls import reverse

    from minsheng.accounts.models import RoleAssignment, User
    from minsheng.areas.models import Division

    username = "bench-busiest-village-worker"
    user = User.objects.filter(username=username).first()
    if user is None:
        village = Division.objects.all().get(code=area_code)  # a system job addressed by code
        user = User.objects.create_user(username=username, password=None, home_area=village, display_name=username)
        RoleAssignment.objects.create(user=user, role="village_worker", division=village)
    client = Client()
    client.force_login(user)
    url = reverse("desk:todo")
    for _ in range(2):
        assert client.get(url).status_code == 200
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200
    return statistics.median(times) * 1000, max(times) * 1000, len(response.content)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_monitoring() -> Iterator[str]:
    import multiprocessing

    from django.db import connections
    from django.db.models import Count
    from django.utils import timezone

    from minsheng.monitoring.models import Alert, WarningRule
    from minsheng.monitoring.services import alerts_raise
    from minsheng.testing import ensure_reference_data

    ensure_reference_data()
    scale = float(os.environ.get("BENCH_CITY_SCALE", "0.02"))
    signals = round(SIGNALS_AT_SCALE_1 * scale)
    since = timezone.now()
    folder = tempfile.mkdtemp()
    started = time.perf_counter()
    connections.close_all()  # the child opens its own connection
    child = multiprocessing.get_context("fork").Process(target=_write_feeds, args=(folder, signals))
    child.start()
    child.join()
    assert child.exitcode == 0, "writing the feeds failed"
    yield f"monitoring: {signals:,} signals written from the registry in {time.perf_counter() - started:.1f} s"
    imported, rows, matched = _import(folder)
    yield f"monitoring: seven feeds imported ({rows:,} rows, {matched:,} matched) in {imported:.1f} s (not the goal)"
    feed_codes = list(WarningRule.objects.filter(kind="feed").values_list("code", flat=True).distinct())
    object_codes = list(WarningRule.objects.filter(kind="object").values_list("code", flat=True).distinct())
    until = timezone.now()
    started = time.perf_counter()
    raised = alerts_raise(since=since, until=until, codes=feed_codes)
    seconds = time.perf_counter() - started
    base_seconds, base_rows = _baseline(since)
    yield (
        f"monitoring: {raised.signals:,} signals through {len(feed_codes)} feed rules → {raised.total:,} warnings in "
        f"{seconds:.1f} s; baseline (one INSERT … SELECT of the {base_rows:,} matched records) {base_seconds:.2f} s "
        f"(goal at 1.0: < 30 s {'✔' if seconds < 30 else '✘'})"
    )
    started = time.perf_counter()
    objects = alerts_raise(since=until, until=until, codes=object_codes)
    yield (
        f"monitoring: the {len(object_codes)} object rules over the city's programmes → {objects.total:,} warnings "
        f"({', '.join(f'{k} {v:,}' for k, v in sorted(objects.by_rule.items()))}) in "
        f"{time.perf_counter() - started:.1f} s"
    )
    # unscoped: the benchmark finds the village with the most open warnings
    busiest = (
        Alert.objects.unscoped()
        .filter(status=Alert.Status.OPEN)
        .values("area_code")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    assert busiest is not None
    median, slowest, size = _todo(busiest["area_code"])
    yield (
        f"monitoring: 我的待办 of the busiest village worker ({busiest['n']:,} open warnings in "
        f"{busiest['area_code']}): median {median:.0f} ms, slowest {slowest:.0f} ms of {REPEAT}, {size / 1024:.0f} KB "
        f"(goal < 200 ms {'✔' if median < 200 else '✘'})"
    )
    yield f"monitoring: peak memory {_peak_mb():,.0f} MB"


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minsheng.settings")
    os.environ.setdefault("MINSHENG_ENV", "test")
    import django

    django.setup()
    for line in bench_monitoring():
        print("  " + line, flush=True)
