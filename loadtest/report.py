"""The load test's figures as the table of docs/benchmarks.md: ``python loadtest/report.py var/loadtest/result``.

Reads locust's ``<prefix>_stats.csv`` and prints, per page, the requests, failures, p50/p95/p99 in milliseconds and
the goal: p95 under 200 ms for the window pages, under 500 ms for searches and the dashboard (sign-in has none: it
is slow on purpose, Argon2).
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

SEARCH_GOAL_MS = 500
WINDOW_GOAL_MS = 200
GOALS = {"search a person": SEARCH_GOAL_MS, "dashboard": SEARCH_GOAL_MS, "sign in": None, "sign in (page)": None}


def table(stats_csv: Path) -> str:
    with stats_csv.open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    lines = [
        "| page | requests | failures | p50 ms | p95 ms | p99 ms | goal (p95) |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in sorted(rows, key=lambda r: (r["Name"] == "Aggregated", r["Name"])):
        name = row["Name"]
        p95 = int(float(row["95%"]))
        if name == "Aggregated":
            goal = f"{float(row['Requests/s']):.1f} requests/s"
        else:
            limit = GOALS.get(name, WINDOW_GOAL_MS)
            goal = "—" if limit is None else f"< {limit} {'✔' if p95 < limit else '✘'}"
        lines.append(
            f"| {name} | {row['Request Count']} | {row['Failure Count']} | {int(float(row['50%']))} | {p95} | "
            f"{int(float(row['99%']))} | {goal} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    prefix = sys.argv[1] if len(sys.argv) > 1 else "var/loadtest/result"
    print(table(Path(f"{prefix}_stats.csv")))
