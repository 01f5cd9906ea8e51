from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from minsheng.areas.models import Division
from minsheng.people.demo import demo_city
from minsheng.people.idnumbers import parse_id_number
from minsheng.people.models import Household, Membership, Person

pytestmark = pytest.mark.django_db


def test_the_demo_city_is_valid_everywhere_and_idempotent() -> None:
    today = dt.date(2026, 11, 29)
    counts = demo_city(scale=0.0003, seed=7, today=today)  # about one household a village
    persons = list(Person.objects.unscoped().all())
    villages = Division.objects.all().filter(code__startswith="3213", level="village").count()
    assert counts.villages == villages == 1440
    assert counts.persons == len(persons) and counts.persons > 2 * villages
    assert {p.hukou_area_id for p in persons} == set(
        Division.objects.all().filter(code__startswith="3213", level="village").values_list("code", flat=True)
    )
    for person in persons:
        parsed = parse_id_number(person.id_number, today=today)  # a valid check character, a real past date
        assert (parsed.birth_date, parsed.gender, parsed.address_code) == (
            person.birth_date,
            person.gender,
            person.hukou_area_id[:6],
        )
        assert person.id_masked == person.id_number[:6] + "*" * 8 + person.id_number[-4:]
    assert len({p.id_index for p in persons}) == len(persons)
    heads = Counter(Membership.objects.unscoped().filter(relation="head").values_list("household_id", flat=True))
    assert set(heads.values()) == {1} and len(heads) == Household.objects.unscoped().count() == counts.households
    again = demo_city(scale=0.0003, seed=7, today=today)
    assert (again.persons, Person.objects.unscoped().count()) == (0, len(persons))
