"""The module contract (core/modules.py): what the platform builds from the modules' declarations, and a module that
plugs in by its declaration alone (``tests/example_module``: no other app names it)."""

from __future__ import annotations

import ast
import datetime as dt
import importlib
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.test.utils import modify_settings, override_settings
from django.urls import clear_url_caches, reverse

from minsheng.accounts.context_processors import group_labels, navigation_entries
from minsheng.accounts.roles import Role, role_permissions, role_specs
from minsheng.accounts.services import role_assignment_add
from minsheng.audit.models import AuditEvent
from minsheng.audit.services import UndeclaredAuditAction, audit_record
from minsheng.catalog.models import Item
from minsheng.core.modules import NavEntry, audit_action_labels, item_handlers, modules
from minsheng.demo.city import demo_steps
from minsheng.intake.services import ItemRequest, application_submit, case_decide
from minsheng.people.services import household_add_member
from minsheng.statistics import indicators
from minsheng.statistics.models import Cell
from minsheng.statistics.refresh import cells_rebuild
from minsheng.statistics.selectors import dashboard, default_period
from minsheng.testing import Personas, make_household, make_person, make_user

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [p for p in (ROOT / "minsheng").rglob("*.py") if "/tests/" not in str(p) and "/migrations/" not in str(p)]


# --- What the platform builds from the declarations --------------------------------------------------------------


def test_the_platform_modules_declare_themselves() -> None:
    labels = [m.app_label for m in modules()]
    assert labels == [
        "areas",
        "catalog",
        "accounts",
        "audit",
        "people",
        "workdays",
        "desk",
        "intake",
        "assistance",
        "exchange",
        "relief",
        "funeral",
        "monitoring",
        "children",
        "payments",
        "statistics",
    ]
    assert list(role_specs()) == [
        *(r.value for r in Role),
        "relief_staff",
        "funeral_staff",
        "verification_officer",
        "child_director",
        "child_supervisor",
        "child_county_staff",
    ]
    assert role_specs()["funeral_staff"].organisation == "funeral.facility"
    assert {f for f in indicators.families()} == {
        "window",
        "benefits",
        "temporary",
        "relief",
        "funeral",
        "monitoring",
        "children",
        "payments",
    }
    assert [h.key for h in indicators.headlines()][:4] == [
        "dibao_persons",
        "tekun_persons",
        "disabled_in_difficulty",
        "children_in_difficulty",
    ]
    # The relief and funeral modules supply three published rows; the modules not built leave theirs unavailable.
    assert {"vagrants_helped", "vagrants_reunited", "cemeteries_filed"} <= {h.key for h in indicators.headlines()}
    assert {p.key for p in indicators.unavailable()} >= {"social_organisations", "volunteers"}


def _literal_actions() -> dict[str, str]:
    """Every audit action written as a literal in the code (``action="app.thing"``), with where it is."""
    found: dict[str, str] = {}
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword) and node.arg == "action" and isinstance(node.value, ast.Constant):
                value = node.value.value
                if isinstance(value, str) and re.fullmatch(r"[a-z_]+\.[a-z_]+", value):
                    found[value] = f"{path.relative_to(ROOT)}:{node.value.lineno}"
    return found


def test_every_audit_action_in_the_code_is_declared_with_a_chinese_label() -> None:
    declared = audit_action_labels()
    used = _literal_actions()
    assert len(used) > 50
    assert {action: where for action, where in used.items() if action not in declared} == {}
    untranslated = {
        code: str(label) for code, label in declared.items() if not re.search(r"[\u4e00-\u9fff]", str(label))
    }
    assert untranslated == {}


def test_recording_an_undeclared_audit_action_fails(db: None) -> None:
    with pytest.raises(UndeclaredAuditAction, match=r"intake\.invented_action"):
        audit_record(actor=None, action="intake.invented_action", area_code="321302000000")
    assert not AuditEvent.objects.unscoped().filter(action="intake.invented_action").exists()


def _permissions_in_code() -> set[str]:
    """Permissions asked for by pages and endpoints: ``role_required("x")``, ``required_permission = "x"``."""
    wanted: set[str] = set()
    pattern = re.compile(r"""(?:role_required\(|required_permission\s*=\s*)["']([a-z_]+\.[a-z_]+)["']""")
    for path in SOURCES:
        wanted |= set(pattern.findall(path.read_text(encoding="utf-8")))
    return wanted


def test_every_permission_a_page_asks_for_is_granted_by_some_module() -> None:
    granted = set().union(*role_permissions().values())
    asked = _permissions_in_code() | {e.permission for e in navigation_entries()}
    assert len(asked) > 20
    assert asked - granted == set()


def test_a_navigation_entry_in_an_undeclared_group_fails() -> None:
    entries = (*navigation_entries(), NavEntry("x.view_y", "home", "X", "nowhere"))
    group_labels.cache_clear()
    try:
        with (
            pytest.MonkeyPatch.context() as patch,
            pytest.raises(ValueError, match="undeclared groups: \\['nowhere'\\]"),
        ):
            patch.setattr("minsheng.accounts.context_processors.navigation_entries", lambda: entries)
            group_labels()
    finally:
        group_labels.cache_clear()


def test_no_private_name_is_imported_from_another_module_file() -> None:
    offenders = []
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("minsheng"):
                offenders += [
                    f"{path.relative_to(ROOT)}: {node.module}.{a.name}"
                    for a in node.names
                    if a.name.startswith("_") and not a.name.startswith("__")
                ]
    assert offenders == []


# --- A module that plugs in ------------------------------------------------------------------------------------------


@pytest.fixture
def example() -> Iterator[None]:
    """The platform with ``tests.example_module`` installed, its URLs mounted as the real root would mount them."""
    # The real root is built before the example is installed: imported first inside, it would keep the example's
    # routes for the rest of the session (the committed schema's test then found BoardViewSet).
    importlib.import_module("minsheng.urls")
    with (
        modify_settings(INSTALLED_APPS={"append": "tests.example_module"}),
        override_settings(ROOT_URLCONF="tests.example_module.root_urls"),
    ):
        clear_url_caches()
        importlib.reload(importlib.import_module("tests.example_module.root_urls"))
        from tests.example_module import module

        module.SEEN["accepted"].clear()
        module.SEEN["changes"].clear()
        yield
    clear_url_caches()


@pytest.mark.django_db
def test_a_module_s_due_work_reaches_the_to_do_page_without_an_edit(example: None, personas: Personas) -> None:
    """The desk knows no module: a kind of due work declared by a later module shows up, counted and filterable."""
    from django.core.cache import cache

    cache.clear()
    keeper = make_user("keeper", "example_keeper", personas.county)
    client = Client()
    client.force_login(keeper)
    response = client.get(reverse("desk:todo"), {"kind": "example_due"})
    due = response.context["due"]
    assert [(work.key, count) for work, count in due.counts] == [("example_due", 1)]
    assert [(r.kind, r.title, r.url) for r in due.rows] == [("example_due", "审核公墓价格", "/example/board/")]
    assert "价格审核" in response.content.decode()
    assert response.context["nav_badges"]["todo"] == 1


def test_without_the_example_module_the_platform_knows_nothing_of_it() -> None:
    assert "example_keeper" not in role_specs()
    assert "example.board_viewed" not in audit_action_labels()
    assert 20 not in item_handlers()
    assert "volunteers" in {p.key for p in indicators.unavailable()}


@pytest.mark.django_db
def test_a_module_plugs_in_by_its_declaration_alone(example: None, personas: Personas) -> None:
    from tests.example_module.module import SEEN

    # A role, bound at the levels it declares, with the permissions it grants itself and other roles.
    keeper = make_user("keeper", None, personas.county)
    role_assignment_add(actor=personas[Role.CITY_ADMIN], user=keeper, role="example_keeper", division=personas.county)
    assert role_permissions()["example_keeper"] == {"example.view_board", "areas.view_division"}
    assert "example.view_board" in role_permissions()[Role.CITY_ADMIN]
    with pytest.raises(ValidationError, match="村"):
        role_assignment_add(
            actor=personas[Role.CITY_ADMIN], user=keeper, role="example_keeper", division=personas.village
        )

    # Its page in the navigation with its badge, its URL and its API route.
    client = Client()
    client.force_login(keeper)
    context = client.get(reverse("home")).context
    entry = next(e for e in context["nav_entries"] if e["url"] == "/example/board/")
    assert (str(entry["label"]), entry["badge"]) == ("价格公示", 3)
    assert client.get("/example/board/?area=321302001001").json() == {"board": "ok"}
    assert client.get("/api/v1/example-boards/").json() == [{"board": "ok"}]
    other = Client()
    other.force_login(personas[Role.VILLAGE_WORKER])
    assert other.get("/example/board/").status_code == 403

    # Its audit action, labelled for the auditor.
    event = AuditEvent.objects.unscoped().get(action="example.board_viewed")
    assert event.action_label == "价格公示已查看"

    # Its figure: computed by the statistics from its family, shown as the published row it supplies.
    cells_rebuild()
    assert Cell.objects.filter(indicator="example_views", level=12, area=321302001001).get().value == 1
    board = dashboard(user=personas[Role.CITY_ADMIN], area_code=None, period=default_period())
    card = next(f for f in board.figures if f.key == "volunteers")
    assert (card.available, card.value) == (True, 1)

    # Its demo step, its due work, its one-window item and its registry subscription.
    step = next(step for step in demo_steps() if step.order == 500)
    assert [s.order for s in demo_steps()] == [10, 20, 30, 35, 40, 50, 60, 70, 80, 85, 500, 1000]
    assert step.run(0.01, 1, print) == "example: nothing to add"
    item = Item.objects.get(number=20)
    applicant = make_person(personas.village, "申请人")
    make_household(personas.village, applicant)
    application = application_submit(
        actor=personas[Role.TOWNSHIP_WINDOW],
        person=applicant,
        requests=[ItemRequest(item=item, materials_provided=tuple(item.materials))],
        on_behalf=False,
    )
    case = application.cases.get()
    assert SEEN["accepted"] == [case]
    civil = make_user("civil", Role.DEPARTMENT_HANDLER, personas.county, department=case.department)
    with pytest.raises(ValidationError, match="须通过审核程序"):
        case_decide(actor=civil, case=case, granted=True, reason="可以")
    household = make_household(personas.village, make_person(personas.village, "户主"))
    household_add_member(
        actor=personas[Role.VILLAGE_WORKER],
        household=household,
        person=make_person(personas.village, "新成员"),
        relation="child",
        joined_on=dt.date(2026, 1, 1),
    )
    assert [c.household for c in SEEN["changes"]] == [household]


def test_every_rule_the_code_cites_resolves_inside_the_repository() -> None:
    """``DOMAIN §n`` cites docs/domain.md (a copy of the bureau's rules), ``BRIEF`` docs/brief.md."""
    domain = (ROOT / "docs" / "domain.md").read_text(encoding="utf-8")
    sections = set(re.findall(r"^#{2,3} (\d+(?:\.\d+)?)[. ]", domain, flags=re.MULTILINE))
    assert {"1.1", "1.2", "2", "5", "6.2", "8.2"} <= sections
    cited: dict[str, str] = {}
    for path in [*SOURCES, *(ROOT / "minsheng").rglob("*.html"), *(ROOT / "docs").glob("*.md")]:
        for number in re.findall(r"DOMAIN(?:\.md)? ?§ ?(\d+(?:\.\d+)?)", path.read_text(encoding="utf-8")):
            cited[number.rstrip(".")] = str(path.relative_to(ROOT))
    assert len(cited) > 10
    assert {n: where for n, where in cited.items() if n not in sections} == {}
    assert (ROOT / "docs" / "brief.md").read_text(encoding="utf-8").count("137,000") == 1


def _eager_calls(node: ast.AST, names: set[str], in_function: bool = False) -> list[int]:
    """Lines of calls of ``names`` outside any function body."""
    lines = []
    for child in ast.iter_child_nodes(node):
        inside = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        if (
            not in_function
            and isinstance(child, ast.Call)
            and isinstance(child.func, ast.Name)
            and child.func.id in names
        ):
            lines.append(child.lineno)
        lines += _eager_calls(child, names, inside)
    return lines


def test_nothing_is_translated_at_import_time() -> None:
    """A text translated when its module is imported stays in the language of whoever imported it first: module-level
    and class-level texts use the lazy functions; the eager ones run only inside functions."""
    eager = {"gettext", "ngettext", "pgettext", "npgettext"}
    offenders = []
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {
            alias.asname or alias.name
            for node in tree.body
            if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation"
            for alias in node.names
            if alias.name in eager
        }
        offenders += [f"{path.relative_to(ROOT)}:{line}" for line in _eager_calls(tree, names)]
    assert offenders == []


@pytest.mark.parametrize(
    ("label", "chinese"),
    [
        ("minsheng.assistance.means.models:Simulation.Status.RUNNING", "测算中"),
        ("minsheng.people.models:ImportJob.Status.RUNNING", "导入中"),
        ("minsheng.payments.models:PayrollJob.Status.RUNNING", "编制中"),
    ],
)
def test_one_english_word_in_two_meanings_has_a_context_each(label: str, chinese: str) -> None:
    module, path = label.split(":")
    value: object = importlib.import_module(module)
    for name in path.split("."):
        value = getattr(value, name)
    assert str(value.label) == chinese  # type: ignore[attr-defined]
