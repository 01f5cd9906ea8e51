"""Statistics benchmark (issue 7): the dashboard's server time for the city and for a village, the full rebuild of
the summary table, the incremental refresh, and the calibration of the city's figures against Suqian's published
ones.

Runs after the demo city, its caseload and its histories (``make bench``: at ``BENCH_CITY_SCALE``). Figures:

- **Rebuild**: ``refresh.cells_rebuild()`` — every indicator, every area, every month held — from the records.
- **Dashboard**: ``selectors.dashboard()`` as a city administrator for the city and as a village worker for the
  village with the most benefits, for the last complete half-year (where the demo's histories start) and for the
  year to date; each the median of ``SAMPLES`` calls after one warm-up, with the slowest. This is the server time
  of the page less its template. When the pages are mounted (``statistics:dashboard``), the whole request through
  Django's test client is timed as well.
- **Refresh**: ``cells_refresh()`` when nothing changed, and after one audited change in a village and one payroll
  event of the largest county (the refresh recomputes that village, or that county's payments).
- **Calibration**: the city's figures against the published ones of the BRIEF (a half-year: end of Q2 2023), each
  with the difference in per cent (scaled by ``BENCH_CITY_SCALE``). Periods: the stocks as at the last month of the
  demo's last complete half-year (``core.months.last_complete_half``) and the money of that half-year (the demo's
  payroll and temporary-assistance histories start with it and run to the present); consultations and applications
  over the months that hold the demo's one-window history (the 365 days before today).

Standalone, against an existing database (a clone: it writes the summary table and a few audit events there)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_stats BENCH_CITY_SCALE=1.0 MINSHENG_ENV=test \\
        .venv/bin/python -m benchmarks.statistics
"""

from __future__ import annotations

import functools
import os
import statistics
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from minsheng.accounts.models import User

SAMPLES = 15
CITY = "321300000000"

# The BRIEF's table (end of Q2 2023), in the dashboard's units: persons, fen, counts.
PUBLISHED: dict[str, int] = {
    "dibao_persons": 137_000,
    "tekun_persons": 17_500,
    "disabled_in_difficulty": 84_000,
    "children_in_difficulty": 9_597,
    "paid_total": 800_000_000 * 100,
    "temporary_paid": 14_580_000 * 100,
    "temporary_helped": 16_400,
    "consultations": 78_100,
    "applications": 33_100,
}


def _timed(function: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def _samples(function: Callable[[], Any], n: int = SAMPLES) -> tuple[float, float]:
    function()  # warm-up: connection, caches, the first refresh
    times = [_timed(function)[0] for _ in range(n)]
    return statistics.median(times), max(times)


def _user(username: str, role: str, area: Any) -> Any:
    from minsheng.accounts.models import RoleAssignment, User

    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_user(username=username, password=None, home_area=area, display_name=username)
        RoleAssignment.objects.create(user=user, role=role, division=area)
    return user


def _analyse() -> None:
    """Planner statistics of the tables read (a freshly loaded database has none; see the payroll benchmark)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table in (
            "assistance_benefit",
            "payments_paymentline",
            "payments_payrollbatch",
            "assistance_temporaryaid",
            "intake_consultation",
            "intake_application",
            "intake_itemcase",
            "audit_auditevent",
        ):
            cursor.execute(f"ANALYZE {table}")


def _half_year() -> Any:
    """The demo's last complete half-year as the dashboard's period."""
    from django.utils import timezone

    from minsheng.core.months import last_complete_half
    from minsheng.statistics.selectors import Period

    return Period(*last_complete_half(timezone.localdate()))


def _histories() -> list[str]:
    """The demo's one-window, temporary-assistance and payroll histories, when the database has none yet (``make
    bench`` builds the city and its caseload only; a clone of a ``demo_city`` database has them all)."""
    from minsheng.assistance.temporary.demo import demo_temporary_history
    from minsheng.assistance.temporary.models import TemporaryAid
    from minsheng.intake.demo import demo_history
    from minsheng.intake.models import Consultation
    from minsheng.payments.demo import demo_payroll_history
    from minsheng.payments.models import PayrollBatch

    scale = float(os.environ.get("BENCH_CITY_SCALE", "0.02"))
    notes = []
    # System jobs: the benchmark looks at the whole tables.
    if not Consultation.objects.unscoped().exists():
        demo_history(scale=scale, seed=2023)
        notes.append("statistics: one-window history added (demo_history)")
    if not PayrollBatch.objects.unscoped().exists():
        history = demo_payroll_history(seed=2023)
        if history.months:
            first, last = history.months
            notes.append(f"statistics: payroll history {first:%Y-%m} to {last:%Y-%m} added (demo_payroll_history)")
    elif not PayrollBatch.objects.unscoped().filter(period=_half_year().start).exists():
        notes.append("statistics: no payroll history (the payroll benchmark's batches came first): paid = 0")
    if not TemporaryAid.objects.unscoped().exists():
        demo_temporary_history(scale=scale, seed=2023)
        notes.append("statistics: temporary-assistance history added (demo_temporary_history)")
    return notes


def _busiest_village() -> Any:
    from django.db.models import Count

    from minsheng.areas.models import Division
    from minsheng.assistance.benefits.models import Benefit

    # A system job: the benchmark picks its village from the whole table.
    top = (
        Benefit.objects.unscoped()
        .values("area_code")
        .annotate(n=Count("id"))
        .order_by("-n", "area_code")
        .values_list("area_code", flat=True)
        .first()
    )
    return Division.objects.all().get(code=top)


def _page_seconds(user: User, area: Any, period: Any) -> tuple[float, float] | None:
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    try:
        url = reverse("statistics:dashboard")
    except NoReverseMatch:
        return None
    client = Client()
    client.force_login(user)
    query = {"area": area.code, "start": f"{period.start:%Y-%m}", "end": f"{period.end:%Y-%m}"}

    def get() -> None:
        response = client.get(url, query)
        assert response.status_code == 200, response.status_code

    return _samples(get)


def bench_statistics() -> list[str]:
    from django.db import connection
    from django.utils import timezone

    from minsheng.accounts.roles import Role
    from minsheng.areas.models import Division
    from minsheng.audit.services import audit_record
    from minsheng.core.months import first_day_of_next_month
    from minsheng.statistics import refresh, selectors
    from minsheng.statistics.models import Cell

    lines = _histories()
    _analyse()
    rebuild, _result = _timed(refresh.cells_rebuild)
    cells = Cell.objects.count()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE statistics_cell")
    lines.append(f"statistics: full rebuild of the summary table, {cells:,} cells: {rebuild:.2f} s")

    city = Division.objects.all().get(code=CITY)
    village = _busiest_village()
    admin = _user("bench-stats-city", Role.CITY_ADMIN, city)
    worker = _user("bench-stats-village", Role.VILLAGE_WORKER, village)
    half = _half_year()
    for label, period in (
        (f"{half.start:%Y-%m} to {half.end:%Y-%m}", half),
        ("year to date", selectors.default_period()),
    ):
        for who, user, area, goal in (("city", admin, city, 0.5), (f"village {village.code}", worker, village, 0.2)):
            median, slowest = _samples(
                functools.partial(selectors.dashboard, user=user, area_code=area.code, period=period)
            )
            mark = "✔" if median < goal else "✘"
            lines.append(
                f"statistics: dashboard() {who}, {label}: median {median * 1000:.1f} ms, "
                f"slowest {slowest * 1000:.1f} ms (goal < {goal * 1000:.0f} ms {mark})"
            )
            page = _page_seconds(user, area, period)
            if page is not None:
                lines.append(
                    f"statistics: dashboard page {who}, {label} (whole request, test client): "
                    f"median {page[0] * 1000:.1f} ms, slowest {page[1] * 1000:.1f} ms"
                )

    unchanged, _slowest = _samples(refresh.cells_refresh)
    lines.append(f"statistics: refresh with nothing changed: median {unchanged * 1000:.2f} ms")
    # One audited change in a village, then one payroll event of the largest county (沭阳县).
    audit_record(actor=None, action="intake.case_decided", area_code=village.code, reason="benchmark")
    one_village, result = _timed(refresh.cells_refresh)
    lines.append(
        f"statistics: refresh after a change in one village: {one_village * 1000:.1f} ms ({result.events} event)"
    )
    # A payroll event naming its batch (as the services write them): the county's payments of that batch's months.
    from minsheng.payments.models import PayrollBatch

    batch = PayrollBatch.objects.unscoped().filter(area_code="321322000000").order_by("-period", "programme").first()
    if batch is not None:
        audit_record(actor=None, action="payments.bank_return_imported", obj=batch, area_code=batch.area_code)
        one_batch, result = _timed(refresh.cells_refresh)
        lines.append(
            f"statistics: refresh after a bank return of 沭阳县's {batch.programme} batch of {batch.period:%Y-%m} "
            f"(the county's payments of that batch's months): {one_batch * 1000:.1f} ms"
        )
    # A payroll event naming no batch: the county's payments of every month held.
    audit_record(actor=None, action="payments.bank_return_imported", area_code="321322000000", reason="benchmark")
    one_county, result = _timed(refresh.cells_refresh)
    lines.append(
        f"statistics: refresh after a payroll event of 沭阳县 naming no batch (its payments of every month): "
        f"{one_county * 1000:.1f} ms"
    )
    lines += calibration(admin)
    # A month begins: the refresh adds the new month's cells (every area) instead of rebuilding. Timed as if today
    # were the first of next month, then the table is rebuilt for the real today.
    today = timezone.localdate()
    next_first = first_day_of_next_month(today.replace(day=1))
    extension, result = _timed(lambda: refresh.cells_refresh(today=next_first))
    assert result.extended and not result.rebuilt, result
    lines.append(f"statistics: refresh on the first day of a new month (its cells added): {extension:.2f} s")
    refresh.cells_rebuild()
    return lines


def calibration(user: User) -> list[str]:
    """The city's figures against the published ones (× BENCH_CITY_SCALE), with the difference in per cent."""
    from django.utils import timezone

    from minsheng.core.months import month_of
    from minsheng.statistics import selectors
    from minsheng.statistics.selectors import Period

    scale = float(os.environ.get("BENCH_CITY_SCALE", "0.02"))
    half = _half_year()
    half_year = selectors.dashboard(user=user, area_code=None, period=half)
    today = timezone.localdate()
    # The one-window history: the 365 days before today lie in the months from today's month a year ago.
    year_back = Period(month_of(today.replace(year=today.year - 1)), month_of(today))
    window = selectors.dashboard(user=user, area_code=None, period=year_back)
    shown = {f.key: f.value for f in half_year.figures if f.available}
    shown.update(
        {k: v for k, v in ((f.key, f.value) for f in window.figures) if k in ("consultations", "applications")}
    )
    lines = [
        f"calibration at scale {scale} (published × {scale}): stocks as at {half.end:%Y-%m}, "
        f"money {half.start:%Y-%m} to {half.end:%Y-%m}, "
        f"one window {year_back.start:%Y-%m} to {year_back.end:%Y-%m}"
    ]
    for key, published in PUBLISHED.items():
        target = published * scale
        value = shown.get(key) or 0
        difference = 100 * (value - target) / target if target else 0.0
        mark = "within 1%" if abs(difference) <= 1 else "off by more than 1%"
        if key.endswith("paid") or key == "paid_total":
            lines.append(f"  {key}: {value / 100:,.2f} yuan against {target / 100:,.2f} ({difference:+.2f} %, {mark})")
        else:
            lines.append(f"  {key}: {value:,} against {target:,.0f} ({difference:+.2f} %, {mark})")
    return lines


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minsheng.settings")
    os.environ.setdefault("MINSHENG_ENV", "test")
    import django

    django.setup()
    for line in bench_statistics():
        print("  " + line, flush=True)
