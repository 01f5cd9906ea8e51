"""The pages of proactive discovery, per role: the warnings, the desk visit form, the township's confirmation, the
rules with their preview, the 一户一档."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from minsheng.accounts.roles import Role
from minsheng.intake.models import Application
from minsheng.monitoring.models import Alert, MonitoredHousehold, Visit, WarningRule
from minsheng.monitoring.services import alerts_raise, population_refresh
from minsheng.monitoring.tests.test_discovery import _feeds, _window, people  # noqa: F401 - the fixture
from minsheng.testing import Personas

pytestmark = pytest.mark.django_db


def _client(p: Personas, role: str) -> Client:
    client = Client()
    client.force_login(p[role])
    return client


@pytest.fixture
def alert(personas: Personas, people: dict[str, Any]) -> Alert:  # noqa: F811 - the fixture imported above
    _feeds(personas, people)
    alerts_raise(**_window())
    return Alert.objects.unscoped().get(rule_code="medical_large")


def test_the_village_worker_sees_the_warning_and_records_the_visit_once(personas: Personas, alert: Alert) -> None:
    p = personas
    worker = _client(p, Role.VILLAGE_WORKER)
    listing = worker.get(reverse("monitoring:alert_list"))
    assert listing.status_code == 200 and alert.summary in listing.content.decode()
    detail = worker.get(reverse("monitoring:alert_detail", args=[alert.pk]))
    assert detail.status_code == 200 and "记录走访" in detail.content.decode()
    form = {
        "client_uuid": str(uuid.uuid4()),
        "checked_in_at": "2026-12-04T10:30",
        "outcome": "applied",
        "items": ["1"],
        "reason": "大病住院，收入骤减",
    }

    first = worker.post(reverse("monitoring:visit_desk", args=[alert.pk]), form)
    second = worker.post(reverse("monitoring:visit_desk", args=[alert.pk]), form)  # a double click

    assert (first.status_code, second.status_code) == (302, 302)
    alert.refresh_from_db()
    assert (alert.status, Visit.objects.unscoped().count(), Application.objects.unscoped().count()) == ("visited", 1, 1)


def test_a_visit_without_reasons_is_a_chinese_form_error(personas: Personas, alert: Alert) -> None:
    worker = _client(personas, Role.VILLAGE_WORKER)
    form = {"client_uuid": str(uuid.uuid4()), "checked_in_at": "2026-12-04T10:30", "outcome": "closed", "reason": ""}
    response = worker.post(reverse("monitoring:visit_desk", args=[alert.pk]), form)
    assert response.status_code == 400 and "关闭预警需要填写原因" in response.content.decode()
    assert Visit.objects.unscoped().count() == 0


def test_the_township_confirms_and_another_county_sees_nothing(personas: Personas, alert: Alert) -> None:
    p = personas
    worker = _client(p, Role.VILLAGE_WORKER)
    worker.post(
        reverse("monitoring:visit_desk", args=[alert.pk]),
        {"checked_in_at": "2026-12-04T10:30", "outcome": "referred", "referred_to": "医保局（医疗救助）", "reason": ""},
    )
    township = _client(p, Role.TOWNSHIP_REVIEWER)
    response = township.post(reverse("monitoring:alert_confirm", args=[alert.pk]), {"decision": "confirm"})
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.status == "done"
    outsider = Client()
    outsider.force_login(p.outsider(Role.VILLAGE_WORKER))
    assert outsider.get(reverse("monitoring:alert_detail", args=[alert.pk])).status_code == 404
    assert worker.post(reverse("monitoring:alert_confirm", args=[alert.pk]), {"decision": "confirm"}).status_code == 403


def test_the_administrator_previews_and_saves_a_rule_and_bad_rules_are_refused(
    personas: Personas, alert: Alert
) -> None:
    admin = _client(personas, Role.CITY_ADMIN)
    assert admin.get(reverse("monitoring:rule_list")).status_code == 200
    rule = WarningRule.objects.get(code="utility_cutoff")
    form = {
        "code": "utility_cutoff",
        "name": "水电气欠费（含未停供）",
        "source": "utility_arrears",
        "amount_at_least": "50",
        "column": "",
        "values": "",
        "severity": "medium",
        "deadline_days": "5",
        "recipients": "village",
        "area_prefix": "3213",
        "valid_from": "2026-12-06",
        "active": "on",
        "note": "欠费即预警",
    }
    preview = admin.post(reverse("monitoring:rule_edit", args=[rule.pk]), {**form, "preview": "1"})
    assert preview.status_code == 200 and "预览：将产生 1 条预警（2 条信号满足条件）" in preview.content.decode()
    assert WarningRule.objects.filter(code="utility_cutoff").count() == 1
    saved = admin.post(reverse("monitoring:rule_edit", args=[rule.pk]), form)
    assert saved.status_code == 302
    assert list(WarningRule.objects.filter(code="utility_cutoff").values_list("version", flat=True)) == [2, 1]
    bad = admin.post(reverse("monitoring:rule_new"), {**form, "code": "x", "source": "police_death"})
    assert bad.status_code == 400 and "该数据来源没有可比较的金额" in bad.content.decode()
    worker = _client(personas, Role.VILLAGE_WORKER)
    assert worker.get(reverse("monitoring:rule_new")).status_code == 403


def test_the_household_file(personas: Personas, alert: Alert) -> None:
    from minsheng.exchange.services import feed_upload
    from minsheng.exchange.tests.factories import OFFICER, csv_of, source

    person = alert.person
    feed_upload(
        actor=personas[OFFICER],
        source=source("union_hardship"),
        batch="GH-1",
        content=csv_of(
            ["id_number", "name", "level", "registered_on"], [person.id_number, person.name, "deep", "2026-11-01"]
        ),
        filename="gh.csv",
    )
    population_refresh()
    monitored = MonitoredHousehold.objects.unscoped().get()
    township = _client(personas, Role.TOWNSHIP_WINDOW)
    page = township.get(reverse("monitoring:population"), {"group": "union_hardship"})
    assert page.status_code == 200 and monitored.household.number in page.content.decode()
    file = township.get(reverse("monitoring:household_file", args=[monitored.pk]))
    assert file.status_code == 200 and alert.summary in file.content.decode()
