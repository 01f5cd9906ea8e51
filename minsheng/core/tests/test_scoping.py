from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError

from minsheng.accounts.models import RoleAssignment
from minsheng.accounts.roles import Role
from minsheng.areas.models import Division
from minsheng.audit.models import AuditEvent
from minsheng.audit.services import audit_record
from minsheng.core.scoping import ScopeNotApplied, internal_checks
from minsheng.core.testing import NO_ROLE, Personas, make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "query",
    [
        lambda: list(Division.objects.all()),
        lambda: Division.objects.filter(level="county").count(),
        lambda: Division.objects.filter(code="321302000000").exists(),
        lambda: Division.objects.get(code="321302000000"),
        lambda: Division.objects.first(),
        lambda: list(Division.objects.values_list("code", flat=True)[:3]),
        lambda: Division.objects.filter(code="x").update(name="y"),
        lambda: Division.objects.filter(code="x").delete(),
        lambda: list(Division.objects.iterator()),
        lambda: Division.objects.in_bulk(["321302000000"]),
        lambda: AuditEvent.objects.count(),
    ],
)
def test_a_scoped_query_without_a_scope_raises(query: Callable[[], object]) -> None:
    with pytest.raises(ScopeNotApplied, match=r"call \.restrict"):
        query()


def test_restrict_needs_a_user() -> None:
    with pytest.raises(ScopeNotApplied, match="needs a user"):
        Division.objects.restrict(None, "view")


def test_unscoped_is_the_explicit_escape_hatch() -> None:
    assert Division.objects.unscoped().filter(code__startswith="3213", level="county").count() == 6


def test_each_role_sees_exactly_its_area(personas: Personas) -> None:
    def visible(role: str) -> set[str]:
        return set(Division.objects.restrict(personas[role], "view").values_list("code", flat=True))

    assert visible(Role.VILLAGE_WORKER) == {personas.village.code}
    township = visible(Role.TOWNSHIP_WINDOW)
    assert personas.township.code in township and personas.village.code in township
    assert all(code.startswith(personas.township.code[:9]) for code in township)
    county = visible(Role.COUNTY_APPROVER)
    assert (
        len(county)
        == 1 + Division.objects.unscoped().filter(code__startswith="321302", level__in=["township", "village"]).count()
    )
    assert personas.other_county.code not in county
    assert len(visible(Role.CITY_ADMIN)) == 1556  # the whole of Suqian, nothing of Xuzhou
    assert visible(NO_ROLE) == set()


def test_restrict_is_by_permission_not_just_by_area(personas: Personas) -> None:
    audit_record(actor=None, action="test.event", area_code=personas.village.code)
    assert AuditEvent.objects.restrict(personas[Role.VILLAGE_WORKER], "view").count() == 0
    assert AuditEvent.objects.restrict(personas[Role.AUDITOR], "view").filter(action="test.event").count() == 1
    assert AuditEvent.objects.restrict(personas.outsider(Role.AUDITOR), "view").filter(action="test.event").count() == 0


def test_a_user_with_several_areas_sees_their_union_or_the_picked_one(personas: Personas) -> None:
    user = make_user("two_villages", Role.VILLAGE_WORKER, personas.village)
    second = RoleAssignment.objects.create(user=user, role=Role.VILLAGE_WORKER, division=personas.other_village)
    assert set(Division.objects.restrict(user, "view").values_list("code", flat=True)) == {
        personas.village.code,
        personas.other_village.code,
    }
    user.active_assignment = second
    assert list(Division.objects.restrict(user, "view").values_list("code", flat=True)) == [personas.other_village.code]


def test_a_disabled_account_sees_nothing(personas: Personas) -> None:
    user = personas[Role.CITY_ADMIN]
    user.is_active = False
    assert Division.objects.restrict(user, "view").count() == 0


def test_related_managers_of_an_object_from_the_door_inherit_its_scope(personas: Personas) -> None:
    township = Division.objects.restrict(personas[Role.TOWNSHIP_WINDOW], "view").get(code=personas.township.code)
    assert personas.village.code in {child.code for child in township.children.all()}


def test_uniqueness_validation_sees_the_whole_table(personas: Personas) -> None:
    duplicate = Division(code=personas.other_village.code, name="x", level="village", parent=personas.other_township)
    with internal_checks():
        assert Division.objects.filter(code=duplicate.code).exists()
    with pytest.raises(ValidationError) as raised:
        duplicate.validate_unique()
    assert list(raised.value.message_dict) == ["code"]
