"""Data exchange benchmark (issue 16, point 6): a 人社 contribution-base feed of the working-age population imported
by file and matched against the registry, against a plain ``COPY`` + hash-join baseline on the same file; then the
monthly bulk verification over it; and the process's peak memory.

The feed (``hrss_contribution``, last month, ``1,000,000 × BENCH_CITY_SCALE`` rows) is written from the registry by a
child process (so that its memory is not counted): the living persons aged 16 to 59, members of households with a
running benefit first (so that the check reaches every enrolled household), then the others by id; their real ID
numbers and names, so they match. On purpose, ``SPECIAL`` rows carry a valid ID number of nobody (unmatched) and
``SPECIAL`` rows a real ID number with another name (ambiguous). Contribution bases: members of enrolled households
mostly below the income threshold (``verification.income_fen``, 1,500 yuan), one in ten above; everyone else above.

Timed, in this order and in the same process:

- **import**: ``feed_upload`` of the file's bytes by a city verification officer, exactly as the upload page calls it
  (reading and checking every row, encrypting the IDs, writing the records, matching, counting, the audit event);
  the counts (rows, matched, unmatched, ambiguous) are checked exactly.
- **baseline** (PostgreSQL): reading the same file with ``csv.reader`` and computing each ID's blind index (HMAC-SHA256,
  which the registry's key makes unavoidable: the registry holds no plain ID), streamed by ``COPY … FROM STDIN`` into
  an unindexed temporary table; then one ``INSERT … SELECT`` of every row into an unindexed table shaped like the
  records (month and amount cast in SQL), joined to ``people_person`` on the blind index (a hash join: the planner's
  choice is printed) for the person, the match (matched / ambiguous by name / unmatched) and the 户籍 village. No
  validation, no encryption, no audit, no constraint: the least any import of this file must do.
- **monthly check**: ``check_run`` of this month's ``MonthlyCheck`` (findings from every matched record received
  since the last check, published to the programmes, whose subscriber brings reviews forward and audits them).

Standalone, against an existing database with a demo city (it adds the feed and the check, and removes those of an
earlier run first; run it on a fresh clone for comparable figures, since the check brings reviews forward). The keys
must be the ones the city was built with (``MINSHENG_ENCRYPTION_KEYS``, ``MINSHENG_BLIND_INDEX_KEY``: outside
production they are otherwise drawn at random per process, and no ID could be read or matched)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_exchange BENCH_CITY_SCALE=1.0 MINSHENG_ENV=test \\
        .venv/bin/python -m benchmarks.exchange
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import resource
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROWS_AT_SCALE_1 = 1_000_000
SPECIAL = 100  # unmatched rows, and as many ambiguous rows
BATCH = "bench-hrss"
USERNAME = "bench-exchange-officer"
CITY = "321300000000"


def _months() -> tuple[dt.date, dt.date]:
    """(the feed's month: last month, the check's month: this month)."""
    from django.utils import timezone

    today = timezone.localdate()
    this = today.replace(day=1)
    return (this - dt.timedelta(days=1)).replace(day=1), this


def _officer() -> Any:
    """A city verification officer (no password: nobody signs in as them)."""
    from minsheng.accounts.models import RoleAssignment, User
    from minsheng.areas.models import Division

    user = User.objects.filter(username=USERNAME).first()
    if user is None:
        city = Division.objects.all().get(code=CITY)  # a system job addressed by code
        user = User.objects.create_user(username=USERNAME, password=None, home_area=city, display_name=USERNAME)
        RoleAssignment.objects.create(user=user, role="verification_officer", division=city)
    return user


def _clean() -> None:
    """Remove an earlier run's feed, its records, and this month's check with its findings."""
    from django.db import connection, transaction

    from minsheng.exchange.models import Feed, FeedRecord, Finding, MonthlyCheck

    _, month = _months()
    with transaction.atomic(), connection.cursor() as cursor:
        feeds = f"SELECT id FROM {Feed._meta.db_table} WHERE batch LIKE %s"
        checks = f"SELECT id FROM {MonthlyCheck._meta.db_table} WHERE month = %s"
        cursor.execute(f"DELETE FROM {Finding._meta.db_table} WHERE check_run_id IN ({checks})", [month])
        cursor.execute(
            f"DELETE FROM {Finding._meta.db_table} WHERE record_id IN "
            f"(SELECT id FROM {FeedRecord._meta.db_table} WHERE feed_id IN ({feeds}))",
            [BATCH + "%"],
        )
        cursor.execute(f"DELETE FROM {MonthlyCheck._meta.db_table} WHERE month = %s", [month])
        cursor.execute(f"DELETE FROM {FeedRecord._meta.db_table} WHERE feed_id IN ({feeds})", [BATCH + "%"])
        cursor.execute(f"DELETE FROM {Feed._meta.db_table} WHERE batch LIKE %s", [BATCH + "%"])


def _write_feed(path: str, rows: int) -> None:
    """The feed file (run in a child process): see the module's docstring."""
    from django.db import connection

    from minsheng.core.crypto import blind_indexer, decrypt
    from minsheng.exchange.layouts import layout_for
    from minsheng.people.idnumbers import synthesize_id_number

    month, _ = _months()
    oldest, youngest = month.replace(year=month.year - 60), month.replace(year=month.year - 16)
    layout = layout_for("hrss_contribution", 1)
    assert layout is not None
    wanted = rows - 2 * SPECIAL
    sql = """
        SELECT p.id_number, p.name, EXISTS (
            SELECT 1 FROM people_membership m JOIN assistance_benefit b ON b.household_id = m.household_id
            WHERE m.person_id = p.id AND m.left_on IS NULL AND b.status IN ('active', 'tapering')) AS enrolled
        FROM people_person p
        WHERE p.status = 'living' AND p.birth_date > %s AND p.birth_date <= %s
        ORDER BY enrolled DESC, p.id
        LIMIT %s
    """
    index = blind_indexer()
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([c.name for c in layout.columns])
        written = 0
        with connection.cursor() as cursor:
            cursor.execute(sql, [oldest, youngest, wanted + SPECIAL])
            while batch := cursor.fetchmany(10_000):
                for token, name, enrolled in batch:
                    id_number = decrypt(token)
                    if written >= wanted:  # the ambiguous rows: a real ID, another name
                        writer.writerow([id_number, "欧阳错名", f"{month:%Y-%m}", "5000.00", ""])
                    elif enrolled:
                        base = "3000.00" if written % 10 == 0 else "1200.00"
                        writer.writerow([id_number, name, f"{month:%Y-%m}", base, "宿迁市某公益岗位"])
                    else:
                        base = f"{3000 + written % 17_000}.00"
                        writer.writerow([id_number, name, f"{month:%Y-%m}", base, "宿迁市某有限公司"])
                    written += 1
        assert written == wanted + SPECIAL, f"the registry has only {written:,} working-age persons"
        # Unmatched: valid numbers of nobody (born on a day nobody in the demo was born with these sequences).
        with connection.cursor() as cursor:
            sequence = 999
            unmatched = 0
            while unmatched < SPECIAL:
                number = synthesize_id_number(address_code="321302", birth_date=dt.date(1980, 2, 29), sequence=sequence)
                sequence -= 1
                cursor.execute("SELECT 1 FROM people_person WHERE id_index = %s", [index(number)])
                if cursor.fetchone() is None:
                    writer.writerow([number, "查无此人", f"{month:%Y-%m}", "4000.00", ""])
                    unmatched += 1


def _make_file(rows: int) -> tuple[str, float]:
    import multiprocessing

    from django.db import connections

    path = str(Path(tempfile.mkdtemp()) / "hrss_contribution.csv")
    started = time.perf_counter()
    connections.close_all()  # the child opens its own connection
    child = multiprocessing.get_context("fork").Process(target=_write_feed, args=(path, rows))
    child.start()
    child.join()
    assert child.exitcode == 0, "writing the feed failed"
    return path, time.perf_counter() - started


def _import(path: str, officer: Any) -> tuple[float, Any]:
    from minsheng.exchange.models import DataSource
    from minsheng.exchange.services import feed_upload

    source = DataSource.objects.get(code="hrss_contribution")
    started = time.perf_counter()
    content = Path(path).read_bytes()
    feed, received = feed_upload(
        actor=officer, source=source, batch=f"{BATCH}-{time.time_ns()}", content=content, filename="hrss.csv"
    )
    seconds = time.perf_counter() - started
    assert received
    return seconds, feed


def _baseline(path: str) -> tuple[float, int, dict[str, int], str]:
    """Seconds, rows, counts by match and the join's plan of the baseline (module docstring)."""
    from django.db import connection

    from minsheng.core.crypto import blind_indexer

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_exchange_baseline")
        cursor.execute(
            "CREATE TABLE bench_exchange_baseline (row integer, id_index varchar(32), name varchar(60), "
            "person_id bigint, match varchar(9), area_code varchar(12), on_month date, amount_fen bigint, "
            "employer text)"
        )
    index = blind_indexer()
    select = """
        SELECT s.row, s.id_index, s.name, p.id,
            CASE WHEN p.id IS NULL THEN 'unmatched' WHEN p.name = s.name THEN 'matched' ELSE 'ambiguous' END,
            p.hukou_area_id, (s.month || '-01')::date, (s.base::numeric * 100)::bigint, s.employer
        FROM bench_exchange_stage s LEFT JOIN people_person p ON p.id_index = s.id_index
    """
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_exchange_stage (row integer, id_index varchar(32), name text, month text, "
            "base text, employer text)"
        )
        with open(path, encoding="utf-8", newline="") as source:
            reader = csv.reader(source)
            next(reader)
            with cursor.cursor.copy("COPY bench_exchange_stage FROM STDIN") as copy:
                for line, (id_number, name, month, base, employer) in enumerate(reader, start=2):
                    copy.write_row((line, index(id_number), name, month, base, employer))
        cursor.execute("ANALYZE bench_exchange_stage")
        cursor.execute(f"INSERT INTO bench_exchange_baseline {select}")
        rows = cursor.rowcount
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("SELECT match, count(*) FROM bench_exchange_baseline GROUP BY match")
        counts = {match: n for match, n in cursor.fetchall()}
        cursor.execute(f"EXPLAIN {select}")
        plan = next((line for (line,) in cursor.fetchall() if "Join" in line), "?").strip(" ->")
        cursor.execute("DROP TABLE bench_exchange_stage")
        cursor.execute("DROP TABLE bench_exchange_baseline")
    return seconds, rows, counts, plan


def _check() -> tuple[float, Any]:
    from minsheng.exchange.models import MonthlyCheck
    from minsheng.exchange.monthly import check_run

    _, month = _months()
    check = MonthlyCheck.objects.create(month=month)
    started = time.perf_counter()
    done = check_run(check)
    return time.perf_counter() - started, done


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def bench_exchange() -> Iterator[str]:
    """The figures, each line as soon as it is measured."""
    from django.db import connection
    from django.db.models import Count

    from minsheng.assistance.benefits.models import Benefit
    from minsheng.exchange.models import Finding
    from minsheng.testing import ensure_reference_data

    ensure_reference_data()
    scale = float(os.environ.get("BENCH_CITY_SCALE", "0.02"))
    rows = round(ROWS_AT_SCALE_1 * scale)
    _clean()
    officer = _officer()
    if connection.vendor == "postgresql":
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for table in ("people_person", "people_membership", "assistance_benefit"):
                cursor.execute(f"ANALYZE {table}")
        seconds = time.perf_counter() - started
        yield (f"exchange: ANALYZE of persons, memberships and benefits first, {seconds:.1f} s")
    path, seconds = _make_file(rows)
    size = Path(path).stat().st_size
    yield (
        f"exchange: feed file written from the registry in {seconds:.1f} s (a child process): "
        f"{rows:,} rows (1,000,000 × {scale}), {size / 2**20:.0f} MiB"
    )
    try:
        imported, feed = _import(path, officer)
        expected = (rows, rows - 2 * SPECIAL, SPECIAL, SPECIAL)
        counts = (feed.rows, feed.matched, feed.unmatched, feed.ambiguous)
        assert counts == expected, f"rows, matched, unmatched, ambiguous: {counts}, expected {expected}"
        after_import = _peak_mb()
        if connection.vendor == "postgresql":
            base_seconds, base_rows, base_counts, plan = _baseline(path)
            assert base_rows == rows and base_counts.get("matched") == feed.matched, (base_rows, base_counts)
            ratio = imported / base_seconds
            verdict = "✔" if imported < 60 and ratio <= 3 else "✘"
            yield (
                f"exchange import by file, hrss_contribution: {rows:,} rows ({feed.matched:,} matched, "
                f"{feed.unmatched} unmatched, {feed.ambiguous} ambiguous: exact) in {imported:.1f} s; "
                f"baseline (csv.reader + blind index + COPY + INSERT … SELECT, {plan}) {base_seconds:.1f} s; "
                f"ratio {ratio:.1f}× (goal at 1.0: < 60 s and ≤ 3× {verdict})"
            )
        else:
            yield (
                f"exchange import by file, hrss_contribution: {rows:,} rows ({feed.matched:,} matched, "
                f"{feed.unmatched} unmatched, {feed.ambiguous} ambiguous: exact) in {imported:.1f} s "
                "(the COPY baseline is PostgreSQL's: skipped on SQLite)"
            )
    finally:
        os.unlink(path)
    # unscoped: the benchmark counts the city's running benefits
    running = Benefit.objects.unscoped().filter(status__in=("active", "tapering")).count()
    checked, check = _check()
    # unscoped: the benchmark counts the check's findings by outcome
    outcomes = dict(
        Finding.objects.unscoped().filter(check_run=check).values_list("outcome").annotate(n=Count("id")).order_by()
    )
    yield (
        f"exchange monthly check: {check.findings:,} findings on {check.households:,} households "
        f"({', '.join(f'{k} {v:,}' for k, v in sorted(outcomes.items()))}; {check.reviews:,} benefits' reviews "
        f"brought forward, of {running:,} running) in {checked:.1f} s (goal at 1.0: < 60 s "
        f"{'✔' if checked < 60 else '✘'})"
    )
    peak = _peak_mb()
    yield (
        f"exchange: peak memory (max RSS of this process) {peak:,.0f} MB, {after_import:,.0f} MB after the import "
        f"(goal < 2 GB {'✔' if peak < 2048 else '✘'})"
    )


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minsheng.settings")
    os.environ.setdefault("MINSHENG_ENV", "test")
    import django

    django.setup()
    for line in bench_exchange():
        print("  " + line, flush=True)
