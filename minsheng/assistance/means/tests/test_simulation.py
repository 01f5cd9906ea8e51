"""Policy simulation: exact joiners, leavers and budget change; the set-based run equals single decisions."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from minsheng.accounts.roles import Role
from minsheng.assistance.means.facts import current_statuses
from minsheng.assistance.means.models import Simulation
from minsheng.assistance.means.services import authorisation_record, economic_status_new, status_line_add
from minsheng.assistance.means.simulation import _simulate_part, simulate
from minsheng.testing import PASSWORD, Personas, build_personas, make_household, make_person, make_user

pytestmark = pytest.mark.django_db

ON = dt.date(2026, 1, 15)


def _household(personas: Personas, monthly_income_yuan: int, persons: int) -> None:
    actor = personas[Role.TOWNSHIP_WINDOW]
    people = [make_person(personas.village, "吴" + "甲乙丙"[i], birth="1985-01-01") for i in range(persons)]
    household = make_household(personas.village, people[0], *[(p, "spouse") for p in people[1:]])
    status = economic_status_new(actor=actor, household=household, window_end=dt.date(2026, 1, 1))
    if monthly_income_yuan:
        status_line_add(
            actor=actor,
            status=status,
            line="income",
            data={"person": people[0], "kind": "wage", "amount_fen": monthly_income_yuan * 100 * 12},
        )
    authorisation_record(
        actor=actor,
        status=status,
        serial=f"S-{status.pk}",
        signed_on=dt.date(2026, 1, 1),
        channel="paper",
        signers=[(p, "") for p in people],
    )


@pytest.fixture
def three_households(personas: Personas) -> None:
    _household(personas, 900, 1)  # ¥900 a month alone: above ¥880, below ¥950
    _household(personas, 0, 2)  # no income: 2 × the standard
    _household(personas, 860, 1)  # ¥860 alone: ¥20 under ¥880, nothing under ¥850


def test_raising_the_standard_brings_in_a_household_and_costs_the_difference(
    personas: Personas, three_households: None
) -> None:
    result = simulate(area_prefix="321302", on=ON, standard_fen=95_000)
    assert (result.households_assessed, result.joining, result.leaving) == (3, 1, 0)
    assert result.before.dibao_fen == 176_000 + 2_000  # (2 × ¥880) + ¥20
    assert result.after.dibao_fen == 5_000 + 190_000 + 9_000
    assert result.budget_change_fen == 26_000


def test_lowering_the_standard_makes_a_household_leave(personas: Personas, three_households: None) -> None:
    result = simulate(area_prefix="321302", on=ON, standard_fen=85_000)
    assert (result.joining, result.leaving) == (0, 1)
    assert result.budget_change_fen == 170_000 - 178_000


def test_the_simulation_page_runs_the_task_and_shows_the_result(
    personas: Personas, three_households: None, django_capture_on_commit_callbacks: Any
) -> None:
    client = Client()
    client.login(username=personas[Role.COUNTY_APPROVER].username, password=PASSWORD)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("assistance:simulations"),
            {"area": personas.county.code, "from_month": "2026-01-01", "standard": "950"},
        )
    run = Simulation.objects.unscoped().get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "assistance:simulation_detail", args=[run.pk]
    )
    assert (run.status, run.progress_done, run.progress_total) == ("done", 1, 1)
    assert run.result is not None
    assert (run.result["joining"], run.result["leaving"], run.result["budget_change_fen"]) == (1, 0, 26_000)
    page = client.get(response["Location"]).content.decode()
    assert "+¥260.00" in page


def test_a_standard_out_of_range_is_refused_with_a_clear_message(personas: Personas) -> None:
    client = Client()
    client.login(username=personas[Role.COUNTY_APPROVER].username, password=PASSWORD)
    response = client.post(
        reverse("assistance:simulations"), {"area": personas.county.code, "from_month": "2026-01-01", "standard": "9"}
    )
    assert response.status_code == 400
    assert "请输入 ¥100 至 ¥10000 之间的标准。" in response.content.decode()
    assert not Simulation.objects.unscoped().exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="counties run in parallel processes on PostgreSQL only")
def test_counties_in_parallel_processes_add_up_to_the_serial_run() -> None:
    personas = build_personas()
    _household(personas, 900, 1)
    _household(personas, 0, 2)
    elsewhere = Personas(**{**personas.__dict__, "village": personas.other_village})
    elsewhere.users[Role.TOWNSHIP_WINDOW] = make_user("window_elsewhere", Role.TOWNSHIP_WINDOW, personas.other_township)
    _household(elsewhere, 300, 3)
    parallel = simulate(area_prefix="3213", on=ON, standard_fen=95_000)
    count, before, after = _simulate_part((list(current_statuses("3213").values_list("id", flat=True)), ON, 95_000))
    assert (parallel.households_assessed, count) == (3, 3)
    assert parallel.before.as_dict() == before.as_dict()
    assert parallel.after.as_dict() == after.as_dict()
    # ¥300 shared by 3 is ¥100 each: ¥880 × 2 + (¥880 − ¥100) × 3 = ¥4,100 before; ¥50 + ¥1,900 + ¥2,550 after.
    assert (parallel.before.dibao_fen, parallel.after.dibao_fen) == (410_000, 450_000)
