"""The demo's children on a small city: the workforce of the published figures, the register opened from the data,
an assessment and visits per case, places and projects, counted by the statistics; a second run adds nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from minsheng.accounts.models import RoleAssignment
from minsheng.areas.models import Division
from minsheng.children import demo
from minsheng.children.models import DERIVED_CATEGORIES, Assessment, CarePlace, CaseVisit, Child, Enrolment
from minsheng.payments.tests.factories import enrol
from minsheng.people.demo import demo_city
from minsheng.people.models import Membership
from minsheng.statistics import refresh
from minsheng.statistics.models import Cell

pytestmark = pytest.mark.django_db


def test_the_demo_children_and_their_figures() -> None:
    today = timezone.localdate()
    demo_city(scale=0.0003, seed=7, today=today)
    # unscoped: the test's own small city
    heads = Membership.objects.unscoped().filter(relation="head").select_related("person").order_by("household_id")
    for membership in heads[::3]:
        enrol(membership.person, first_month=dt.date(2025, 1, 1))

    done = demo.demo_children(scale=0.01, seed=3, today=today)

    townships = Division.objects.filter(code__startswith="3213", level="township").count()
    assert done["supervisors"] == min(95, townships) == RoleAssignment.objects.filter(role="child_supervisor").count()
    assert done["directors"] == 1401 == RoleAssignment.objects.filter(role="child_director").count()
    # unscoped: the test's own small city
    cases = Child.objects.unscoped()
    assert done["cases"] == cases.count() > 0
    # Every case opened from the data, each with the categories the data gives (低保 families, and children with a
    # serious illness or a grade 1-2 certificate in the registry's demo).
    assert all(c and set(c) <= DERIVED_CATEGORIES for c in cases.values_list("derived_categories", flat=True))
    assert any("poor_family" in c for c in cases.values_list("derived_categories", flat=True))
    assert Assessment.objects.count() == done["assessed"] == done["cases"]
    assert not cases.filter(colour="").exists()
    assert CaseVisit.objects.count() == done["visits"]
    assert (
        CarePlace.objects.unscoped().filter(kind="home").count(),
        CarePlace.objects.unscoped().filter(kind="base").count(),
    ) == (145, 30)
    assert done["projects"] == 4 and Enrolment.objects.count() == done["served"] <= 10
    assert demo.demo_children(scale=0.01, seed=3, today=today) == {}

    refresh.cells_rebuild()
    month = today.replace(day=1)

    def cell(indicator: str, dimension: str = "") -> tuple[int, int]:
        """The city's figure: the sum of its counties' cells."""
        rows = Cell.objects.filter(
            indicator=indicator, dimension=dimension, level=6, area__range=(321300000000, 321399999999), month=month
        )
        return sum(r.value for r in rows), sum(r.value2 for r in rows)

    assert cell("child_places", "home")[0] == 145 and cell("child_places", "base")[0] == 30
    assert cell("child_workforce", "child_director")[0] == 1401
    assert cell("child_workforce", "child_supervisor")[0] == done["supervisors"]
    assert sum(cell("children_open", c)[0] for c in ("red", "orange", "yellow", "green")) == done["cases"]
    assert cell("child_projects") == (done["projects"], done["served"])
