"""Test support shared by every app: personas and the permission matrix.

Personas are one user per role inside one reference area (宿城区, a township in it, a village in that), plus
``outsider(role)``: the same role bound to an area of the same level elsewhere (沭阳县, or 徐州市 for city
roles). Every view and API endpoint registers an ``Endpoint`` in its app's ``tests/endpoints.py``; the matrix
test (``tests/test_permission_matrix.py``) generates the anonymous / wrong-role / out-of-area / permitted cases
for each, and a test fails when a URL is not registered at all.
"""

from __future__ import annotations

import base64
import functools
import importlib
import itertools
import pkgutil
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps as django_apps
from django.db.models import QuerySet

from minsheng.accounts.models import RoleAssignment, User
from minsheng.accounts.roles import Role, role_specs
from minsheng.areas.models import Division
from minsheng.catalog.models import Department
from minsheng.core.modules import modules

PASSWORD = "Test-Pa55word-Minsheng"
NO_ROLE = "no_role"
# Every role of the installed modules (the staff roles and the modules' own): one persona each.
ALL_ROLES: frozenset[str] = frozenset(role_specs())
ALL_PERSONAS: frozenset[str] = ALL_ROLES | {NO_ROLE}
# The level of the persona of each staff role; a module's role gets the most specific level it may be bound to.
PERSONA_LEVELS: dict[str, str] = {
    Role.VILLAGE_WORKER: "village",
    Role.TOWNSHIP_WINDOW: "township",
    Role.TOWNSHIP_REVIEWER: "township",
    Role.COUNTY_APPROVER: "county",
    Role.COUNTY_PAYMENT_OFFICER: "county",
    Role.DEPARTMENT_HANDLER: "county",
    Role.CITY_ADMIN: "city",
    Role.AUDITOR: "city",
}
_MOST_SPECIFIC_FIRST = ("village", "township", "county", "city")
# Organisation-bound roles (RoleSpec.organisation): role → a function making the persona's organisation in an area
# (the module's tests/endpoints.py registers it with ``register_organisation``) and returning its id.
ORGANISATIONS: dict[str, Callable[[Division], int]] = {}


def register_organisation(role: str, make: Callable[[Division], int]) -> None:
    ORGANISATIONS[role] = make


def persona_level(role: str) -> str:
    if role in PERSONA_LEVELS:
        return PERSONA_LEVELS[role]
    levels = role_specs()[role].levels
    return next(level for level in _MOST_SPECIFIC_FIRST if level in levels)


REFERENCE = {"city": "321300000000", "county": "321302000000"}  # 宿迁市, 宿城区
ELSEWHERE = {"city": "320300000000", "county": "321322000000"}  # 徐州市, 沭阳县


def _first(divisions: QuerySet[Division], **filters: Any) -> Division:
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
        level = persona_level(role)
        area: Division = getattr(self, f"other_{level}" if elsewhere else level)
        return area

    def outsider(self, role: str) -> User:
        """A user with ``role`` in an area of the same level outside the reference area."""
        if role not in self._outsiders:
            area = self.area_for(role, elsewhere=True)
            self._outsiders[role] = make_user(
                f"outsider_{role}",
                role,
                area,
                department=self._department(role),
                organisation_id=_organisation(role, area),
            )
        return self._outsiders[role]

    def _department(self, role: str) -> Department | None:
        return self.education if role_specs()[role].department else None


def _organisation(role: str, area: Division) -> int | None:
    if role_specs()[role].organisation is None:
        return None
    _load_endpoint_registries()
    assert role in ORGANISATIONS, f"{role} is organisation-bound: register_organisation() in its tests/endpoints.py"
    return ORGANISATIONS[role](area)


def make_user(
    username: str,
    role: str | None,
    area: Division | None,
    *,
    department: Department | None = None,
    organisation_id: int | None = None,
) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, home_area=area, display_name=username)
    if role is not None and area is not None:
        RoleAssignment.objects.create(
            user=user, role=role, division=area, department=department, organisation_id=organisation_id
        )
    return user


def ensure_reference_data() -> None:
    """Divisions, departments and illnesses, reloaded after a browser test has emptied the tables."""
    from minsheng.areas.services import divisions_load_bundled
    from minsheng.assistance.rules.models import Parameter
    from minsheng.catalog.models import Item
    from minsheng.exchange.models import DataSource
    from minsheng.monitoring.models import WarningRule
    from minsheng.people.models import IllnessType
    from minsheng.workdays.models import CalendarYear

    if not Division.objects.all().filter(code=REFERENCE["county"]).exists():
        divisions_load_bundled()
    groups = (
        (("minsheng.catalog.migrations.0002_departments",), Department),
        (("minsheng.catalog.migrations.0004_seed_items",), Item),
        (("minsheng.people.migrations.0002_illness_types",), IllnessType),
        (("minsheng.workdays.migrations.0002_official_years",), CalendarYear),
        (
            (
                "minsheng.assistance.migrations.0002_demo_values",
                "minsheng.assistance.migrations.0004_engine_demo_values",
                "minsheng.assistance.migrations.0009_rules_complete_values",
                "minsheng.assistance.migrations.0010_temporary_limits",
                "minsheng.assistance.migrations.0011_procedure_limits",
                "minsheng.relief.migrations.0002_rule_values",
                "minsheng.funeral.migrations.0002_rule_values",
                "minsheng.exchange.migrations.0005_rule_values",
                "minsheng.exchange.migrations.0008_report_rule_values",
                "minsheng.children.migrations.0002_rule_values",
                "minsheng.social.migrations.0002_rule_values",
                "minsheng.eldercare.migrations.0002_rule_values",
                "minsheng.volunteers.migrations.0002_search_indexes_rule_values",
            ),
            Parameter,
        ),
        (
            (
                "minsheng.exchange.migrations.0002_sources",
                "minsheng.exchange.migrations.0007_verification",
                "minsheng.exchange.migrations.0009_signal_sources",
            ),
            DataSource,
        ),
        (("minsheng.monitoring.migrations.0002_rules", "minsheng.eldercare.migrations.0002_rule_values"), WarningRule),
    )
    # Which tables are empty is decided first: a seeding migration may fill two (elderly care's writes its rules'
    # values and its warning rules), and each forward is idempotent (get_or_create).
    empty = [migrations for migrations, model in groups if not model.objects.exists()]
    for migrations in empty:
        for migration in migrations:
            importlib.import_module(migration).forward(django_apps, None)


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
    for role in sorted(ALL_ROLES):
        area = personas.area_for(role)
        personas.users[role] = make_user(
            role, role, area, department=personas._department(role), organisation_id=_organisation(role, area)
        )
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


def public_url_names() -> set[str]:
    """Views anybody may open (the login page, a public announcement) or that act only on the caller's own session,
    as the modules declare them (``Module.public_urls``)."""
    return {"set_language", *(name for module in modules() for name in module.public_urls)}


def register(*endpoints: Endpoint) -> None:
    ENDPOINTS.extend(endpoints)


def _endpoint_modules(app: Any) -> list[str]:
    """``tests.endpoints`` of the app and of each of its parts (an app cut in subpackages, like ``assistance``)."""
    parts = [app.name] + [
        f"{app.name}.{found.name}"
        for found in pkgutil.iter_modules(list(app.module.__path__))
        if found.ispkg and found.name != "tests"
    ]
    return [f"{part}.tests.endpoints" for part in parts]


@functools.cache
def _load_endpoint_registries() -> None:
    """Import every app's ``tests/endpoints.py`` (and its parts'): the permission matrix's endpoints and the
    organisations of the organisation-bound personas are registered there."""
    for app in django_apps.get_app_configs():
        if app.name.startswith("minsheng."):
            for name in _endpoint_modules(app):
                try:
                    importlib.import_module(name)
                except ModuleNotFoundError as exc:
                    if exc.name not in (name.removesuffix(".endpoints"), name):
                        raise


def load_endpoint_registries() -> list[Endpoint]:
    _load_endpoint_registries()
    return ENDPOINTS


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


def pdf_text(pdf: bytes) -> str:
    """The text drawn on the pages of a paper of ``core.pdf``, in order: reportlab writes CID text (STSong-Light,
    UniGB-UCS2-H) as UTF-16BE strings in ASCII85 + Flate content streams (no PDF reader is installed)."""
    escapes = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}

    def unescape(match: re.Match[bytes]) -> bytes:
        escaped = match.group(1)
        return bytes([int(escaped, 8)]) if escaped[:1].isdigit() else escapes.get(escaped, escaped)

    lines = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        content = zlib.decompress(base64.a85decode(stream.strip().removesuffix(b"~>")))
        for literal in re.findall(rb"\(((?:\\.|[^\\)])*)\) Tj", content, re.S):
            text = re.sub(rb"\\([0-7]{1,3}|.)", unescape, literal, flags=re.S)
            lines.append(text.decode("utf-16-be", errors="replace"))
    return "\n".join(lines)


# --- Lists: the plan and the query count (docs/architecture.md, "Lists") --------------------------------------


def list_query(queries: Any, table: str) -> str:
    """The SQL of a list page's rows (the query of ``table`` with a LIMIT) among captured queries."""
    quoted = f'FROM "{table}"'
    found = [q["sql"] for q in queries if quoted in q["sql"] and "LIMIT" in q["sql"] and "COUNT(" not in q["sql"]]
    assert found, f"no page query of {table} among {len(queries)} queries"
    return str(found[0])


def index_plan(sql: str, *tables: str) -> str:
    """PostgreSQL's plan of ``sql`` after ``ANALYZE`` of ``tables``, sequential scans priced out. The test fills the
    tables the way years of history would (other areas, old rows) beside the few rows the list shows; at a test's
    few thousand rows a whole scan can still be the cheapest, which it never is at the platform's size, so the plan
    shows what the planner does when it must not scan: a list whose index serves its filter reads that index with
    the area as a range; one whose index does not, reads entries of other areas (or still scans)."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
        cursor.execute("SET enable_seqscan = off")
        try:
            cursor.execute("EXPLAIN " + sql)
            return "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("RESET enable_seqscan")


def copies(instance: Any, n: int, vary: Callable[[int, Any], None]) -> list[Any]:
    """``n`` copies of a saved row, each changed by ``vary(k, row)`` (unique fields must differ), written in bulk:
    history for the list tests, made in a fraction of the time the services would take."""
    model = type(instance)
    names = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
    rows = []
    for k in range(n):
        row = model(**{name: getattr(instance, name) for name in names})
        vary(k, row)
        rows.append(row)
    return list(model._default_manager.bulk_create(rows, batch_size=1000))


def other_county_village() -> Division:
    """A village of 沭阳县 (321322): an area outside the reference county, where history of others lives."""
    village = Division.objects.filter(code__startswith="321322", level="village").order_by("-code").first()
    assert village is not None
    return village


def elsewhere(k: int) -> str:
    """The code of one of the villages of the rest of the city (沭阳县, 泗阳县, 泗洪县), by ``k``: spreads a test's
    history over many areas, as the platform's is, so that the planner's statistics see a small area as small."""
    return _elsewhere()[k % len(_elsewhere())]


@functools.cache
def _elsewhere() -> list[str]:
    codes = Division.objects.filter(level="village").exclude(code__startswith="321302").order_by("code")
    return list(codes.values_list("code", flat=True))


def area_read(plan: str, table: str, column: str = "area_code") -> set[str]:
    """The indexes through which ``plan`` reads ``table`` with the caller's area as a range of the index (pattern
    operators ``~>=~`` / ``~<~`` in its ``Index Cond``). Fails when the plan scans the table whole, or reads it
    through an index without the area range (entries of other areas)."""
    import re

    lines = plan.splitlines()
    assert f"Seq Scan on {table}" not in plan, plan
    found: set[str] = set()
    for number, line in enumerate(lines):
        match = re.search(
            rf"Index (?:Only )?Scan (?:Backward )?using (\w+) on {table}\b|Bitmap Index Scan on (\w+)", line
        )
        if not match:
            continue
        index = match.group(1) or match.group(2)
        if match.group(2) and not _bitmap_of(lines, number, table):
            continue
        condition = next((c for c in lines[number + 1 : number + 3] if "Index Cond" in c), "")
        assert f"{column})::text ~>=~" in condition and f"{column})::text ~<~" in condition, plan
        found.add(index)
    assert found, plan
    return found


def _bitmap_of(lines: list[str], number: int, table: str) -> bool:
    """Whether the bitmap index scan at ``number`` feeds a bitmap heap scan of ``table`` (the nearest one above)."""
    import re

    above = (line for line in reversed(lines[:number]) if "Bitmap Heap Scan on" in line)
    return bool(re.search(rf"Bitmap Heap Scan on {table}\b", next(above, "")))
