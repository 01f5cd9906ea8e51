"""Person search reads the index entries of the caller's area only (issue 22, point 2): the door's prefix match is
restated as the caller's divisions, so the planner descends the (area, pinyin) indexes once per division."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from minsheng.accounts.roles import Role
from minsheng.areas.models import Division
from minsheng.people.models import Person
from minsheng.people.selectors import PersonQuery, person_search
from minsheng.testing import Personas, copies, elsewhere, index_plan, list_query, make_person

pytestmark = pytest.mark.django_db


def _other_county_village() -> Division:
    village = Division.objects.filter(code__startswith="321322", level="village").order_by("code").first()
    assert village is not None
    return village


def test_the_search_finds_the_area_and_only_the_area(personas: Personas) -> None:
    p = personas
    here = make_person(p.village, "王芳")
    lodger = make_person(_other_county_village(), "王芳", residence_area=p.village)  # lives here, registered there
    make_person(_other_county_village(), "王芳")  # another county: not the township's
    same_sound = make_person(p.village, "汪洋")
    initials = make_person(p.village, "吴芳")
    township = p[Role.TOWNSHIP_WINDOW]

    def found(name: str) -> list[int]:
        return sorted(person.pk for person in person_search(user=township, query=PersonQuery(name=name)))

    assert found("王") == sorted([here.pk, lodger.pk, same_sound.pk])
    assert found("wangfang") == sorted([here.pk, lodger.pk])
    assert found("wf") == sorted([here.pk, lodger.pk, initials.pk])  # 王芳 and 吴芳 alike
    assert found("wy") == [same_sound.pk]
    assert found("wuf") == [initials.pk]
    city = p[Role.CITY_ADMIN]
    assert len(person_search(user=city, query=PersonQuery(name="王芳"))) == 3  # 宿迁市: both counties, all three


@pytest.mark.parametrize("rows", [5, 50])
def test_a_name_search_costs_the_same_queries_for_5_matches_as_for_50(
    personas: Personas, django_assert_num_queries: Any, rows: int
) -> None:
    for k in range(rows):
        make_person(personas.village, "王芳", birth=f"19{50 + k % 40}-01-01")
    client = Client()
    client.force_login(personas[Role.TOWNSHIP_WINDOW])
    client.get(reverse("people:search"), {"name": "王"})
    with django_assert_num_queries(6):  # with the menu badge of open volunteer tasks
        response = client.get(reverse("people:search"), {"name": "王"})
    assert len(response.context["results"]) == rows


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan is PostgreSQL's")
@pytest.mark.parametrize("name", ["王", "wf"])
def test_a_name_search_ranges_over_the_callers_divisions_in_the_area_indexes(personas: Personas, name: str) -> None:
    here = make_person(personas.village, "王芳")

    def resident(k: int, row: Person) -> None:  # the 王 of the rest of the platform
        row.id_index, row.hukou_area_id, row.residence_area_id = f"noise{k:08d}", elsewhere(k), elsewhere(k)

    copies(here, 3000, resident)
    client = Client()
    client.force_login(personas[Role.TOWNSHIP_WINDOW])
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("people:search"), {"name": name}).status_code == 200
    plan = index_plan(list_query(captured.captured_queries, "people_person"), "people_person")
    assert "person_hukou_search" in plan and "person_residence_search" in plan, plan
    conditions = [line for line in plan.splitlines() if "Index Cond" in line and "name_pinyin" in line]
    # Each area index is read for the township only (its divisions, = ANY, or its code range) and the pinyin prefix,
    # both in the index condition: no entry of another area is read.
    assert len(conditions) == 2, plan
    for condition in conditions:
        assert "_area_id = ANY" in condition or "_area_id)::text ~>=~ '321302001'" in condition, plan
        assert "name_pinyin)::text >=" in condition and "name_pinyin)::text <" in condition, plan
