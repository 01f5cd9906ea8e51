"""Bounded lists benchmark (issue 22, points 1 and 2): the pages people page through, on a demo city with a year of
the one window's history, as their users open them.

Timed through Django's test client (server time, no network), ``REPEAT`` times after two warm-up requests, the median
and the slowest; beside each, the database time of one request (the sum of its queries' times) and the 8 kB pages
its queries touch (``EXPLAIN (ANALYZE, BUFFERS)`` of each: what the page reads, whatever else the machine runs):

- **inbox**: ``GET /intake/inbox/`` of the civil-affairs (民政) department handler of the county with the most items;
- **inbox, decided**: the same with ``?show=decided`` (the default window) — after the change only;
- **consultations**: ``GET /intake/consultations/`` of the county approver of that county (the county window);
- **applications**: ``GET /intake/applications/`` of the same user;
- **search, small township**: ``GET /people/?name=王`` (one character: every 王 and every same-sounding name) and
  ``?name=zs`` (initials) by the window of the township with the fewest residents;
- **search, county**: ``GET /people/?name=王`` by the county approver.

Standalone against a database with a demo city and the one window's history (``demo_city`` step 30, or
``intake.demo.demo_history``), with the keys it was built with; the same file runs against the code before the change
(``PYTHONPATH`` at the older checkout) and after it::

    set -a; . /work/bench/city1.env; set +a
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_lists MINSHENG_ENV=test PYTHONPATH=$PWD \\
        .venv/bin/python -m benchmarks.lists
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Iterator
from typing import Any

REPEAT = 20


def _user(username: str, role: str, division: str, department: str | None = None) -> Any:
    from minsheng.accounts.models import RoleAssignment, User
    from minsheng.areas.models import Division
    from minsheng.catalog.models import Department

    user = User.objects.filter(username=username).first()
    if user is None:
        area = Division.objects.get(code=division)
        user = User.objects.create_user(username=username, password=None, home_area=area, display_name=username)
        dept = Department.objects.get(code=department) if department else None
        RoleAssignment.objects.create(user=user, role=role, division=area, department=dept)
    return user


def _buffers(sql: str) -> int:
    """The 8 kB pages a query touches (PostgreSQL's shared buffers hit and read, of its top plan node): what the
    query reads, whatever else runs on the machine."""
    import re

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT TEXT) " + sql)
        lines = [row[0] for row in cursor.fetchall()]
    for line in lines:
        if "Buffers:" in line:
            return sum(int(n) for n in re.findall(r"(?:hit|read)=(\d+)", line.split("temp")[0]))
    return 0


def _timed(user: Any, url: str, query: dict[str, str] | None = None) -> tuple[float, float, float, int]:
    """(median ms, slowest ms, database ms of one request, pages its reads touch)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(user)
    for _ in range(2):
        assert client.get(url, query or {}).status_code == 200
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        response = client.get(url, query or {})
        times.append(time.perf_counter() - started)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as captured:
        client.get(url, query or {})
    database = sum(float(q["time"]) for q in captured.captured_queries) * 1000
    selects = [q["sql"] for q in captured.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
    pages = sum(_buffers(sql) for sql in selects)
    return statistics.median(times) * 1000, max(times) * 1000, database, pages


def _areas() -> tuple[str, str, int, int, int]:
    """(county with the most items, township with the fewest residents, its residents, the county's items, the
    city's residents)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT substr(area_code, 1, 6), count(*) FROM intake_itemcase GROUP BY 1 ORDER BY 2 DESC LIMIT 1"
        )
        county, items = cursor.fetchone()
        cursor.execute(
            "SELECT substr(hukou_area_id, 1, 9), count(*) FROM people_person GROUP BY 1 ORDER BY 2 ASC LIMIT 1"
        )
        township, residents = cursor.fetchone()
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'people_person'")
        (everyone,) = cursor.fetchone()
    return county, township, residents, items, everyone


def bench_lists() -> Iterator[str]:
    from django.urls import reverse

    county, township, residents, items, everyone = _areas()
    county_code, township_code = f"{county}000000", f"{township}000"
    yield (
        f"lists: county {county_code} ({items:,} items in a year), township {township_code} ({residents:,} of "
        f"{everyone:,} residents)"
    )
    handler = _user("bench-lists-handler", "department_handler", county_code, "civil_affairs")
    window = _user("bench-lists-county-approver", "county_approver", county_code)
    small = _user("bench-lists-township-window", "township_window", township_code)
    after = os.environ.get("BENCH_LISTS_AFTER", "1") == "1"
    pages: list[tuple[str, Any, str, dict[str, str]]] = [
        ("inbox", handler, reverse("intake:inbox"), {}),
        ("consultations", window, reverse("intake:consultations"), {}),
        ("applications", window, reverse("intake:application_list"), {}),
        ("search 王, small township", small, reverse("people:search"), {"name": "王"}),
        ("search zs, small township", small, reverse("people:search"), {"name": "zs"}),
        ("search 王, county", window, reverse("people:search"), {"name": "王"}),
    ]
    if after:
        pages.insert(1, ("inbox, decided", handler, reverse("intake:inbox"), {"show": "decided"}))
    for name, user, url, query in pages:
        median, slowest, database, touched = _timed(user, url, query)
        yield (
            f"lists: {name}: median {median:.1f} ms, slowest {slowest:.1f} ms, database {database:.1f} ms, "
            f"{touched:,} buffer pages"
        )


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minsheng.settings")
    import django

    django.setup()
    for line in bench_lists():
        print(line, flush=True)
