"""A readable audit log (issue 14 point 6): roles and actions in Chinese, objects described as a person would read
them through the modules' ``audit_objects``, and a search by person (ID number or person id) that finds the events of
everything about the person (``person_objects``)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from minsheng.accounts.roles import Role
from minsheng.assistance.procedure.tests.test_procedure import case_at
from minsheng.assistance.programmes import Programme
from minsheng.assistance.temporary.services import temporary_aid_open
from minsheng.audit.models import AuditEvent
from minsheng.catalog.models import Item
from minsheng.core.modules import audit_action_labels
from minsheng.intake.services import ItemRequest, application_submit
from minsheng.testing import Personas, make_person

pytestmark = pytest.mark.django_db


def _search(client: Client, **params: str) -> Any:
    response = client.get(reverse("audit:event_list"), params)
    assert response.status_code == 200
    return response


def test_a_search_by_person_finds_the_events_of_their_applications_cases_and_aid(personas: Personas) -> None:
    p = personas
    case = case_at(p, "publicity_running", alone=True)
    person = case.applicant
    aid = temporary_aid_open(
        actor=p[Role.TOWNSHIP_WINDOW], person=person, kind="urgent", event="家中失火", requested_fen=50_000
    )
    other = make_person(p.village, "李强")
    school = Item.objects.get(number=30)
    theirs = application_submit(
        actor=p[Role.VILLAGE_WORKER],
        person=other,
        requests=[ItemRequest(item=school, materials_provided=tuple(school.materials))],
        on_behalf=True,
    )
    client = Client()
    client.force_login(p[Role.AUDITOR])

    found = [(e.action, e.object_type, e.object_id) for e in _search(client, person=person.id_number).context["page"]]
    application = case.case.application
    assert ("intake.application_submitted", "intake.application", str(application.pk)) in found
    assert ("assistance.programme_case_publicity_started", "assistance.programmecase", str(case.pk)) in found
    assert ("assistance.temporary_opened", "assistance.temporaryaid", str(aid.pk)) in found
    assert ("assistance.assessment_run", "assistance.assessment", str(case.assessment_id)) in found
    assert not any(object_id == str(theirs.pk) and kind == "intake.application" for _a, kind, object_id in found)
    expected = AuditEvent.objects.unscoped().filter(
        object_type__in=[
            "intake.application",
            "intake.itemcase",
            "assistance.programmecase",
            "assistance.temporaryaid",
        ],
    )
    mine = {(e.object_type, e.object_id) for e in expected} - {
        ("intake.application", str(theirs.pk)),
        ("intake.itemcase", str(theirs.cases.get().pk)),
    }
    assert mine <= {(kind, object_id) for _a, kind, object_id in found}
    # The person's id finds the same; a person outside the auditor's areas or a wrong number finds nothing of hers.
    by_id = [(e.action, e.object_id) for e in _search(client, person=str(person.pk)).context["page"]]
    assert ("intake.application_submitted", str(application.pk)) in by_id
    outsider = Client()
    outsider.force_login(p.outsider(Role.AUDITOR))
    assert list(_search(outsider, person=person.id_number).context["page"]) == []


def test_roles_actions_and_objects_read_in_chinese_with_masked_names(personas: Personas) -> None:
    p = personas
    case = case_at(p, "publicity_running", alone=True)
    person = case.applicant
    receipt = case.case.application.receipt_number
    client = Client()
    client.force_login(p[Role.AUDITOR])
    response = _search(client, person=person.id_number)
    rows = {row.event.action: row for row in response.context["rows"]}
    with translation.override("zh-hans"):
        village_worker = str(Role.VILLAGE_WORKER.label)
        reviewer = str(Role.TOWNSHIP_REVIEWER.label)
        labels = {code: str(label) for code, label in audit_action_labels().items()}
        stage = str(case.get_stage_display())
        dibao = str(Programme.DIBAO.label)
    submitted = rows["intake.application_submitted"]
    assert submitted.roles == village_worker and re.search(r"[\u4e00-\u9fff]", village_worker)
    assert submitted.object_text == f"申请 {receipt} · 张**"
    publicity = rows["assistance.programme_case_publicity_started"]
    assert publicity.roles == reviewer
    assert publicity.object_text == f"{dibao} · {receipt} · {stage} · 张**"
    assert publicity.object_text.endswith(" · 张**") and person.name not in publicity.object_text

    html = response.content.decode()
    table = html.split('id="audit-table"')[1]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", table, re.S)
    assert labels["intake.application_submitted"] in html and "最低生活保障" in html
    assert not any("intake.application_submitted" in cell for cell in cells)  # a code only in a title
    assert not any(f"{case.programme} {case.case_id}" in cell for cell in cells)  # the raw "dibao 697 …"


def test_the_action_is_chosen_by_its_words(personas: Personas) -> None:
    p = personas
    case = case_at(p, "accepted", alone=True)
    client = Client()
    client.force_login(p[Role.AUDITOR])
    html = _search(client).content.decode()
    with translation.override("zh-hans"):
        label = str(audit_action_labels()["intake.application_submitted"])
    assert f'<option value="intake.application_submitted">{label}</option>' in html
    chosen = _search(client, action="intake.application_submitted").context["page"]
    assert [(e.action, e.object_id) for e in chosen] == [
        ("intake.application_submitted", str(case.case.application_id))
    ]
    refused = client.get(reverse("audit:event_list"), {"action": "<script>"})
    assert refused.status_code == 400 and refused.context["form"].errors["action"]
