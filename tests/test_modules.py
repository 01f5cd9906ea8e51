"""The module contract (core/modules.py): what the platform builds from the modules' declarations, and a module that
plugs in by its declaration alone (``tests/example_module``: no other app names it)."""

from __future__ import annotations

import ast
import datetime as dt
import importlib
import json
import re
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.utils import modify_settings, override_settings
from django.urls import clear_url_caches, reverse
from django.utils import timezone

from minsheng.accounts.context_processors import group_labels, navigation_entries
from minsheng.accounts.roles import Role, role_permissions, role_specs
from minsheng.accounts.services import role_assignment_add
from minsheng.audit.models import AuditEvent
from minsheng.audit.services import UndeclaredAuditAction, audit_record
from minsheng.catalog.models import Item
from minsheng.core.modules import NavEntry, audit_action_labels, item_handlers, modules, visit_kind, visit_kinds
from minsheng.demo.city import demo_steps
from minsheng.intake.services import ItemRequest, application_submit, case_decide
from minsheng.monitoring.models import Visit, VisitPhoto
from minsheng.monitoring.selectors import visits_for
from minsheng.monitoring.services import distance_metres
from minsheng.people.services import household_add_member
from minsheng.statistics import indicators
from minsheng.statistics.models import Cell
from minsheng.statistics.refresh import cells_rebuild
from minsheng.statistics.selectors import dashboard, default_period
from minsheng.testing import Personas, make_household, make_person, make_user
from tests.example_module.module import MEAL_AT

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
        "payments",
        "eldercare",
        "children",
        "social",
        "volunteers",
        "statistics",
    ]
    assert list(role_specs()) == [
        *(r.value for r in Role),
        "relief_staff",
        "funeral_staff",
        "eldercare_provider_staff",
        "social_admin",
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
        "payments",
        "eldercare",
        "children",
        "social",
        "volunteers",
    }
    assert [h.key for h in indicators.headlines()][:4] == [
        "dibao_persons",
        "tekun_persons",
        "disabled_in_difficulty",
        "children_in_difficulty",
    ]
    # Every module of the published table is built: each published row has its card.
    assert {
        "vagrants_helped",
        "vagrants_reunited",
        "cemeteries_filed",
        "social_organisations",
        "community_social_organisations",
        "social_workers",
        "community_centres",
        "volunteers",
        "volunteer_teams",
        "care_institutions",
        "home_care_elderly",
        "childrens_homes",
        "children_care_projects",
    } <= {h.key for h in indicators.headlines()}
    assert [p.key for p in indicators.unavailable()] == []  # every published figure has its module now


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

        for seen in module.SEEN.values():
            seen.clear()
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
    assert "example.meal" not in visit_kinds()
    with pytest.raises(KeyError):
        visit_kind("example.meal")
    assert "example_board_views" not in {h.key for h in indicators.headlines()}


@pytest.mark.django_db
def test_a_module_plugs_in_by_its_declaration_alone(example: None, personas: Personas) -> None:
    from tests.example_module.module import SEEN

    # A role, bound at the levels it declares, with the permissions it grants itself and other roles.
    keeper = make_user("keeper", None, personas.county)
    role_assignment_add(actor=personas[Role.CITY_ADMIN], user=keeper, role="example_keeper", division=personas.county)
    assert role_permissions()["example_keeper"] == {
        "example.view_board",
        "example.add_mealvisit",
        "areas.view_division",
    }
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
    assert (str(entry["label"]), entry["badge"]) == ("价格公示", "3")  # the badge as shown: "99+" above the cap
    assert client.get("/example/board/?area=321302001001").json() == {"board": "ok"}
    assert client.get("/api/v1/example-boards/").json() == [{"board": "ok"}]
    other = Client()
    other.force_login(personas[Role.VILLAGE_WORKER])
    assert other.get("/example/board/").status_code == 403

    # Its audit action, labelled for the auditor.
    event = AuditEvent.objects.unscoped().get(action="example.board_viewed")
    assert event.action_label == "价格公示已查看"

    # Its figure: computed by the statistics from its family, shown as a card of the dashboard.
    cells_rebuild()
    assert Cell.objects.filter(indicator="example_views", level=12, area=321302001001).get().value == 1
    board = dashboard(user=personas[Role.CITY_ADMIN], area_code=None, period=default_period())
    card = next(f for f in board.figures if f.key == "example_board_views")
    assert (card.available, card.value) == (True, 1)

    # Its demo step, its due work, its one-window item and its registry subscription.
    step = next(step for step in demo_steps() if step.order == 500)
    assert [s.order for s in demo_steps()] == [10, 20, 30, 35, 40, 50, 60, 70, 80, 82, 85, 87, 90, 500, 1000]
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


# --- A module's kind of home visit, recorded on monitoring's phone page ---------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def _meal_fields(**overrides: Any) -> dict[str, Any]:
    """A meal visit as the phone's script sends it: 40 minutes ago to 10 minutes ago, 333.6 m north of the home."""
    now = timezone.now()
    fields: dict[str, Any] = {
        "client_uuid": str(uuid.uuid4()),
        "checked_in_at": (now - dt.timedelta(minutes=40)).isoformat(),
        "checked_out_at": (now - dt.timedelta(minutes=10)).isoformat(),
        "latitude": "33.966000",
        "longitude": "118.275000",
        "answers": json.dumps({"meal": "eaten", "remark": "胃口好"}, ensure_ascii=False),
        "note": "按时送达",
    }
    fields.update(overrides)
    return {key: value for key, value in fields.items() if value is not None}


def _meal(personas: Personas) -> tuple[Any, Any, Client]:
    keeper = make_user("keeper", "example_keeper", personas.county)
    person = make_person(personas.village, "孙秀兰", birth="1941-02-02")
    client = Client()
    client.force_login(keeper)
    return keeper, person, client


def _meal_url(person: Any, name: str = "monitoring:visit_kind_submit") -> str:
    return reverse(name, args=["example.meal", person.pk])


def _all_visits() -> Any:
    # unscoped: the test counts every visit written
    return Visit.objects.unscoped()


@pytest.mark.django_db
def test_a_module_s_timed_visit_with_photos_before_and_after_arrives_once(example: None, personas: Personas) -> None:
    from tests.example_module.module import SEEN

    keeper, person, client = _meal(personas)
    assert visit_kind("example.meal").timed is True
    assert visit_kind("warning").outcomes is True

    page = client.get(_meal_url(person, "monitoring:visit_kind_phone"))
    assert page.status_code == 200
    html = page.content.decode()
    for words in ("助餐服务", "助餐 · 12月第2次", person.id_masked, "服务前", "服务后", "签退", "用餐情况", "拒绝用餐"):
        assert words in html, words
    assert person.id_number not in html
    assert 'data-kind="example.meal"' in html and f'data-subject="{person.pk}"' in html
    assert 'href="/example/board/" id="visit-back"' in html

    key = str(uuid.uuid4())
    photos = {
        "photos_before": SimpleUploadedFile("b.png", PNG, content_type="image/png"),
        "photos_after": SimpleUploadedFile("a.jpg", JPEG, content_type="image/jpeg"),
    }
    first = client.post(_meal_url(person), data=_meal_fields(client_uuid=key, **photos))
    second = client.post(_meal_url(person), data=_meal_fields(client_uuid=key))  # the answer was lost: sent again

    assert first.status_code == 201, first.content
    body = first.json()
    assert (body["client_uuid"], body["created"], body["message"], body["flags"], body["minutes"]) == (
        key,
        True,
        "助餐服务已记录。",
        [],
        30,
    )
    assert second.status_code == 200
    assert (second.json()["visit"], second.json()["created"]) == (body["visit"], False)
    visit = _all_visits().get()
    assert (visit.kind, visit.subject_id, visit.person_id, visit.area_code, visit.recorded_by) == (
        "example.meal",
        person.pk,
        person.pk,
        personas.village.code,
        keeper,
    )
    assert visit.duration == dt.timedelta(minutes=30)
    assert (visit.answers, visit.note, visit.flags, visit.alert_id) == (
        {"meal": "eaten", "remark": "胃口好"},
        "按时送达",
        [],
        None,
    )
    assert sorted(visit.photos.values_list("stage", "content_type")) == [
        ("after", "image/jpeg"),
        ("before", "image/png"),
    ]
    assert SEEN["visits"] == [visit.pk]
    event = AuditEvent.objects.unscoped().get(action="monitoring.visit_recorded")
    after = event.after or {}
    assert (event.area_code, after["kind"], after["subject"]) == (
        personas.village.code,
        "example.meal",
        person.pk,
    )
    # Shown to the module's own staff (and to monitoring's readers), not to anyone else.
    assert list(visits_for(keeper, "example.meal", person.pk)) == [visit]
    assert list(visits_for(personas[Role.TOWNSHIP_REVIEWER], "example.meal", person.pk)) == [visit]
    assert list(visits_for(personas.outsider(Role.TOWNSHIP_REVIEWER), "example.meal", person.pk)) == []
    assert list(visits_for(personas[Role.TOWNSHIP_WINDOW], "example.meal", person.pk + 1)) == []


@pytest.mark.django_db
def test_a_visit_s_flags_far_no_location_and_overlap(example: None, personas: Personas) -> None:
    _keeper, person, client = _meal(personas)
    home = MEAL_AT
    assert round(distance_metres(home, (Decimal("33.966000"), Decimal("118.275000"))), 1) == 333.6
    assert round(distance_metres(home, (Decimal("33.968000"), Decimal("118.275000"))), 1) == 556.0
    now = timezone.now()

    def send(minutes: tuple[int, int], **fields: Any) -> list[str]:
        times = {
            "checked_in_at": (now - dt.timedelta(minutes=minutes[0])).isoformat(),
            "checked_out_at": (now - dt.timedelta(minutes=minutes[1])).isoformat(),
        }
        response = client.post(_meal_url(person), data=_meal_fields(**times, **fields))
        assert response.status_code == 201, response.content
        return list(_all_visits().get(pk=response.json()["visit"]).flags)

    assert send((300, 270)) == []  # 333.6 m away: near enough
    assert send((260, 230), latitude="33.968000") == ["far"]  # 556.0 m away
    with override_settings(VISIT_FAR_METRES=600):
        assert send((220, 190), latitude="33.968000") == []
    assert send((180, 150), latitude="", longitude="") == ["no_location"]
    assert send((160, 140), latitude="33.968000") == ["far", "overlap"]  # 150–160 min ago: the visit before's end
    assert send((140, 120)) == []  # begins as the one before ends: no overlap
    flagged = client.post(_meal_url(person), data=_meal_fields()).json()
    assert flagged["flags"] == []
    again = client.post(
        _meal_url(person),
        data=_meal_fields(checked_in_at=(now - dt.timedelta(minutes=20)).isoformat(), latitude="", longitude=""),
    ).json()
    assert again["flags"] == ["未记录走访地点", "与本人其他走访时间重叠"]
    assert _all_visits().count() == 8  # flags never refuse a visit


@pytest.mark.django_db
def test_a_module_refusing_a_visit_rolls_it_back_with_its_chinese_reason(example: None, personas: Personas) -> None:
    from tests.example_module.module import SEEN

    _keeper, person, client = _meal(personas)
    photo = SimpleUploadedFile("b.png", PNG, content_type="image/png")
    refused = client.post(
        _meal_url(person),
        data=_meal_fields(answers=json.dumps({"meal": "refused"}), photos_before=photo),
    )
    assert refused.status_code == 400
    assert refused.json() == {"errors": {"answers": ["老人拒绝用餐，不能记为已完成的助餐服务。"]}}
    assert (_all_visits().count(), VisitPhoto.objects.count(), SEEN["visits"]) == (0, 0, [])
    assert not AuditEvent.objects.unscoped().filter(action="monitoring.visit_recorded").exists()

    # The page's other refusals, in Chinese, nothing written.
    for fields, field in (
        ({"checked_out_at": ""}, "checked_out_at"),
        ({"checked_out_at": (timezone.now() - dt.timedelta(hours=2)).isoformat()}, "checked_out_at"),
        ({"photos": SimpleUploadedFile("p.png", PNG, content_type="image/png")}, "photos"),
        ({"answers": json.dumps({"meal": "maybe"})}, "answers"),
        ({"note": "长" * 501}, "note"),
    ):
        response = client.post(_meal_url(person), data=_meal_fields(**fields))
        assert response.status_code == 400, (field, response.content)
        assert list(response.json()["errors"]) == [field]
    assert client.post(_meal_url(person), data=_meal_fields(checked_out_at="")).json()["errors"] == {
        "checked_out_at": ["请在走访结束时签退。"]
    }
    assert _all_visits().count() == 0


@pytest.mark.django_db
def test_a_module_s_visit_outside_scope_404_without_permission_403(example: None, personas: Personas) -> None:
    _keeper, person, client = _meal(personas)
    elsewhere = make_person(personas.other_village, "周桂英", birth="1940-01-01")
    assert client.get(_meal_url(elsewhere, "monitoring:visit_kind_phone")).status_code == 404
    assert client.post(_meal_url(elsewhere), data=_meal_fields()).status_code == 404
    assert client.get(reverse("monitoring:visit_kind_phone", args=["nothing.here", person.pk])).status_code == 404
    assert client.post(reverse("monitoring:visit_kind_submit", args=["nothing.here", person.pk])).status_code == 404

    worker = Client()
    worker.force_login(personas[Role.VILLAGE_WORKER])  # visits warnings, records no meals
    assert worker.get(_meal_url(person, "monitoring:visit_kind_phone")).status_code == 403
    forbidden = worker.post(_meal_url(person), data=_meal_fields())
    assert (forbidden.status_code, forbidden.json()) == (403, {"errors": {"__all__": ["您无权记录走访。"]}})
    assert Client().post(_meal_url(person), data=_meal_fields()).status_code == 401
    assert _all_visits().count() == 0


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
