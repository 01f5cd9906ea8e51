"""What a person sees: Chinese pages, the English switch, error pages, assets served by the application."""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

from minsheng.accounts.roles import Role
from minsheng.core.middleware import CONTENT_SECURITY_POLICY
from minsheng.testing import Personas

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = sorted((ROOT / "minsheng").rglob("templates/**/*.html"))
LOCALE = ROOT / "minsheng" / "locale" / "zh_Hans" / "LC_MESSAGES"


@pytest.mark.django_db
def test_the_login_page_is_chinese_with_a_strict_policy() -> None:
    response = Client().get(reverse("accounts:login"))
    page = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in page
    assert "登录" in page and "账号" in page and "密码" in page
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY and "unsafe-inline" not in CONTENT_SECURITY_POLICY


@pytest.mark.django_db
def test_an_english_browser_still_gets_chinese() -> None:
    page = Client().get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-hans">' in page and "登录" in page


@pytest.mark.django_db
def test_english_is_one_click_away(personas: Personas) -> None:
    client = Client()
    client.force_login(personas[Role.VILLAGE_WORKER])
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("home")}, follow=True)
    page = response.content.decode()
    assert '<html lang="en">' in page
    assert "Your roles" in page and "Village worker" in page
    response = client.post(reverse("set_language"), {"language": "zh-hans", "next": reverse("home")}, follow=True)
    assert "您的角色" in response.content.decode()


@pytest.mark.django_db
def test_error_pages_are_chinese(personas: Personas) -> None:
    client = Client()
    client.force_login(personas[Role.VILLAGE_WORKER])
    not_found = client.get(reverse("areas:detail", args=[personas.other_village.code]))
    assert not_found.status_code == 404 and "页面不存在" in not_found.content.decode()
    forbidden = client.get(reverse("audit:event_list"))
    assert forbidden.status_code == 403 and "您无权打开此页面" in forbidden.content.decode()


def test_the_server_error_page_renders_without_a_database() -> None:
    from django.test import RequestFactory

    from minsheng.core.views import error_500

    response = error_500(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "系统出现故障" in response.content.decode()


@pytest.mark.django_db
def test_navigation_follows_the_role(personas: Personas) -> None:
    def nav(role: str) -> list[str]:
        client = Client()
        client.force_login(personas[role])
        return [str(e["label"]) for e in client.get(reverse("home")).context["nav_entries"]]

    volunteers = ["志愿者", "志愿服务队伍", "需求与任务"]
    assert nav(Role.VILLAGE_WORKER) == [
        "受理申请",
        "申请查询",
        "事项办理",
        "超期",
        "政策咨询",
        "预警",
        "低收入人口",
        "居民",
        "低保、特困审核",
        "临时救助",
        "保障对象",
        "服务履约",
        "特殊困难老年人",
        "养老机构",
        "尊老金核查",
        "无服务商的照护需求",
        "统计分析",
        "社会组织",
        "服务中心与社工站",
        "社会工作者",
        "慈善项目",
        *volunteers,
        "待确认变更",
        "救助事项",
        "政策参数",
        "行政区划",
        "工作日历",
    ]
    assert nav(Role.DEPARTMENT_HANDLER) == ["事项办理", "超期", "救助事项", "政策参数", "行政区划", "工作日历"]
    assert "待核验上门服务" in nav(Role.TOWNSHIP_REVIEWER)  # the care visits the township verifies before they are paid
    relief_and_funeral = [
        "入站救助",
        "巡查与专项行动",
        "殡葬服务机构",
        "价格备案",
        "殡葬业务",
        "减免费用结算",
        "价格举报",
    ]
    exchange = ["部门数据", "数据来源", "月度核对", "核对发现", "家庭经济状况核对"]
    eldercare = ["服务履约", "特殊困难老年人", "养老机构", "尊老金核查", "无服务商的照护需求", "服务机构", "服务结算"]
    social = ["社会组织", "服务中心与社工站", "社会工作者", "慈善项目"]
    assert nav(Role.AUDITOR) == [
        "政策咨询",
        "预警",
        "低收入人口",
        "预警规则",
        "居民",
        "低保、特困审核",
        "临时救助",
        "保障对象",
        *relief_and_funeral,
        "儿童之家与实践基地",
        "儿童福利工作队伍",
        *eldercare,
        "统计分析",
        *exchange,
        *social,
        *volunteers,
        "待确认变更",
        "救助事项",
        "政策参数",
        "行政区划",
        "救助管理站",
        "部门接入系统",
        "工作日历",
        "审计日志",
    ]
    assert nav(Role.CITY_ADMIN) == [
        "政策咨询",
        "预警",
        "低收入人口",
        "预警规则",
        "居民",
        "低保、特困审核",
        "临时救助",
        "保障对象",
        "政策测算",
        *relief_and_funeral,
        "儿童之家与实践基地",
        "儿童福利工作队伍",
        *eldercare,
        "统计分析",
        *exchange,
        *social,
        *volunteers,
        "待确认变更",
        "导入",
        "疑似重复",
        "救助事项",
        "政策参数",
        "行政区划",
        "救助管理站",
        "部门接入系统",
        "工作日历",
        "用户与角色",
        "审计日志",
    ]
    # The new modules' own staff: their own work and the reference pages, never the registry.
    assert nav("relief_staff") == [
        "入站救助",
        "巡查与专项行动",
        "救助事项",
        "政策参数",
        "行政区划",
        "救助管理站",
        "工作日历",
    ]
    assert nav("eldercare_provider_staff") == [
        "我的上门服务",
        "服务机构",
        "服务结算",
        "救助事项",
        "政策参数",
        "行政区划",
        "工作日历",
    ]
    # The children's roles: the files and their work, the reference pages; never the registry (DOMAIN §6.2).
    assert nav("child_director") == [
        "困境儿童",
        "儿童之家与实践基地",
        "强制报告",
        "救助事项",
        "政策参数",
        "行政区划",
        "工作日历",
    ]
    assert nav("child_supervisor") == [
        "困境儿童",
        "儿童之家与实践基地",
        "儿童关爱项目",
        "强制报告",
        "儿童福利工作队伍",
        "救助事项",
        "政策参数",
        "行政区划",
        "工作日历",
    ]
    assert nav("funeral_staff") == [
        "殡葬服务机构",
        "价格备案",
        "殡葬业务",
        "减免费用结算",
        "救助事项",
        "政策参数",
        "行政区划",
        "工作日历",
    ]


@pytest.mark.django_db
def test_division_search_answers_htmx_with_the_fragment_only(personas: Personas) -> None:
    client = Client()
    client.force_login(personas[Role.TOWNSHIP_WINDOW])
    full = client.get(reverse("areas:index"), {"q": personas.village.name})
    fragment = client.get(reverse("areas:index"), {"q": personas.village.name}, HTTP_HX_REQUEST="true")
    assert "<html" in full.content.decode()
    assert "<html" not in fragment.content.decode()
    assert personas.village.code in fragment.content.decode()
    assert [d.code for d in fragment.context["results"]] == [personas.village.code]


def test_every_static_file_a_template_names_is_served_by_the_application() -> None:
    names = set()
    for template in TEMPLATES:
        names |= set(re.findall(r"{% static '([^']+)' %}", template.read_text(encoding="utf-8")))
    assert "vendor/htmx/htmx.min.js" in names
    missing = sorted(name for name in names if finders.find(name) is None)
    assert missing == [], "run `make assets`"


def test_no_page_or_script_loads_anything_from_another_host() -> None:
    offenders = []
    for path in [*TEMPLATES, *sorted((ROOT / "minsheng" / "core" / "static" / "js").glob("*.js"))]:
        for match in re.finditer(r"""(?:src|href)\s*=\s*["']?(https?:)?//""", path.read_text(encoding="utf-8")):
            offenders.append(f"{path.name}: {match.group(0)}")
    assert offenders == []


def _translated(entry: polib.POEntry) -> bool:
    """A message has its Chinese: its msgstr, or every form of a plural one."""
    if entry.msgid_plural:
        return bool(entry.msgstr_plural) and all(entry.msgstr_plural.values())
    return bool(entry.msgstr)


def test_translations_are_complete_and_compiled() -> None:
    po = polib.pofile(str(LOCALE / "django.po"))
    assert [e.msgid for e in po if not _translated(e) or "fuzzy" in e.flags] == []
    compiled = {(e.msgctxt, e.msgid): e.msgstr for e in polib.mofile(str(LOCALE / "django.mo"))}
    assert {(e.msgctxt, e.msgid): e.msgstr for e in po if not e.obsolete} == {k: v for k, v in compiled.items() if k[1]}
    assert settings.LANGUAGE_CODE == "zh-hans"


@pytest.mark.django_db
def test_a_long_navigation_gathers_its_groups_into_menus(personas: Personas) -> None:
    """A city administrator's thirty-two entries fit one line as menus; a department handler's six stay flat; a group
    of one entry stays an entry."""

    def groups(role: str) -> list[tuple[str, bool, int]]:
        client = Client()
        client.force_login(personas[role])
        context = client.get(reverse("home")).context
        return [(str(g["label"]), g["menu"], len(g["entries"])) for g in context["nav_groups"]]

    admin = groups(Role.CITY_ADMIN)
    assert admin == [
        ("一门受理", False, 1),
        ("动态监测", True, 3),
        ("救助保障", True, 5),
        ("救助管理", True, 2),
        ("殡葬服务", True, 5),
        ("儿童", True, 2),
        ("养老服务", True, 7),
        ("", False, 1),
        ("数据交换", True, 5),
        ("五社联动", True, 7),
        ("系统管理", True, 11),
    ]
    assert all(not menu for _label, menu, _n in groups(Role.DEPARTMENT_HANDLER))
    assert [label for label, menu, _n in groups(Role.VILLAGE_WORKER) if menu] == [
        "一门受理",
        "动态监测",
        "救助保障",
        "养老服务",
        "五社联动",
        "系统管理",
    ]
    client = Client()
    client.force_login(personas[Role.CITY_ADMIN])
    html = client.get(reverse("home")).content.decode()
    assert 'data-bs-toggle="dropdown" aria-expanded="false">系统管理</a>' in html
    assert '<a class="dropdown-item" href="/audit/">审计日志</a>' in html
