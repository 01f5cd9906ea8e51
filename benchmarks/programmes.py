"""Programme benchmarks (issue 5): the demo caseload decided by the engine, and policy simulation over the city.

Runs after the demo city of ``registry.bench_demo_city`` (same scale, BENCH_CITY_SCALE). At scale 1.0 the
published figures (BRIEF.md) are the goal of the calibration; at other scales they are scaled for comparison.
"""

from __future__ import annotations

import datetime as dt
import os
import time

from django.utils import timezone

# The day of the caseload and of the simulation: fixed, so that two runs compare.
ON = dt.date(2026, 11, 1)


def bench_demo_programmes() -> list[str]:
    from minsheng.assistance.benefits.demo import TARGETS, demo_programmes
    from minsheng.testing import ensure_reference_data

    ensure_reference_data()  # the division benchmark's TRUNCATE … CASCADE emptied the rule values with the users
    scale = float(os.environ.get("BENCH_CITY_SCALE", "0.02"))
    counts = demo_programmes(seed=2023, today=ON)
    lines = [
        f"demo caseload: {counts.statuses:,} economic statuses, {counts.benefits:,} benefits decided by the engine "
        f"in {counts.seconds:.1f} s"
    ]
    for name, target in TARGETS.items():
        value = counts.figures[name]
        wanted = target * scale
        lines.append(f"  {name}: {value:,} (published {target:,} × {scale} = {wanted:,.0f}; {value / wanted - 1:+.1%})")
    return lines


def bench_simulation() -> list[str]:
    from minsheng.assistance.means.simulation import simulate

    started = time.perf_counter()
    result = simulate(area_prefix="3213", on=ON, standard_fen=95_000)
    seconds = time.perf_counter() - started
    return [
        f"policy simulation, whole city, standard ¥950 from {ON:%Y-%m}: {result.households_assessed:,} households "
        f"assessed twice in {seconds:.1f} s (goal at scale 1.0: < 30 s); {result.joining:,} join, "
        f"{result.leaving:,} leave, budget {result.budget_change_fen / 100:+,.2f} yuan a month "
        f"(at {timezone.now():%Y-%m-%d})"
    ]
