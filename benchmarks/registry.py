"""Registry benchmarks (issue 3): demo city generation, ID and name lookups, bulk import against plain COPY.

Sizes come from the environment so that `make bench` stays quick by default:

    BENCH_CITY_SCALE   demo_city scale (default 0.02 ≈ 100,000 residents; 1.0 ≈ 5 million)
    BENCH_IMPORT_ROWS  rows in the import file (default 20,000; the issue's figure is 1,000,000)
"""

from __future__ import annotations

import datetime as dt
import os
import random
import resource
import statistics
import tempfile
import time
from pathlib import Path

from django.db import connection

from minsheng.people.imports import COLUMNS


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100)[94] if len(samples) >= 20 else max(samples)


def bench_demo_city() -> list[str]:
    from minsheng.people.demo import demo_city

    scale = float(os.environ.get("BENCH_CITY_SCALE", "0.02"))
    counts = demo_city(scale=scale, seed=2023)
    return [
        f"demo_city --scale {scale}: {counts.persons:,} residents, {counts.households:,} households in "
        f"{counts.seconds:.1f} s ({counts.persons / counts.seconds:,.0f} residents/s; goal at 1.0: < 15 min)"
    ]


def bench_lookups(samples: int = 400) -> list[str]:
    from minsheng.accounts.models import RoleAssignment, User
    from minsheng.areas.models import Division
    from minsheng.people import selectors
    from minsheng.people.models import Person

    county = Division.objects.all().get(code="321322000000")  # 沭阳县, the largest county
    user = User.objects.create_user(username="bench_county", password="x" * 12, home_area=county)
    RoleAssignment.objects.create(user=user, role="county_approver", division=county)
    total = Person.objects.unscoped().count()
    rng = random.Random(5)
    # Sample persons spread over the table (ids are dense from 1).
    top = Person.objects.unscoped().order_by("-id").values_list("id", flat=True).first() or 1
    picks = list(
        Person.objects.unscoped()
        .filter(id__in=[rng.randint(1, top) for _ in range(samples * 3)], hukou_area__code__startswith="321322")
        .values_list("id", flat=True)[:samples]
    )
    # Raw columns only: the lookup is timed from the blind index on (hashing the typed number takes ~2 µs).
    people = {
        pk: (index, name)
        for pk, index, name in Person.objects.unscoped().filter(id__in=picks).values_list("id", "id_index", "name")
    }
    id_times, name_times = [], []
    for pk in picks:
        index, name = people[pk]
        started = time.perf_counter()
        found = list(
            Person.objects.restrict(user, "view")
            .filter(merged_into__isnull=True, id_index=index)
            .defer(*selectors.ENCRYPTED_FIELDS)
            .select_related("hukou_area", "residence_area")[: selectors.SEARCH_LIMIT]
        )
        id_times.append((time.perf_counter() - started) * 1000)
        assert [p.pk for p in found] == [pk]
        started = time.perf_counter()
        list(selectors.person_search(user=user, query=selectors.PersonQuery(name=name[:2])))
        name_times.append((time.perf_counter() - started) * 1000)
    return [
        f"ID lookup among {total:,} persons ({len(picks)} lookups, county user): p50 "
        f"{statistics.median(id_times):.2f} ms, p95 {_p95(id_times):.2f} ms (goal at 5 million: p95 < 5 ms)",
        f"name search (2-character prefix, 50 rows) among {total:,}: p50 {statistics.median(name_times):.2f} ms, "
        f"p95 {_p95(name_times):.2f} ms (goal: p95 < 50 ms)",
    ]


def _write_import_file(path: Path, rows: int) -> None:
    """A legacy export: households of three in 宿城区's villages.

    IDs use sequence numbers 600-999, which the demo city (a few dozen per county and birth date) never reaches.
    """
    from minsheng.areas.models import Division
    from minsheng.people.idnumbers import synthesize_id_number

    villages = list(
        Division.objects.all().filter(code__startswith="321302", level="village").values_list("code", flat=True)
    )
    relations = ("户主", "配偶", "子女")
    start = dt.date(2001, 1, 1)
    with path.open("w", encoding="utf-8") as handle:
        handle.write(",".join(c.header for c in COLUMNS) + "\n")
        for i in range(rows):
            birth = start + dt.timedelta(days=(i // 400) % 3200)
            sequence = 600 + i % 400
            number = synthesize_id_number(address_code="321302", birth_date=birth, sequence=sequence)
            values = {c.key: "" for c in COLUMNS}
            values.update(
                household=f"B{i // 3}",
                relation=relations[i % 3],
                name="王芳",
                id_number=number,
                hukou_code=villages[(i // 3) % len(villages)],
                phone=f"138{i % 100_000_000:08d}",
                bank_account=f"6228{i:015d}",
            )
            handle.write(",".join(values[c.key] for c in COLUMNS) + "\n")


def _copy_baseline(path: Path) -> float:
    """A plain COPY of the same file into a scratch table: the floor any import is measured against."""
    if connection.vendor != "postgresql":
        return float("nan")
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_import_copy")
        columns = ", ".join(f"c{i} text" for i in range(len(COLUMNS)))
        cursor.execute(f"CREATE UNLOGGED TABLE bench_import_copy ({columns})")
        started = time.perf_counter()
        with (
            path.open("rb") as handle,
            cursor.cursor.copy("COPY bench_import_copy FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
        ):
            while chunk := handle.read(1 << 20):
                copy.write(chunk)
        elapsed = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_import_copy")
    return elapsed


def bench_import() -> list[str]:
    from django.conf import settings

    from minsheng.accounts.models import RoleAssignment, User
    from minsheng.areas.models import Division
    from minsheng.people.imports import import_run
    from minsheng.people.models import ImportJob

    rows = int(os.environ.get("BENCH_IMPORT_ROWS", "20000"))
    county = Division.objects.all().get(code="321302000000")
    user = User.objects.create_user(username="bench_import", password="x" * 12, home_area=county)
    RoleAssignment.objects.create(user=user, role="county_approver", division=county)
    folder = Path(tempfile.mkdtemp())
    path = folder / "legacy.csv"
    _write_import_file(path, rows)
    baseline = _copy_baseline(path)
    settings.MEDIA_ROOT = folder
    job = ImportJob.objects.create(
        area_code=county.code, created_by=user, original_name="legacy.csv", stored_file="legacy.csv"
    )
    memory_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    job = import_run(job.pk)
    elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    assert job.status == "done" and job.error_rows == 0 and job.created_persons == rows, (job.status, job.error)
    ratio = f"{elapsed / baseline:.1f}× the COPY" if baseline == baseline else "no COPY on SQLite"
    return [
        f"import of {rows:,} persons from CSV (validate, encrypt 3 fields, upsert, households, memberships): "
        f"{elapsed:.1f} s = {rows / elapsed:,.0f} rows/s; plain COPY of the same file {baseline:.2f} s ({ratio}); "
        f"peak memory of the process {peak_mb:,.0f} MB (before the import {memory_before / 1024:,.0f} MB; goal < 2 GB)"
    ]
