"""Two people acting on one case at the same moment: exactly one wins, nothing is lost (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from minsheng.accounts.roles import Role
from minsheng.catalog.models import Item
from minsheng.intake.models import ItemCase
from minsheng.intake.services import ItemRequest, application_submit, case_decide
from minsheng.testing import build_personas, make_person

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs a server database with real row locks"),
]


def test_two_simultaneous_decisions_on_one_case_leave_exactly_one() -> None:
    personas = build_personas()
    item = Item.objects.get(number=30)
    application = application_submit(
        actor=personas[Role.VILLAGE_WORKER],
        person=make_person(personas.village),
        requests=[ItemRequest(item=item, materials_provided=tuple(item.materials))],
        on_behalf=True,
    )
    case = application.cases.get()
    handler = personas[Role.DEPARTMENT_HANDLER]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def decide(granted: bool) -> None:
        try:
            barrier.wait()
            case_decide(actor=handler, case=ItemCase.objects.unscoped().get(pk=case.pk), granted=granted, reason="并发")
            outcomes.append("granted" if granted else "refused")
        except ValidationError:
            outcomes.append("lost")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=decide, args=(flag,)) for flag in (True, False)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stored = ItemCase.objects.unscoped().get(pk=case.pk).status
    assert sorted(outcomes) in (["granted", "lost"], ["lost", "refused"])
    assert stored == next(o for o in outcomes if o != "lost")


def test_applications_submitted_at_the_same_moment_in_one_county_each_get_the_next_receipt_number() -> None:
    """Found by the load test: windows submitting at once read the same last number, and the three retries ran out
    (a 500). The county's day's numbers are now taken one window at a time."""
    personas = build_personas()
    item = Item.objects.get(number=30)
    windows = 8
    applicants = [make_person(personas.village, f"王{index}") for index in range(windows)]
    barrier = threading.Barrier(windows)
    outcomes: list[str] = []

    def submit(person: object) -> None:
        try:
            barrier.wait()
            application = application_submit(
                actor=personas[Role.VILLAGE_WORKER],
                person=person,  # type: ignore[arg-type]
                requests=[ItemRequest(item=item, materials_provided=tuple(item.materials))],
                on_behalf=True,
            )
            outcomes.append(application.receipt_number)
        except Exception as exc:  # the failure itself is what the test reports
            outcomes.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(person,)) for person in applicants]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    prefix = outcomes[0][:14]
    assert sorted(outcomes) == [f"{prefix}{n:05d}" for n in range(1, windows + 1)]
