"""Volunteers benchmark (issue 21, point 8): search over 1.54 million volunteers, and a year of service hours summed
by area and month.

Standalone against a clone of the demo city at scale 1.0 with the volunteers' demo step run (``demo_volunteers``,
timed here when it has not run yet), with the keys it was built with::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_volunteers BENCH_CITY_SCALE=1.0 MINSHENG_ENV=test \\
        .venv/bin/python -m benchmarks.volunteers

Timed, in the same process, each query ``REPEAT`` times after a warm-up (p50, p95, slowest):

- **search** through ``selectors.volunteer_search`` as a township window worker (the scoping door's area prefix):
  by a common family name (张), by pinyin (``wang``), by a full name, by ID number (the blind index), by team, by a
  village's area code, the first page with no query; and as a city administrator by name (the whole city).
- **hours by area and month**: the year's hours per county and per township and month, (a) from the monthly totals
  kept with the records (``MonthlyHours``, what the statistics read) and (b) summed directly from the year's
  service records (the sample the demo writes: ``demo.ACTIVE_SHARE_PERMILLE`` of the volunteers each month).
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

REPEAT = 40


def _times(run: Callable[[], object]) -> tuple[float, float, float]:
    run()
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], times[-1]


def _user(role: str, code: str) -> Any:
    from minsheng.accounts.models import RoleAssignment, User
    from minsheng.areas.models import Division

    user, _new = User.objects.get_or_create(username=f"bench-volunteers-{role}")
    if not user.role_assignments.exists():
        RoleAssignment.objects.create(user=user, role=role, division=Division.objects.get(code=code))
    return User.objects.get(pk=user.pk)


def bench_volunteers() -> Iterator[str]:
    from django.db import connection
    from django.utils import timezone

    from minsheng.core.roles import Role
    from minsheng.volunteers import demo
    from minsheng.volunteers.models import Membership, Volunteer
    from minsheng.volunteers.selectors import VolunteerQuery, volunteer_search

    scale = float(os.environ.get("BENCH_CITY_SCALE", "1.0"))
    # unscoped: the benchmark checks whether the demo step ran
    if not Volunteer.objects.unscoped().exists():
        done = demo.demo_volunteers(scale=scale, seed=1)
        yield (
            f"demo step: {done.volunteers:,} volunteers, {done.teams:,} teams, {done.activities:,} activities, "
            f"{done.records:,} service records, {done.tasks:,} tasks in {done.seconds:.1f} s"
        )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE volunteers_volunteer")
        cursor.execute("SELECT COUNT(*) FROM volunteers_volunteer")
        (total,) = cursor.fetchone()
        cursor.execute("SELECT COUNT(*) FROM volunteers_team")
        (teams,) = cursor.fetchone()
        cursor.execute("SELECT COUNT(*) FROM volunteers_servicerecord")
        (records,) = cursor.fetchone()
        # The township with the most volunteers, a village of it, and one of its teams.
        cursor.execute(
            "SELECT substr(area_code, 1, 9), COUNT(*) FROM volunteers_volunteer GROUP BY 1 ORDER BY 2 DESC LIMIT 1"
        )
        township_prefix, _n = cursor.fetchone()
    yield f"{total:,} volunteers, {teams:,} teams, {records:,} service records in the year"
    township = township_prefix + "000"
    window = _user(Role.TOWNSHIP_WINDOW, township)
    admin = _user(Role.CITY_ADMIN, "321300000000")
    # unscoped: benchmark picks a sample volunteer of the township to look up
    sample = Volunteer.objects.unscoped().filter(area_code__startswith=township_prefix).order_by("id")[1000]
    team_id = Membership.objects.filter(volunteer=sample).values_list("team_id", flat=True).first()
    cases: list[tuple[str, Any, VolunteerQuery]] = [
        ("name 张 (township)", window, VolunteerQuery(text="张")),
        ("pinyin wang (township)", window, VolunteerQuery(text="wang")),
        (f"full name {sample.name[0]}… (township)", window, VolunteerQuery(text=sample.name)),
        ("ID number (township)", window, VolunteerQuery(text=sample.id_number)),
        ("team (township)", window, VolunteerQuery(team=team_id)),
        ("village area (township)", window, VolunteerQuery(area=sample.area_code)),
        ("no query, first page (township)", window, VolunteerQuery()),
        ("no query, page 20 (township)", window, VolunteerQuery(page=20)),
        ("name 李 (city)", admin, VolunteerQuery(text="李")),
        ("ID number (city)", admin, VolunteerQuery(text=sample.id_number)),
    ]
    worst = 0.0
    for label, user, query in cases:
        found = volunteer_search(user=user, query=query)
        p50, p95, slowest = _times(partial(volunteer_search, user=user, query=query))
        worst = max(worst, p95)
        yield f"search {label}: {len(found)} rows, p50 {p50:.1f} ms, p95 {p95:.1f} ms, slowest {slowest:.1f} ms"
    yield f"search p95, worst case: {worst:.1f} ms (target < 50 ms)"

    today = timezone.localdate()
    first = today.replace(day=1).replace(year=today.year - 1)
    from minsheng.volunteers.selectors import hours_by_area_month

    for digits, label in ((6, "county"), (9, "township")):
        rows = hours_by_area_month(area="3213", first=first, last=today, digits=digits)
        p50, p95, slowest = _times(partial(hours_by_area_month, area="3213", first=first, last=today, digits=digits))
        yield (
            f"hours by {label} and month from the monthly totals: {len(rows)} cells, p50 {p50:.1f} ms, p95 {p95:.1f} ms"
        )

    def direct(digits: int) -> list[Any]:
        month = "date_trunc('month', served_on)" if connection.vendor == "postgresql" else "substr(served_on, 1, 7)"
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT substr(area_code, 1, {digits}), {month}, SUM(hours_tenths) FROM volunteers_servicerecord "
                "WHERE served_on >= %s AND served_on <= %s GROUP BY 1, 2",
                [first, today],
            )
            return list(cursor.fetchall())

    for digits, label in ((6, "county"), (9, "township")):
        rows = direct(digits)
        p50, p95, slowest = _times(partial(direct, digits))
        yield (
            f"hours by {label} and month summed from {records:,} records: {len(rows)} cells, "
            f"p50 {p50:.1f} ms, p95 {p95:.1f} ms"
        )


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minsheng.settings")
    os.environ.setdefault("MINSHENG_ENV", "test")
    import django

    django.setup()
    for line in bench_volunteers():
        print("  " + line, flush=True)
