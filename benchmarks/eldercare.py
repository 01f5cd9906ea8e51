"""Elderly care benchmark (issue 18, point 7): a month's service orders for the care list (≈ 160,000 old people,
≈ 300,000 visits at scale 1.0) generated and the month's compliance computed, and a provider worker's visit list.

Against a database with the demo city and elderly care's demo step (the facilities, the list topped up to the
published figure, providers, contracts and the months of history with their visits). Timed, in the same process:

- **orders**: ``orders_generate`` of the month after the current one (no line of it exists yet): one order per
  contract and one line per person and service, two ``INSERT … SELECT`` statements;
- **compliance**: ``compliance_compute`` of the current month (its visits so far; the ROW_NUMBER window over the
  month's visits and one ``UPDATE … FROM``), then of the last complete month (all its visits);
- **the worker's list**: ``GET /eldercare/visits/`` of a staff account of the provider with the most lines this month,
  through Django's test client, ``REPEAT`` times after two warm-up requests: the median and the slowest.

Also the figures the statistics must reproduce: the facilities by kind and the old people on the list (published:
145 / 16 / 24 / 793 / 16 and 160,000 at scale 1.0).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_eldercare BENCH_CITY_SCALE=1.0 MINSHENG_ENV=test \\
        .venv/bin/python -m benchmarks.eldercare
"""

from __future__ import annotations

import datetime as dt
import os
import resource
import statistics
import time
from collections.abc import Iterator

REPEAT = 20


def _worker_list(provider_id: int) -> tuple[float, float, int, int]:
    from django.test import Client
    from django.urls import reverse

    from minsheng.accounts.models import RoleAssignment, User
    from minsheng.areas.models import Division
    from minsheng.eldercare.models import Provider

    # unscoped: the benchmark's own set-up reads the provider's county
    provider = Provider.objects.unscoped().get(pk=provider_id)
    username = f"bench-care-worker-{provider_id}"
    user = User.objects.filter(username=username).first()
    if user is None:
        county = Division.objects.all().get(code=provider.area_code)  # a system job addressed by code
        user = User.objects.create_user(username=username, password=None, home_area=county, display_name=username)
        RoleAssignment.objects.create(
            user=user, role="eldercare_provider_staff", division=county, organisation_id=provider_id
        )
    client = Client()
    client.force_login(user)
    url = reverse("eldercare:my_visits")
    for _ in range(2):
        assert client.get(url).status_code == 200
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200
    return statistics.median(times) * 1000, max(times) * 1000, len(response.content), response.content.count(b"<li")


def bench_eldercare() -> Iterator[str]:
    from django.db.models import Count
    from django.utils import timezone

    from minsheng.core.months import first_day_of_next_month, month_of
    from minsheng.eldercare.models import Elder, Facility, OrderLine
    from minsheng.eldercare.services import compliance_compute, orders_generate

    scale = float(os.environ.get("BENCH_CITY_SCALE", "0.02"))
    this = month_of(timezone.localdate())
    nxt = first_day_of_next_month(this)
    last = month_of(this - dt.timedelta(days=1))
    # unscoped: the benchmark's counts of the whole city
    kinds = dict(Facility.objects.unscoped().values_list("kind").annotate(n=Count("id")).values_list("kind", "n"))
    # unscoped: the same counts
    listed = Elder.objects.unscoped().filter(active=True).count()
    target = round(160_000 * scale)
    yield (
        f"eldercare: facilities {', '.join(f'{k} {kinds.get(k, 0)}' for k in Facility.Kind.values)}; "
        f"{listed:,} old people on the care list (published × scale {target:,}: "
        f"{100 * (listed - target) / target:+.2f} %)"
    )
    started = time.perf_counter()
    generated = orders_generate(month=nxt)
    orders = time.perf_counter() - started
    started = time.perf_counter()
    now = compliance_compute(month=this)
    current = time.perf_counter() - started
    started = time.perf_counter()
    ended = compliance_compute(month=last)
    complete = time.perf_counter() - started
    total = orders + complete
    yield (
        f"eldercare: orders of {nxt:%Y-%m}: {generated.orders:,} orders, {generated.lines:,} lines, "
        f"{generated.visits:,} visits owed in {orders:.1f} s"
    )
    yield (
        f"eldercare: compliance of {this:%Y-%m} (so far: {now.delivered:,} of {now.owed:,} delivered) in "
        f"{current:.1f} s; of {last:%Y-%m} ({ended.delivered:,} of {ended.owed:,} delivered, {ended.on_time:,} on "
        f"time, {ended.missed_lines:,} lines missing visits) in {complete:.1f} s"
    )
    yield f"eldercare: orders + a month's compliance {total:.1f} s (goal at 1.0: < 30 s {'✔' if total < 30 else '✘'})"
    # unscoped: the benchmark finds the provider with the most lines this month
    busiest = (
        OrderLine.objects.unscoped()
        .filter(month=this)
        .values("provider_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    assert busiest is not None
    median, slowest, size, items = _worker_list(busiest["provider_id"])
    yield (
        f"eldercare: a provider worker's visit list ({busiest['n']:,} lines this month, {items} shown): median "
        f"{median:.0f} ms, slowest {slowest:.0f} ms of {REPEAT}, {size / 1024:.0f} KB "
        f"(goal < 200 ms {'✔' if median < 200 else '✘'})"
    )
    yield f"eldercare: peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB"


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minsheng.settings")
    os.environ.setdefault("MINSHENG_ENV", "test")
    import django

    django.setup()
    for line in bench_eldercare():
        print("  " + line, flush=True)
