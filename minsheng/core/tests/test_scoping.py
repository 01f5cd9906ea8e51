from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError

from minsheng.accounts.models import RoleAssignment
from minsheng.accounts.roles import Role
from minsheng.areas.models import Division
from minsheng.audit.models import AuditEvent
from minsheng.audit.services import audit_record
from minsheng.core.scoping import ScopeNotApplied, codes_containing, internal_checks
from minsheng.people.models import Household, Person
from minsheng.testing import NO_ROLE, Personas, make_household, make_person, make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "query",
    [
        lambda: list(Person.objects.all()),
        lambda: Person.objects.filter(status="living").count(),
        lambda: Person.objects.filter(pk=1).exists(),
        lambda: Person.objects.get(pk=1),
        lambda: Person.objects.first(),
        lambda: list(Person.objects.values_list("pk", flat=True)[:3]),
        lambda: Person.objects.filter(pk=0).update(name="y"),
        lambda: Person.objects.filter(pk=0).delete(),
        lambda: list(Person.objects.iterator()),
        lambda: Person.objects.in_bulk([1]),
        lambda: Household.objects.count(),
        lambda: AuditEvent.objects.count(),
    ],
)
def test_a_scoped_query_without_a_scope_raises(query: Callable[[], object]) -> None:
    with pytest.raises(ScopeNotApplied, match=r"call \.restrict"):
        query()


def test_restrict_needs_a_user() -> None:
    with pytest.raises(ScopeNotApplied, match="needs a user"):
        Person.objects.restrict(None, "view")


def test_unscoped_is_the_explicit_escape_hatch(personas: Personas) -> None:
    make_person(personas.village, "甲")
    make_person(personas.other_village, "乙")
    assert sorted(Person.objects.unscoped().values_list("name", flat=True)) == ["乙", "甲"]


def test_each_role_sees_exactly_its_area(personas: Personas) -> None:
    here, township, elsewhere = (
        make_person(personas.village, "甲"),
        make_person(_sibling_village(personas), "乙"),
        make_person(personas.other_village, "丙"),
    )

    def visible(role: str) -> set[str]:
        return set(Person.objects.restrict(personas[role], "view").values_list("name", flat=True))

    assert visible(Role.VILLAGE_WORKER) == {here.name}
    assert visible(Role.TOWNSHIP_WINDOW) == {here.name, township.name}
    assert visible(Role.COUNTY_APPROVER) == {here.name, township.name}
    assert visible(Role.CITY_ADMIN) == {here.name, township.name, elsewhere.name}  # 沭阳县 is in Suqian too
    assert Person.objects.restrict(personas.outsider(Role.CITY_ADMIN), "view").count() == 0  # 徐州市
    assert Person.objects.restrict(personas.outsider(Role.COUNTY_APPROVER), "view").get() == elsewhere
    assert visible(NO_ROLE) == set()


def test_divisions_are_reference_data_and_pages_show_each_role_its_own() -> None:
    # Divisions are not data of a place: read without the door (no ScopeNotApplied) ...
    assert Division.objects.filter(code__startswith="3213", level="county").count() == 6


def test_within_shows_each_role_its_area(personas: Personas) -> None:
    def visible(role: str) -> set[str]:
        return set(Division.objects.within(personas[role]).values_list("code", flat=True))

    assert visible(Role.VILLAGE_WORKER) == {personas.village.code}
    township = visible(Role.TOWNSHIP_WINDOW)
    assert personas.township.code in township and personas.village.code in township
    assert all(code.startswith(personas.township.code[:9]) for code in township)
    county = visible(Role.COUNTY_APPROVER)
    assert (
        len(county) == 1 + Division.objects.filter(code__startswith="321302", level__in=["township", "village"]).count()
    )
    assert personas.other_county.code not in county
    assert len(visible(Role.CITY_ADMIN)) == 1556  # the whole of Suqian, nothing of Xuzhou
    assert visible(NO_ROLE) == set()


def _sibling_village(personas: Personas) -> Division:
    sibling = Division.objects.filter(parent=personas.village.parent, level="village").exclude(pk=personas.village.pk)
    village = sibling.order_by("code").first()
    assert village is not None
    return village


def test_restrict_is_by_permission_not_just_by_area(personas: Personas) -> None:
    audit_record(actor=None, action="people.person_changed", area_code=personas.village.code)
    assert AuditEvent.objects.restrict(personas[Role.VILLAGE_WORKER], "view").count() == 0
    assert (
        AuditEvent.objects.restrict(personas[Role.AUDITOR], "view").filter(action="people.person_changed").count() == 1
    )
    assert (
        AuditEvent.objects.restrict(personas.outsider(Role.AUDITOR), "view")
        .filter(action="people.person_changed")
        .count()
        == 0
    )


def test_a_user_with_several_areas_sees_their_union_or_the_picked_one(personas: Personas) -> None:
    user = make_user("two_villages", Role.VILLAGE_WORKER, personas.village)
    second = RoleAssignment.objects.create(user=user, role=Role.VILLAGE_WORKER, division=personas.other_village)
    assert set(Division.objects.within(user).values_list("code", flat=True)) == {
        personas.village.code,
        personas.other_village.code,
    }
    user.active_assignment = second
    assert list(Division.objects.within(user).values_list("code", flat=True)) == [personas.other_village.code]


def test_a_disabled_account_sees_nothing(personas: Personas) -> None:
    user = personas[Role.CITY_ADMIN]
    user.is_active = False
    assert Division.objects.within(user).count() == 0


def test_related_managers_of_an_object_from_the_door_inherit_its_scope(personas: Personas) -> None:
    head = make_person(personas.village, "户主")
    make_household(personas.village, head)
    household = Household.objects.restrict(personas[Role.TOWNSHIP_WINDOW], "view").get()
    assert [m.person_id for m in household.memberships.all()] == [head.pk]


def test_uniqueness_validation_sees_the_whole_table(personas: Personas) -> None:
    existing = make_household(personas.other_village, make_person(personas.other_village, "户主"))
    duplicate = Household(number=existing.number, area=personas.village)
    with internal_checks():
        assert Household.objects.filter(number=duplicate.number).exists()
    with pytest.raises(ValidationError) as raised:
        duplicate.validate_unique()
    assert list(raised.value.message_dict) == ["number"]


def test_an_organisation_bound_assignment_sees_its_organisations_rows_only(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A funeral home's or a care provider's staff (RoleSpec.organisation): the door keeps the rows whose
    ``scope_organisation_field`` is their organisation, inside their area; a model without one shows them nothing."""
    first, second = make_person(personas.village, "甲"), make_person(personas.village, "乙")
    staff = make_user("staff", Role.VILLAGE_WORKER, None)
    RoleAssignment.objects.create(user=staff, role=Role.VILLAGE_WORKER, division=personas.village, organisation_id=0)
    assert Person.objects.restrict(staff, "view").count() == 0  # Person has no organisation field
    monkeypatch.setattr(Person, "scope_organisation_field", "pk", raising=False)
    RoleAssignment.objects.filter(user=staff).update(organisation_id=second.pk)
    staff = type(staff).objects.get(pk=staff.pk)
    assert list(Person.objects.restrict(staff, "view")) == [second]
    assert first not in Person.objects.restrict(staff, "view")
    RoleAssignment.objects.filter(user=staff).update(division=personas.other_village)
    staff = type(staff).objects.get(pk=staff.pk)
    assert Person.objects.restrict(staff, "view").count() == 0  # the organisation's row outside the area


def test_the_codes_containing_a_village_are_its_own_and_those_of_every_division_above() -> None:
    assert codes_containing("321302103005") == [
        "320000000000",
        "321300000000",
        "321302000000",
        "321302103000",
        "321302103005",
    ]
    assert codes_containing("321302000000")[-1] == "321302000000"
