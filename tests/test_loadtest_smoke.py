"""The load test's scenario (loadtest/locustfile.py) keeps working: one user of every role runs its journeys for a
few seconds against the live test server, and locust must record no failure (a page moved, a form changed, an
answer other than the expected one). The figures themselves come from `make loadtest` (docs/benchmarks.md).

A test of the suite rather than a step of .ci/run on the demo city: building even a small demo takes longer than the
minute such a step may cost, while this needs only the personas and a few residents (about 20 s)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from minsheng.accounts.roles import Role
from minsheng.catalog.models import Item
from minsheng.testing import PASSWORD, build_personas, make_person

pytestmark = [
    pytest.mark.load,
    pytest.mark.django_db(transaction=True),
    # The in-memory SQLite test database locks whole tables between the live server's threads ("database table is
    # locked" at once, no busy timeout): several users at once need a server database. CI runs it on PostgreSQL.
    pytest.mark.skipif(connection.vendor != "postgresql", reason="several users at once need PostgreSQL"),
]

ROOT = Path(__file__).resolve().parent.parent
LOCUST = Path(sys.executable).parent / "locust"


def _data(tmp_path: Path) -> Path:
    from minsheng.payments.services import payroll_generate
    from minsheng.payments.tests.factories import enrol, payee

    p = build_personas()
    village = [
        make_person(p.village, name, birth=f"19{60 + i}-01-01") for i, name in enumerate(["王芳", "王强", "李明"])
    ]
    enrol(payee(p.village, "赵敏"))
    payroll_generate(
        actor=p[Role.COUNTY_PAYMENT_OFFICER], county=p.county, programme="dibao", period=dt.date(2026, 2, 1)
    )
    residents = [{"name": person.name, "id_number": person.id_number} for person in village]
    roles = {
        "village": Role.VILLAGE_WORKER,
        "township": Role.TOWNSHIP_WINDOW,
        "county": Role.COUNTY_APPROVER,
        "payment": Role.COUNTY_PAYMENT_OFFICER,
        "education": Role.DEPARTMENT_HANDLER,
    }
    items = list(Item.objects.filter(number__in=(29, 30, 31, 32)).values_list("pk", flat=True))
    users = {key: [{"username": p[role].username, "residents": residents}] for key, role in roles.items()}
    path = tmp_path / "loadtest.json"
    path.write_text(json.dumps({"password": PASSWORD, "items": items, "users": users}), encoding="utf-8")
    return path


def test_every_journey_of_the_load_test_runs_without_a_failure(live_server: Any, tmp_path: Path) -> None:
    data = _data(tmp_path)
    environment = {
        **os.environ,
        "LOADTEST_DATA": str(data),
        "LOAD_FIXED_COUNT": "1",
        "LOAD_WAIT": "0.05,0.2",
    }
    finished = subprocess.run(
        [
            str(LOCUST),
            "-f",
            str(ROOT / "loadtest" / "locustfile.py"),
            "--headless",
            "--users",
            "5",
            "--spawn-rate",
            "5",
            "--run-time",
            "12s",
            "--host",
            live_server.url,
            "--csv",
            str(tmp_path / "smoke"),
            "--only-summary",
        ],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    with (tmp_path / "smoke_stats.csv").open(encoding="utf-8") as file:
        rows = {row["Name"]: row for row in csv.DictReader(file)}
    failures = {name: row["Failure Count"] for name, row in rows.items() if row["Failure Count"] != "0"}
    assert finished.returncode == 0 and not failures, (failures, finished.stderr[-3000:])
    journeys = {name for name, row in rows.items() if int(row["Request Count"]) > 0} - {"Aggregated"}
    assert journeys >= {
        "sign in",
        "search a person",
        "open a person's file",
        "record a consultation",
        "submit an application",
        "inbox",
        "overdue list",
        "dashboard",
        "payroll list",
    }, journeys
