"""Children in difficulty benchmark (issue 19, point 8), against a demo city with the children's demo step run:

- **director's list**: ``GET /children/`` of the director of the village with the most open cases, through Django's
  test client, ``REPEAT`` times after two warm-up requests: the median and the slowest (goal < 200 ms);
- **a child's file**: ``GET /children/<pk>/`` of that village's case with the most visits, the same way (goal
  < 200 ms);
- **monthly recomputation**: ``visits_due_recompute`` — every open case's next visit due from its colour's interval
  in force, set-based, and the escalation of red children past their due date (goal < 10 s at scale 1.0);
- the **published figures** the demo reproduces (BRIEF.md: 9,597 children in difficulty — the allowances paid —;
  95 townships with a supervisor; 1,401 villages with a director; 145 children's homes; 30 practice bases;
  400+ care projects serving 1,000+ children), counted from the records.

Standalone against a clone of a demo city (``bench_city1``) into which the children's app was migrated and its demo
step run (docs/benchmarks.md)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_children BENCH_CITY_SCALE=1.0 MINSHENG_ENV=test \\
        .venv/bin/python -m benchmarks.children
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Iterator
from typing import Any

REPEAT = 20
TARGETS = {
    "children in difficulty (allowances paid)": 9_597,
    "townships with a supervisor": 95,
    "villages with a director": 1_401,
    "children's homes": 145,
    "practice bases": 30,
    "care projects": 400,
    "children served": 1_000,
}


def _timed_get(user: Any, url: str) -> tuple[float, float, int]:
    from django.test import Client

    client = Client()
    client.force_login(user)
    for _ in range(2):
        assert client.get(url).status_code == 200
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200
    return statistics.median(times) * 1000, max(times) * 1000, len(response.content)


def _figures() -> dict[str, int]:
    from minsheng.accounts.models import RoleAssignment
    from minsheng.assistance.benefits.demo import published_figures
    from minsheng.children.models import CarePlace, CareProject, Enrolment

    # unscoped: the benchmark counts the whole city's records
    places = CarePlace.objects.unscoped()
    return {
        "children in difficulty (allowances paid)": published_figures()["children"],
        "townships with a supervisor": RoleAssignment.objects.filter(role="child_supervisor")
        .values("division")
        .distinct()
        .count(),
        "villages with a director": RoleAssignment.objects.filter(role="child_director")
        .values("division")
        .distinct()
        .count(),
        "children's homes": places.filter(kind="home").count(),
        "practice bases": places.filter(kind="base").count(),
        # unscoped: the benchmark counts the whole city's records
        "care projects": CareProject.objects.unscoped().count(),
        "children served": Enrolment.objects.count(),
    }


def bench_children() -> Iterator[str]:
    from django.db.models import Count
    from django.urls import reverse
    from django.utils import timezone

    from minsheng.accounts.models import RoleAssignment
    from minsheng.children.models import Child
    from minsheng.children.services import visits_due_recompute

    # unscoped: the benchmark counts the whole register
    cases = Child.objects.unscoped().filter(status=Child.Status.OPEN)
    total = cases.count()
    for name, value in _figures().items():
        target = TARGETS[name]
        off = abs(value - target) / target * 100
        yield f"children: {name} {value:,} (published {target:,}, off {off:.2f} % {'✔' if off <= 1 else '✘'})"
    yield f"children: {total:,} open case files (every category the data gives, 低保/特困 family children included)"
    busiest = (
        cases.filter(area_code__in=RoleAssignment.objects.filter(role="child_director").values("division_id"))
        .values("area_code")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    assert busiest is not None
    director = RoleAssignment.objects.get(role="child_director", division_id=busiest["area_code"]).user
    median, slowest, size = _timed_get(director, reverse("home"))
    yield (
        f"children: baseline, the same director's home page (the shared layout, header counts, session): median "
        f"{median:.0f} ms, slowest {slowest:.0f} ms of {REPEAT} — the machine's load at the time"
    )
    median, slowest, size = _timed_get(director, reverse("children:child_list"))
    yield (
        f"children: the director's list ({busiest['n']:,} open cases in {busiest['area_code']}): median "
        f"{median:.0f} ms, slowest {slowest:.0f} ms of {REPEAT}, {size / 1024:.0f} KB "
        f"(goal < 200 ms {'✔' if median < 200 else '✘'})"
    )
    child = cases.filter(area_code=busiest["area_code"]).annotate(v=Count("visits")).order_by("-v", "id").first()
    assert child is not None
    median, slowest, size = _timed_get(director, reverse("children:child_detail", args=[child.pk]))
    yield (
        f"children: a child's file ({child.v} visits): median {median:.0f} ms, slowest {slowest:.0f} ms of "
        f"{REPEAT}, {size / 1024:.0f} KB (goal < 200 ms {'✔' if median < 200 else '✘'})"
    )
    started = time.perf_counter()
    counts = visits_due_recompute(today=timezone.localdate())
    seconds = time.perf_counter() - started
    yield (
        f"children: monthly recomputation of the visits due: {counts['updated']:,} cases, {counts['escalated']:,} red "
        f"escalated, in {seconds:.2f} s (goal < 10 s {'✔' if seconds < 10 else '✘'})"
    )


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minsheng.settings")
    os.environ.setdefault("MINSHENG_ENV", "test")
    import django

    django.setup()
    for line in bench_children():
        print("  " + line, flush=True)
