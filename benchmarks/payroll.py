"""Payroll benchmark (issue 6): generate one month's payroll of every monthly programme for every county, through
the real service, against a single plain ``INSERT … SELECT`` of the same rows into an unindexed scratch table.

Runs after the programmes benchmarks (their demo caseload, ``assistance.benefits.demo``, is the city's running
benefits; at ``BENCH_CITY_SCALE=1.0`` about 200,000). Two figures:

- **Suqian**: ``payroll_generate`` for each of the city's 6 counties and each monthly programme (36 batches), as a
  county payment officer of that county. Payment officers hold the preparing permission at county level only, so
  the benchmark creates one officer per county (no password, no other role): the measured path is exactly the
  one a user or the Celery task takes, with its permission check, the taper sweep, the batch lock and the audit
  event.
- **Jiangsu** (PostgreSQL only): ``1,500,000 × BENCH_CITY_SCALE`` synthetic 低保 benefits of existing persons
  without one, spread over Jiangsu's other counties (the division file of the division benchmark; loaded here if
  missing), inserted by one set-based ``INSERT … SELECT`` with their enrolment history, then generated per county
  in the same way. They are deleted afterwards, with their batches, so the benchmarks that follow see the city as
  the demo left it. On SQLite it is skipped with a note (its single writer and the 5-million-person city it would
  need are not what production runs).

The baseline is the SELECT that ``payroll_generate`` itself runs (same joins, same amount-of-the-month subquery over
the benefit history, same account copy) for all counties and programmes at once, inserted into a fresh table
without index or constraint. It runs just before the generation, so both see the same warm cache.

Standalone, against an existing database (a clone: it writes batches there and leaves them)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pay_a BENCH_CITY_SCALE=1.0 MINSHENG_ENV=test \\
        .venv/bin/python -m benchmarks.payroll
"""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path
from typing import Any

# The month paid: the month after the demo caseload's day (programmes.ON), which every demo benefit pays.
PERIOD = dt.date(2026, 11, 1)
CITY = "3213"
JIANGSU_BENEFITS = 1_500_000
DATA = Path(__file__).resolve().parent / "data"


def _officers(counties: list[Any]) -> dict[str, Any]:
    """One county payment officer per county (created once; no password, so nobody can sign in as them)."""
    from minsheng.accounts.models import RoleAssignment, User
    from minsheng.accounts.roles import Role

    officers = {}
    for county in counties:
        username = f"bench-payroll-{county.code[:6]}"
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(username=username, password=None, home_area=county, display_name=username)
            RoleAssignment.objects.create(user=user, role=Role.COUNTY_PAYMENT_OFFICER, division=county)
        officers[county.code] = user
    return officers


def _baseline(prefixes: list[str], programmes: list[str]) -> tuple[float, int]:
    """Seconds and rows of one plain INSERT … SELECT of the generation's rows into an unindexed scratch table (the
    faster of two runs, JIT at its default and off)."""
    from django.db import connection, transaction

    from minsheng.assistance.benefits.models import Benefit
    from minsheng.assistance.benefits.selectors import pays_in_sql
    from minsheng.payments.services import _amount_in, _date, _q
    from minsheng.people.models import Person

    period = _date(PERIOD)
    areas = " OR ".join("b.area_code LIKE %s" for _ in prefixes)
    marks = ", ".join("%s" for _ in programmes)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_payroll_baseline")
        cursor.execute(
            "CREATE TABLE bench_payroll_baseline (batch_id bigint, benefit_id bigint, payee_id bigint, "
            "area_code varchar(12), period date, amount_fen bigint, bank_name varchar(60), bank_account text, "
            "bank_account_masked varchar(40), status varchar(10))"
        )
    sql = f"""
        INSERT INTO bench_payroll_baseline
        SELECT 0, s.id, s.payee_id, s.area_code, %s, s.amount_fen, s.bank_name, s.bank_account,
            s.bank_account_masked, 'pending'
        FROM (
            SELECT b.id, b.payee_id, b.area_code, {_amount_in("b")} AS amount_fen,
                p.bank_name, p.bank_account, p.bank_account_masked
            FROM {_q(Benefit)} b JOIN {_q(Person)} p ON p.id = b.payee_id
            WHERE b.programme IN ({marks}) AND ({areas}) AND {pays_in_sql("b")}
        ) s
        WHERE s.amount_fen > 0
    """
    params = [period, period, *programmes, *(prefix + "%" for prefix in prefixes), period, period, period]
    # Timed with PostgreSQL's JIT at its default and switched off (as the generation runs), the faster counting:
    # the baseline is the best the plain statement does.
    timings = []
    for jit in ("DEFAULT", "off") if connection.vendor == "postgresql" else ("",):
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM bench_payroll_baseline")
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            if jit:
                cursor.execute(f"SET LOCAL jit = {jit}")
            cursor.execute(sql, params)
            rows = cursor.rowcount
        timings.append(time.perf_counter() - started)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_payroll_baseline")
    return min(timings), rows


def _generate_one(job: tuple[str, str, int]) -> tuple[float, int, int]:
    """One batch through ``payroll_generate``, as the county's officer: seconds, lines, lines held."""
    from minsheng.accounts.models import User
    from minsheng.areas.models import Division
    from minsheng.payments.services import payroll_generate

    county_code, programme, officer_id = job
    county = Division.objects.all().get(code=county_code)  # a system job addressed by code
    officer = User.objects.get(pk=officer_id)
    started = time.perf_counter()
    batch = payroll_generate(actor=officer, county=county, programme=programme, period=PERIOD)
    return time.perf_counter() - started, batch.line_count, batch.held_count


def _generate_all(counties: list[Any], programmes: list[str], workers: int = 1) -> tuple[float, float, int, int]:
    """Wall seconds and slowest batch's seconds of one generation per county and programme; lines and lines held.

    ``workers`` > 1 (PostgreSQL): the batches are shared by that many processes, largest counties first, as that
    many Celery workers share the month's generation tasks in production."""
    import multiprocessing

    from django.db import connections

    officers = _officers(counties)
    jobs = [(county.code, programme, officers[county.code].pk) for county in counties for programme in programmes]
    started = time.perf_counter()
    if workers > 1:
        connections.close_all()  # each process opens its own connection
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            results = pool.map(_generate_one, jobs, chunksize=1)
    else:
        results = [_generate_one(job) for job in jobs]
    wall = time.perf_counter() - started
    return wall, max(r[0] for r in results), sum(r[1] for r in results), sum(r[2] for r in results)


def _report(
    name: str, generation: tuple[float, float, int, int], baseline: tuple[float, int], batches: int, workers: int = 1
) -> str:
    total, slowest, lines, held = generation
    base_seconds, base_rows = baseline
    ratio = total / base_seconds if base_seconds else float("inf")
    verdict = "✔" if ratio <= 3 and (name != "Suqian" or total < 10) else "✘"
    goal = "goal at scale 1.0: ≤ 3× and < 10 s" if name == "Suqian" else "goal ≤ 3×"
    return (
        f"payroll {PERIOD:%Y-%m}, {name}: {lines:,} lines ({held:,} held back) in {batches} batches, "
        f"generated by {'one worker' if workers == 1 else f'{workers} workers'} in {total:.2f} s "
        f"(slowest batch {slowest:.2f} s); plain INSERT … SELECT of the same "
        f"{base_rows:,} rows {base_seconds:.2f} s; ratio {ratio:.1f}× ({goal} {verdict})"
    )


def _monthly_programmes() -> list[str]:
    from minsheng.assistance.programmes import Programme

    return [str(value) for value in Programme.values if value != Programme.TEMPORARY]


def bench_payroll_suqian() -> list[str]:
    from django.db import connection

    from minsheng.areas.models import Division
    from minsheng.testing import ensure_reference_data

    ensure_reference_data()
    # A system job: the benchmark picks every county of the city.
    counties = list(Division.objects.all().filter(level="county", code__startswith=CITY).order_by("code"))
    programmes = _monthly_programmes()
    lines = []
    if connection.vendor == "postgresql":
        # The demo has just written the city and its caseload; production's autovacuum would have analysed the
        # tables long before a payroll runs. Without statistics the planner guesses ~400 特困 benefits instead of
        # ~17,000 and probes the duplicate check through a bitmap of all of them for each line (docs/benchmarks.md).
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for table in ("assistance_benefit", "assistance_benefitchange", "people_person"):
                cursor.execute(f"ANALYZE {table}")
        lines.append(
            f"payroll: ANALYZE of benefits, their history and persons first, {time.perf_counter() - started:.1f} s"
        )
    baseline = _baseline([c.code[:6] for c in counties], programmes)
    batches = len(counties) * len(programmes)
    # Where the ratio comes from: the same plain statement once per batch, as the batches require.
    per_batch = sum(_baseline([c.code[:6]], [programme])[0] for c in counties for programme in programmes)
    lines.append(
        f"payroll: the plain INSERT … SELECT once per batch ({batches} statements) {per_batch:.2f} s, "
        f"{per_batch / baseline[0]:.1f}× the single statement"
    )
    lines.append(_report("Suqian", _generate_all(counties, programmes), baseline, batches))
    workers = os.cpu_count() or 1
    if connection.vendor == "postgresql" and workers > 1:
        _drop_batches([c.code for c in counties], PERIOD)
        generation = _generate_all(counties, programmes, workers=workers)
        lines.append(_report("Suqian", generation, baseline, batches, workers=workers))
    return lines


def _drop_batches(county_codes: list[str], period: dt.date) -> None:
    """Remove the month's batches of these counties, so that the same month can be generated again from nothing."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM payments_payrolljob WHERE area_code = ANY(%s) AND period = %s", [county_codes, period]
        )
        cursor.execute(
            "DELETE FROM payments_paymentline WHERE batch_id IN "
            "(SELECT id FROM payments_payrollbatch WHERE area_code = ANY(%s) AND period = %s)",
            [county_codes, period],
        )
        cursor.execute(
            "DELETE FROM payments_payrollbatch WHERE area_code = ANY(%s) AND period = %s", [county_codes, period]
        )


def _synthetic_benefits(count: int) -> tuple[list[Any], float]:
    """``count`` running 低保 benefits over Jiangsu's counties outside Suqian, by one INSERT … SELECT each for the
    benefits and their enrolment history. Returns the counties and the seconds it took."""
    from django.db import connection, transaction

    from minsheng.areas.models import Division
    from minsheng.areas.services import divisions_import, read_division_file

    divisions = Division.objects.all()  # a system job over the whole province
    if not divisions.filter(level="county").exclude(code__startswith=CITY).exists():
        result = divisions_import(rows=read_division_file(DATA / "jiangsu-2023.csv.gz"), source="bench")
        assert result.ok, result.errors[:3]
    counties = list(divisions.filter(level="county", code__startswith="32").exclude(code__startswith=CITY))
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_counties ON COMMIT DROP AS "
            "SELECT code, (row_number() OVER (ORDER BY code)) - 1 AS k FROM areas_division "
            "WHERE level = 'county' AND code LIKE '32%%' AND code NOT LIKE %s",
            [CITY + "%"],
        )
        cursor.execute(
            """
            INSERT INTO assistance_benefit (programme, area_code, category, covered, monthly_fen, first_month,
                review_months, next_review_on, status, created_at, updated_at, household_id, payee_id)
            SELECT 'dibao', c.code, 'bench', 1, 60000 + (s.n %% 50) * 1000, %s, 12, %s, 'active', now(), now(),
                s.household_id, s.person_id
            FROM (
                SELECT m.person_id, m.household_id, row_number() OVER (ORDER BY m.person_id) AS n
                FROM people_membership m
                WHERE m.left_on IS NULL AND NOT EXISTS (
                    SELECT 1 FROM assistance_benefit b WHERE b.payee_id = m.person_id AND b.programme = 'dibao'
                    AND b.status <> 'stopped')
                ORDER BY m.person_id LIMIT %s
            ) s JOIN bench_counties c ON c.k = s.n %% (SELECT count(*) FROM bench_counties)
            """,
            [dt.date(2026, 1, 1), dt.date(2027, 1, 1), count],
        )
        cursor.execute(
            "INSERT INTO assistance_benefitchange (kind, effective_month, new_fen, reason, created_at, benefit_id) "
            "SELECT 'enrol', first_month, monthly_fen, 'bench', now(), id FROM assistance_benefit "
            "WHERE category = 'bench'"
        )
        cursor.execute("ANALYZE assistance_benefit")
        cursor.execute("ANALYZE assistance_benefitchange")
    return counties, time.perf_counter() - started


def _drop_synthetic(counties: list[Any]) -> None:
    from django.db import connection, transaction

    codes = [c.code for c in counties]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM payments_paymentline WHERE batch_id IN "
            "(SELECT id FROM payments_payrollbatch WHERE area_code = ANY(%s))",
            [codes],
        )
        cursor.execute("DELETE FROM payments_payrollbatch WHERE area_code = ANY(%s)", [codes])
        cursor.execute(
            "DELETE FROM assistance_benefitchange WHERE benefit_id IN "
            "(SELECT id FROM assistance_benefit WHERE category = 'bench')"
        )
        cursor.execute("DELETE FROM assistance_benefit WHERE category = 'bench'")
    # 1.5 million dead rows slow every later scan of benefits until autovacuum passes (the Suqian generation run
    # after this took 17 s instead of 5 s): clean them now.
    with connection.cursor() as cursor:
        for table in ("payments_paymentline", "assistance_benefitchange", "assistance_benefit"):
            cursor.execute(f"VACUUM ANALYZE {table}")


def bench_payroll_jiangsu() -> list[str]:
    from django.db import connection

    if connection.vendor != "postgresql":
        return ["payroll, Jiangsu: skipped on SQLite (the synthetic benefits are inserted by PostgreSQL SQL)"]
    scale = float(os.environ.get("BENCH_CITY_SCALE", "0.02"))
    count = round(JIANGSU_BENEFITS * scale)
    counties, seconds = _synthetic_benefits(count)
    try:
        baseline = _baseline([c.code[:6] for c in counties], ["dibao"])
        reports = [_report("Jiangsu", _generate_all(counties, ["dibao"]), baseline, len(counties))]
        workers = os.cpu_count() or 1
        if workers > 1:
            _drop_batches([c.code for c in counties], PERIOD)
            generation = _generate_all(counties, ["dibao"], workers=workers)
            reports.append(_report("Jiangsu", generation, baseline, len(counties), workers=workers))
    finally:
        _drop_synthetic(counties)
    return [
        f"payroll, Jiangsu: {baseline[1]:,} synthetic 低保 benefits (1,500,000 × {scale}) over {len(counties)} "
        f"counties outside Suqian, inserted with their history in {seconds:.1f} s",
        *reports,
    ]


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minsheng.settings")
    os.environ.setdefault("MINSHENG_ENV", "test")
    import django

    django.setup()
    for bench in (bench_payroll_suqian, bench_payroll_jiangsu):
        for line in bench():
            print("  " + line, flush=True)
