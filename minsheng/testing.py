"""Test support shared by every app: personas and the permission matrix.

Personas are one user per role inside one reference area (宿城区, a township in it, a village in that), plus
``outsider(role)``: the same role bound to an area of the same level elsewhere (沭阳县, or 徐州市 for city
roles). Every view and API endpoint registers an ``Endpoint`` in its app's ``tests/endpoints.py``; the matrix
test (``tests/test_permission_matrix.py``) generates the anonymous / wrong-role / out-of-area / permitted cases
for each, and a test fails when a URL is not registered at all.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from minsheng.accounts.models import RoleAssignment, User
from minsheng.accounts.roles import Role
from minsheng.areas.models import Division
from minsheng.catalog.models import Department

PASSWORD = "Test-Pa55word-Minsheng"
NO_ROLE = "no_role"
ALL_ROLES: frozenset[str] = frozenset(Role.values)
ALL_PERSONAS: frozenset[str] = ALL_ROLES | {NO_ROLE}

REFERENCE = {"city": "321300000000", "county": "321302000000"}  # 宿迁市, 宿城区
ELSEWHERE = {"city": "320300000000", "county": "321322000000"}  # 徐州市, 沭阳县


def _first(divisions: Any, **filters: Any) -> Division:
    division = divisions.filter(**filters).order_by("code").first()
    assert division is not None, f"no division {filters}: are the bundled divisions loaded?"
    return division


@dataclass
class Personas:
    city: Division
    county: Division
    township: Division
    village: Division
    other_city: Division
    other_county: Division
    other_township: Division
    other_village: Division
    education: Department
    users: dict[str, User] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    _outsiders: dict[str, User] = field(default_factory=dict)

    def __getitem__(self, role: str) -> User:
        return self.users[role]

    def area_for(self, role: str, *, elsewhere: bool = False) -> Division:
        levels = {
            Role.VILLAGE_WORKER: "village",
            Role.TOWNSHIP_WINDOW: "township",
            Role.TOWNSHIP_REVIEWER: "township",
            Role.COUNTY_APPROVER: "county",
            Role.COUNTY_PAYMENT_OFFICER: "county",
            Role.DEPARTMENT_HANDLER: "county",
            Role.CITY_ADMIN: "city",
            Role.AUDITOR: "city",
        }
        level = levels[Role(role)]
        return getattr(self, f"other_{level}" if elsewhere else level)

    def outsider(self, role: str) -> User:
        """A user with ``role`` in an area of the same level outside the reference area."""
        if role not in self._outsiders:
            self._outsiders[role] = make_user(
                f"outsider_{role}",
                role,
                self.area_for(role, elsewhere=True),
                department=self._department(role),
            )
        return self._outsiders[role]

    def _department(self, role: str) -> Department | None:
        return self.education if role == Role.DEPARTMENT_HANDLER else None


def make_user(username: str, role: str | None, area: Division | None, *, department: Department | None = None) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, home_area=area, display_name=username)
    if role is not None and area is not None:
        RoleAssignment.objects.create(user=user, role=role, division=area, department=department)
    return user


def ensure_reference_data() -> None:
    """Divisions, departments and illnesses, reloaded after a browser test has emptied the tables."""
    import importlib

    from django.apps import apps as django_apps

    from minsheng.areas.services import divisions_load_bundled
    from minsheng.assistance.models import Parameter
    from minsheng.catalog.models import Item
    from minsheng.people.models import IllnessType
    from minsheng.workdays.models import CalendarYear

    if not Division.objects.all().filter(code=REFERENCE["county"]).exists():
        divisions_load_bundled()
    for modules, model in (
        (("minsheng.catalog.migrations.0002_departments",), Department),
        (("minsheng.catalog.migrations.0004_seed_items",), Item),
        (("minsheng.people.migrations.0002_illness_types",), IllnessType),
        (("minsheng.workdays.migrations.0002_official_years",), CalendarYear),
        (
            (
                "minsheng.assistance.migrations.0002_demo_values",
                "minsheng.assistance.migrations.0004_engine_demo_values",
            ),
            Parameter,
        ),
    ):
        if not model.objects.exists():
            for module in modules:
                importlib.import_module(module).forward(django_apps, None)


def build_personas() -> Personas:
    ensure_reference_data()
    # Test set-up is a system job: it picks areas from the whole table.
    divisions = Division.objects.all()
    county = divisions.get(code=REFERENCE["county"])
    other_county = divisions.get(code=ELSEWHERE["county"])
    township = _first(divisions, parent=county, level="township")
    other_township = _first(divisions, parent=other_county, level="township")
    personas = Personas(
        city=divisions.get(code=REFERENCE["city"]),
        county=county,
        township=township,
        village=_first(divisions, parent=township, level="village"),
        other_city=divisions.get(code=ELSEWHERE["city"]),
        other_county=other_county,
        other_township=other_township,
        other_village=_first(divisions, parent=other_township, level="village"),
        education=Department.objects.get(code="education"),
    )
    for role in Role.values:
        personas.users[role] = make_user(role, role, personas.area_for(role), department=personas._department(role))
    personas.users[NO_ROLE] = make_user(NO_ROLE, None, personas.village)
    return personas


@dataclass(frozen=True)
class Endpoint:
    """One view or API endpoint and who may use it.

    ``kwargs`` and ``data`` build the URL arguments and the POST body from the personas; the object they name
    lies inside the reference area, so for ``object_level`` endpoints an outsider of an allowed role gets 404.
    """

    url_name: str
    allowed: frozenset[str]
    method: str = "get"
    kwargs: Callable[[Personas], dict[str, Any]] | None = None
    data: Callable[[Personas], dict[str, Any]] | None = None
    api: bool = False
    object_level: bool = False
    success: int = 200
    # Request headers, e.g. a fresh Idempotency-Key for API calls that move money.
    headers: Callable[[Personas], dict[str, str]] | None = None

    @property
    def writes(self) -> bool:
        return self.method.lower() != "get"

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.url_name}"


ENDPOINTS: list[Endpoint] = []
# Views anybody may open (the login page) or that act only on the caller's own session.
PUBLIC_URL_NAMES = {
    "accounts:login",
    "accounts:logout",
    "set_language",
    # The online channel is for residents, not staff: its own session gate is tested in intake/tests.
    "intake:online_start",
    "intake:online_verify",
    "intake:online_home",
    "intake:online_logout",
    "intake:online_upload",
}


def register(*endpoints: Endpoint) -> None:
    ENDPOINTS.extend(endpoints)


# Registry fixtures: created on first use, inside the reference village. ------------------------------------

# Counts without end: an ID's sequence has three digits, so every 999 persons the birth date moves on a day.
_SEQUENCE = itertools.count(0)


def make_person(area: Division, name: str = "王芳", *, birth: str = "1968-03-14", **fields: Any) -> Any:
    """A registered person with a valid synthetic ID of the area's county, straight through the model."""
    import datetime as dt

    from minsheng.core.crypto import blind_index, mask_id_number
    from minsheng.people.idnumbers import synthesize_id_number
    from minsheng.people.models import Person
    from minsheng.people.names import name_pinyin

    count = next(_SEQUENCE)
    birth_date = dt.date.fromisoformat(birth) + dt.timedelta(days=count // 999)
    number = synthesize_id_number(address_code=area.code[:6], birth_date=birth_date, sequence=count % 999 + 1)
    pinyin, initials = name_pinyin(name)
    values: dict[str, Any] = {
        "name": name,
        "name_pinyin": pinyin,
        "name_initials": initials,
        "id_number": number,
        "id_index": blind_index(number),
        "id_masked": mask_id_number(number),
        "gender": "M" if int(number[16]) % 2 else "F",
        "birth_date": birth_date,
        "hukou_area": area,
        "residence_area": area,
        **fields,
    }
    return Person.objects.create(**values)


def make_household(area: Division, head: Any, *members: tuple[Any, str]) -> Any:
    import datetime as dt

    from minsheng.people.models import Household, Membership

    household = Household.objects.create(number=f"{area.code}{next(_SEQUENCE):06d}", area=area)
    since = dt.date(2020, 1, 1)
    Membership.objects.create(household=household, person=head, relation="head", joined_on=since)
    for person, relation in members:
        Membership.objects.create(household=household, person=person, relation=relation, joined_on=since)
    return household
