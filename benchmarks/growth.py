"""Growth benchmark (issue 22, point 5): every page of the load test, opened by the user the load test gives it, on a
demo city of any scale — run on the city at scale 1.0 and at 2.0 and set side by side (``docs/benchmarks.md``).

Each page is timed through Django's test client (server time, no network): two warm-up requests, then ``REPEAT``
(median, slowest); beside it the database time of one request and the 8 kB pages its queries touch (``EXPLAIN
(ANALYZE, BUFFERS)`` of each of its ``SELECT``\\s) — the figure that does not move with what else the machine runs, and
the one that shows whether a page reads more when the city is twice as large.

The users are those of the load test (``loadtest/locustfile.py``), in the county with the most item cases: a village
worker of its most populous village (search a resident by the first two characters of a name, open the file, the
to-do list), its township's window (consultations, the application form, the inbox, the overdue list), the county
approver (the dashboard, the overdue list, the inbox, search), the payment officer (the payroll list and a batch; a
city without a payroll gets this month's 低保 batch of the county first, timed) and the education department's
handler (inbox, overdue list). The load test's two writes (record a consultation, submit an application) are timed
by the load test itself, not here.

Standalone against a database with a demo city (``--until 20``) and the one window's history (``intake.demo.
demo_history``), built with the keys in the environment::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_grow1 MINSHENG_ENV=test .venv/bin/python -m benchmarks.growth

``GROWTH_ONLY=to-do`` times only the pages whose name holds the text (a second look at one page).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any


def _places() -> tuple[str, str, str, int]:
    """(county with the most item cases, its most populous village, that village's township, the city's residents)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT substr(area_code, 1, 6), count(*) FROM intake_itemcase GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1"
        )
        (county, _items) = cursor.fetchone()
        cursor.execute(
            "SELECT hukou_area_id, count(*) FROM people_person WHERE hukou_area_id LIKE %s "
            "GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1",
            [county + "%"],
        )
        (village, _residents) = cursor.fetchone()
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'people_person'")
        (everyone,) = cursor.fetchone()
    return f"{county}000000", village, f"{village[:9]}000", everyone


def bench_growth() -> Iterator[str]:
    from django.urls import reverse
    from django.utils import timezone

    from benchmarks.lists import _timed, _user
    from minsheng.areas.models import Division
    from minsheng.assistance.programmes import Programme
    from minsheng.core.months import month_of
    from minsheng.payments.models import PayrollBatch
    from minsheng.payments.services import payroll_generate
    from minsheng.people.models import Person

    county, village, township, everyone = _places()
    yield f"growth: {everyone:,} residents; county {county}, township {township}, village {village}"
    worker = _user("bench-grow-village", "village_worker", village)
    window = _user("bench-grow-window", "township_window", township)
    approver = _user("bench-grow-county", "county_approver", county)
    payment = _user("bench-grow-payment", "county_payment_officer", county)
    education = _user("bench-grow-education", "department_handler", county, "education")
    # unscoped: the benchmark picks a resident of the village as the load test's data file does
    resident = Person.objects.unscoped().filter(hukou_area_id=village).order_by("id").first()
    assert resident is not None
    # unscoped: the benchmark picks a batch of the county; a city without a payroll gets this month's 低保 batch
    batch = PayrollBatch.objects.unscoped().filter(area_code__startswith=county[:6]).order_by("-id").first()
    if batch is None:
        started = time.perf_counter()
        batch = payroll_generate(
            actor=payment,
            county=Division.objects.get(code=county),
            programme=Programme.DIBAO,
            period=month_of(timezone.localdate()),
        )
        yield (
            f"growth: payroll of the county's 低保 this month: {batch.line_count:,} lines in "
            f"{time.perf_counter() - started:.1f} s"
        )
    pages: list[tuple[str, Any, str, dict[str, str]]] = [
        ("search a person (village worker)", worker, reverse("people:search"), {"name": resident.name[:2]}),
        ("open a person's file", worker, reverse("people:person_detail", args=[resident.pk]), {}),
        ("to-do (village worker)", worker, reverse("desk:todo"), {}),
        ("consultations (township window)", window, reverse("intake:consultations"), {}),
        ("application form", window, reverse("intake:application_new"), {}),
        ("inbox (township window)", window, reverse("intake:inbox"), {}),
        ("overdue list (township window)", window, reverse("intake:overdue"), {}),
        ("dashboard (county)", approver, reverse("statistics:dashboard"), {}),
        ("overdue list (county)", approver, reverse("intake:overdue"), {}),
        ("inbox (county)", approver, reverse("intake:inbox"), {}),
        ("search a person (county)", approver, reverse("people:search"), {"name": resident.name[:2]}),
        ("payroll list", payment, reverse("payments:batch_list"), {}),
        ("inbox (education)", education, reverse("intake:inbox"), {}),
        ("overdue list (education)", education, reverse("intake:overdue"), {}),
        # The village's to-do may be (nearly) empty in one city and not the other: these two show a full page at
        # both sizes, their counts at the cap ("99+") or near it.
        ("to-do (county)", approver, reverse("desk:todo"), {}),
        ("to-do (education)", education, reverse("desk:todo"), {}),
    ]
    pages.insert(12, ("payroll batch", payment, reverse("payments:batch_detail", args=[batch.pk]), {}))
    only = os.environ.get("GROWTH_ONLY", "")  # e.g. GROWTH_ONLY=to-do: the pages whose name holds it
    for name, user, url, query in pages:
        if only not in name:
            continue
        median, slowest, database, touched = _timed(user, url, query)
        yield (
            f"growth: {name}: median {median:.1f} ms, slowest {slowest:.1f} ms, database {database:.1f} ms, "
            f"{touched:,} buffer pages"
        )


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minsheng.settings")
    import django

    django.setup()
    for line in bench_growth():
        print(line, flush=True)
