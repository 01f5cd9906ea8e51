"""The registry's API lists: a criterion for roles that may not browse, a page at a time, every answer audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from minsheng.accounts.roles import Role
from minsheng.audit.models import AuditEvent
from minsheng.testing import Personas, copies, elsewhere, index_plan, list_query, make_household, make_person

pytestmark = pytest.mark.django_db


def _client(personas: Personas, role: str) -> Client:
    client = Client()
    client.force_login(personas[role])
    return client


def _listed() -> list[tuple[str, str, str, str, Any]]:
    events = AuditEvent.objects.unscoped().filter(action="personal_data.listed").order_by("id")
    return [(e.kind, e.actor_username, e.object_type, e.area_code, e.after) for e in events]


@pytest.mark.parametrize("role", [Role.VILLAGE_WORKER, Role.TOWNSHIP_WINDOW, Role.TOWNSHIP_REVIEWER])
def test_village_and_township_roles_get_no_list_of_every_household(personas: Personas, role: str) -> None:
    make_household(personas.village, make_person(personas.village))
    response = _client(personas, role).get("/api/v1/households/?limit=200")
    assert response.status_code == 400
    assert response.json() == {"detail": "请给出户号、家庭成员的身份证号或区划代码。"}
    assert _listed() == []


def test_households_are_found_by_number_member_id_or_area_and_each_answer_is_audited(personas: Personas) -> None:
    p = personas
    head, spouse = make_person(p.village, "王芳"), make_person(p.village, "李强")
    former = make_person(p.village, "王小明")
    first = make_household(p.village, head, (spouse, "spouse"), (former, "child"))
    former_membership = first.memberships.get(person=former)
    former_membership.left_on = former_membership.joined_on
    former_membership.save()
    second = make_household(p.village, make_person(p.village, "张伟"))
    make_household(p.other_village, make_person(p.other_village, "赵六"))
    client = _client(p, Role.VILLAGE_WORKER)

    def numbers(query: str) -> list[str]:
        response = client.get(f"/api/v1/households/?{query}")
        assert response.status_code == 200, response.content
        return [h["number"] for h in response.json()["results"]]

    assert numbers(f"number={second.number}") == [second.number]
    assert numbers(f"id_number={former.id_number}") == [first.number]  # a former member finds it too
    assert numbers(f"area={p.village.code}") == [first.number, second.number]
    assert numbers(f"area={p.other_village.code}") == []  # the criterion never widens the scope
    assert numbers("id_number=123") == []
    cursor = client.get(f"/api/v1/households/?area={p.village.code}&limit=1").json()["next"].split("cursor=")[1]
    assert numbers(f"area={p.village.code}&limit=1&cursor={cursor}") == [second.number]
    masked = former.id_masked
    assert _listed() == [
        ("view", "village_worker", "people.household", p.village.code, after)
        for after in (
            {"count": 1, "persons": 1, "query": {"number": second.number}},
            {"count": 1, "persons": 3, "query": {"id_number": masked}},  # the ID number kept masked
            {"count": 2, "persons": 4, "query": {"area": p.village.code}},
            {"count": 0, "persons": 0, "query": {"area": p.other_village.code}},
            {"count": 0, "persons": 0, "query": {"id_number": "***"}},
            {"count": 1, "persons": 3, "query": {"area": p.village.code, "limit": "1"}},
            {"count": 1, "persons": 1, "query": {"area": p.village.code, "limit": "1", "later_page": True}},
        )
    ]
    assert former.id_number not in str(_listed())


def test_a_browsing_role_pages_through_every_household_at_most_the_maximum_at_a_time(personas: Personas) -> None:
    p = personas
    for i in range(3):
        make_household(p.village, make_person(p.village, "王芳", birth=f"19{60 + i}-01-01"))
    client = _client(p, Role.COUNTY_APPROVER)
    page = client.get("/api/v1/households/?limit=2").json()
    assert (len(page["results"]), page["previous"], "count" in page) == (2, None, False)  # no count of the scope
    rest = client.get(page["next"]).json()
    assert (len(rest["results"]), rest["next"]) == (1, None)
    numbers = [h["number"] for h in page["results"] + rest["results"]]
    assert numbers == sorted(numbers) and len(set(numbers)) == 3  # by number, each once
    assert client.get("/api/v1/households/?limit=201").status_code == 400
    forged = client.get("/api/v1/households/?cursor=not-a-cursor!")
    assert forged.status_code == 400 and "页面链接无效" in forged.json()["errors"]["cursor"][0]
    assert client.get("/api/v1/households/?cursor=" + "x" * 1001).status_code == 400
    assert _listed() == [
        (
            "view",
            "county_approver",
            "people.household",
            p.county.code,
            {"count": 2, "persons": 2, "query": {"limit": "2"}},
        ),
        (
            "view",
            "county_approver",
            "people.household",
            p.county.code,
            {"count": 1, "persons": 1, "query": {"limit": "2", "later_page": True}},
        ),
    ]


def test_opening_one_household_is_audited_under_its_area(personas: Personas) -> None:
    p = personas
    household = make_household(p.village, make_person(p.village), (make_person(p.village, "李强"), "spouse"))
    response = _client(p, Role.TOWNSHIP_WINDOW).get(f"/api/v1/households/{household.pk}/")
    assert response.status_code == 200 and len(response.json()["memberships"]) == 2
    assert _listed() == [
        (
            "view",
            "township_window",
            "people.household",
            p.village.code,
            {"count": 1, "persons": 2, "query": {"id": str(household.pk)}},
        )
    ]


def test_person_search_answers_a_page_and_is_audited(personas: Personas) -> None:
    p = personas
    for i in range(3):
        make_person(p.village, "王芳", birth=f"19{60 + i}-01-01")
    client = _client(p, Role.TOWNSHIP_WINDOW)
    assert client.get("/api/v1/persons/?status=living").json() == {"detail": "请给出身份证号、姓名或区划代码。"}
    page = client.get("/api/v1/persons/?name=%E7%8E%8B&limit=2").json()  # 王
    assert (page["count"], len(page["results"])) == (3, 2)
    assert client.get("/api/v1/persons/?status=alive&name=x").json()["errors"] == {"status": ["“alive” 不是合法选项。"]}
    assert _listed() == [
        (
            "view",
            "township_window",
            "people.person",
            p.township.code,
            {"count": 2, "persons": 2, "query": {"name": "王", "limit": "2"}},
        )
    ]


def test_a_member_living_elsewhere_answers_an_exclusion_in_the_schema_enum(personas: Personas) -> None:
    p = personas
    household = make_household(p.village, make_person(p.village), (make_person(p.village, "李强"), "spouse"))
    household.memberships.filter(relation="spouse").update(living_together=False, exclusion="detained")
    members = _client(p, Role.COUNTY_APPROVER).get(f"/api/v1/households/{household.pk}/").json()["memberships"]
    assert sorted(m["exclusion"] for m in members) == ["", "detained"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan is PostgreSQL's")
def test_a_countys_households_are_read_a_page_at_a_time_from_the_area_number_index(personas: Personas) -> None:
    """The households of a county, a page at a time by (area, number): the scope as a range of the index's first
    column (the door's LIKE alone cannot range over a btree of the default operator class), no sort, no count."""
    p = personas
    first = make_household(p.village, make_person(p.village, "陈静"))
    copies(first, 60, lambda k, h: setattr(h, "number", f"{first.number}{k:03d}"))

    def other_county(k: int, h: Any) -> None:  # the rest of the city
        h.number, h.area_id = f"X{k:06d}", elsewhere(k)

    copies(first, 3000, other_county)
    client = _client(p, Role.COUNTY_APPROVER)
    page = client.get("/api/v1/households/?limit=25").json()
    with CaptureQueriesContext(connection) as captured:
        second = client.get(page["next"]).json()
    assert len(page["results"]) == len(second["results"]) == 25
    assert not {h["number"] for h in page["results"]} & {h["number"] for h in second["results"]}
    sql = list_query(captured.captured_queries, "people_household")
    plan = index_plan(sql, "people_household")
    # The county as a range of the (area, number) index; at the platform's size the page is read from it in order.
    ranged = [line for line in plan.splitlines() if "Index Cond" in line and "(area_id)::text >= '321302'" in line]
    assert ranged and "household_area_number" in plan, plan
