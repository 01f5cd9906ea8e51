"""Who is a child in difficulty: the categories derived from the registry and the programmes (DOMAIN §6.2)."""

from __future__ import annotations

import datetime as dt

import pytest

from minsheng.audit.models import AuditEvent
from minsheng.children.categories import categories_refresh
from minsheng.children.models import Child
from minsheng.children.rules import de_facto_unsupported
from minsheng.children.tests.factories import TODAY
from minsheng.payments.tests.factories import enrol as running_benefit
from minsheng.people.models import DisabilityCertificate, Person
from minsheng.testing import Personas, make_household, make_person

pytestmark = pytest.mark.django_db


def _case(person: Person) -> Child:
    return Child.objects.unscoped().get(person=person)


def test_derived_categories_open_one_case_per_child(personas: Personas) -> None:
    p = personas
    # A 低保 family with two children under 18 and one of 19.
    mother = make_person(p.village, "张丽", birth="1984-01-01")
    small = make_person(p.village, "张一", birth="2015-05-05")
    disabled = make_person(p.village, "张二", birth="2012-05-05")
    grown = make_person(p.village, "张三", birth="2007-01-01")
    make_household(p.village, mother, (small, "child"), (disabled, "child"), (grown, "child"))
    running_benefit(mother, "dibao")
    DisabilityCertificate.objects.create(
        person=disabled, number="x" * 20, category=4, grade=1, valid_from=dt.date(2020, 1, 1)
    )
    # An orphan paid the living allowance, and a de facto unsupported child paid it too.
    orphan = make_person(p.village, "王孤", birth="2014-03-03")
    running_benefit(orphan, "orphan", 160_000, category="orphan")
    unsupported = make_person(p.village, "赵实", birth="2013-03-03")
    running_benefit(unsupported, "orphan", 159_000, category="de_facto")
    # A child with a stopped 重病重残 allowance is nobody's case.
    stopped = make_person(p.village, "钱停", birth="2013-03-03")
    running_benefit(stopped, "child_ill", 50_000, status="stopped", stopped_from=dt.date(2026, 3, 1))

    counts = categories_refresh(today=TODAY)

    assert (counts.opened, counts.changed) == (4, 0)
    assert _case(small).derived_categories == ["poor_family"]
    assert _case(disabled).derived_categories == ["ill_disabled", "poor_family"]
    assert _case(orphan).derived_categories == ["orphan"]
    assert _case(unsupported).derived_categories == ["de_facto"]
    assert not Child.objects.unscoped().filter(person__in=[grown, stopped, mother]).exists()
    assert _case(small).area_code == p.village.code and _case(small).stage == "assessment"
    event = AuditEvent.objects.unscoped().get(action="children.categories_refreshed")
    assert event.after is not None
    assert (event.area_code, event.after["opened"]) == (p.county.code, 4)

    # Kept current: the 低保 stops; the children keep their open case, without the category; nothing opens twice.
    from minsheng.assistance.benefits.models import Benefit

    Benefit.objects.unscoped().filter(programme="dibao").update(status="stopped", stopped_from=dt.date(2026, 6, 1))
    counts = categories_refresh(today=TODAY)
    assert (counts.opened, counts.changed) == (0, 2)
    assert _case(small).derived_categories == []
    assert _case(disabled).derived_categories == ["ill_disabled"]
    assert Child.objects.unscoped().count() == 4


def test_two_dead_parents_in_the_registry_make_an_orphan(personas: Personas) -> None:
    p = personas
    father = make_person(p.village, "周父", status=Person.Status.DECEASED, status_date=dt.date(2024, 1, 1))
    mother = make_person(p.village, "周母", status=Person.Status.DECEASED, status_date=dt.date(2024, 1, 1))
    child = make_person(p.village, "周儿", birth="2012-08-08")
    make_household(p.village, father, (mother, "spouse"), (child, "child"))
    categories_refresh(today=TODAY)
    assert _case(child).derived_categories == ["orphan"]


@pytest.mark.parametrize(
    ("father", "mother", "expected"),
    [
        ("prison", "ill", True),  # both unable
        ("deceased", "out_of_contact", True),  # one gone, the other unable
        ("missing", "rehab", True),
        ("deceased", "deceased", False),  # an orphan, not this category
        ("deceased", "present", False),
        ("prison", "present", False),
        ("present", "present", False),
    ],
)
def test_de_facto_unsupported(father: str, mother: str, expected: bool) -> None:
    assert de_facto_unsupported(father, mother) is expected
