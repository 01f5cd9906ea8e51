"""Run every benchmark against a fresh database and print its figures.

    make bench                                     # SQLite, in a temporary file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/minsheng make bench   # PostgreSQL, in test_<name>

The database is created for the run and dropped after it, like the test runner's.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


def _setup_django() -> Callable[[], None]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minsheng.settings")
    os.environ.setdefault("MINSHENG_ENV", "test")
    import django
    from django.conf import settings

    django.setup()
    from django.db import connection

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        # A file, as in production-like use; the test runner's default would be in memory.
        database["TEST"]["NAME"] = str(Path(tempfile.mkdtemp()) / "bench.sqlite3")
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    return lambda: connection.creation.destroy_test_db(old_name, verbosity=0)


def _timed(function: Callable[[], object]) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def bench_division_import(repeat: int = 3) -> list[str]:
    from django.db import connection

    from minsheng.areas.models import Division
    from minsheng.areas.services import divisions_import, read_division_file

    path = DATA / "jiangsu-2023.csv.gz"

    def load() -> None:
        result = divisions_import(rows=read_division_file(path), source="bench")
        assert result.ok and result.rows == 23563, result.errors[:3]

    def empty() -> None:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("TRUNCATE areas_division CASCADE")
            else:
                cursor.execute("DELETE FROM areas_division")

    fresh = []
    for _ in range(repeat):
        empty()
        fresh.append(_timed(load))
    # A system job: the bench checks the whole table.
    assert Division.objects.all().count() == 23563
    rerun = [_timed(load) for _ in range(repeat)]
    return [
        f"division import, Jiangsu 23,563 rows, empty table: median {statistics.median(fresh):.2f} s "
        f"(runs {', '.join(f'{t:.2f}' for t in fresh)}; goal < 10 s)",
        f"division import, Jiangsu 23,563 rows, re-run (no change): median {statistics.median(rerun):.2f} s",
    ]


def main() -> int:
    teardown = _setup_django()
    from django.db import connection

    try:
        print(
            f"Minsheng benchmarks on {connection.vendor} · Python {platform.python_version()} · "
            f"{platform.machine()} · {os.cpu_count()} cores"
        )
        from benchmarks import exchange, monitoring, payroll, programmes, registry, social
        from benchmarks import statistics as statistics_bench

        benches = (
            bench_division_import,
            registry.bench_demo_city,
            programmes.bench_demo_programmes,
            programmes.bench_simulation,
            payroll.bench_payroll_suqian,
            payroll.bench_payroll_jiangsu,
            statistics_bench.bench_statistics,
            exchange.bench_exchange,
            monitoring.bench_monitoring,
            social.bench_social,
            registry.bench_lookups,
            registry.bench_import,
        )
        for bench in benches:
            for line in bench():
                print("  " + line, flush=True)
    finally:
        connection.close()
        teardown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
