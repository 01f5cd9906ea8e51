"""Printable notices: the data each notice shows, to the exact value, and the PDF they make (DOMAIN §1.2 point 7).

The 公示 list shows a family's name, household size and amount, and nothing else: no ID number, no address.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import re
import zlib

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from minsheng.accounts.roles import Role
from minsheng.areas.models import Division
from minsheng.assistance.benefits.notices import notice_for_benefit
from minsheng.assistance.benefits.services import benefit_stop
from minsheng.assistance.benefits.tests.endpoints import Family
from minsheng.assistance.pdf import PublicityRow, PublicitySection, render_publicity
from minsheng.assistance.procedure.models import ProgrammeCase
from minsheng.assistance.procedure.notices import decision_notice_for_case, publicity_sections
from minsheng.assistance.procedure.tests.endpoints import programme_case
from minsheng.audit.models import AuditEvent
from minsheng.core.months import first_day_of_next_month
from minsheng.core.pdf import render_notice
from minsheng.testing import Personas

pytestmark = pytest.mark.django_db

ON = dt.date(2026, 1, 15)


def _pages(pdf: bytes) -> int:
    assert pdf.startswith(b"%PDF-")
    count = re.search(rb"/Count (\d+)", pdf)  # the page tree's (a notice has no outline)
    assert count is not None
    return int(count.group(1))


_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _unescape(literal: bytes) -> bytes:
    """A PDF literal string's bytes: octal escapes, escaped parentheses and backslashes."""

    def one(match: re.Match[bytes]) -> bytes:
        escaped = match.group(1)
        if escaped[:1].isdigit():
            return bytes([int(escaped, 8)])
        return _ESCAPES.get(escaped, escaped)

    return re.sub(rb"\\([0-7]{1,3}|.)", one, literal, flags=re.S)


def _text(pdf: bytes) -> str:
    """The text drawn on the pages, in order: reportlab writes CID text (STSong-Light, UniGB-UCS2-H) as UTF-16BE
    strings in ASCII85 + Flate content streams."""
    lines = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        content = zlib.decompress(base64.a85decode(stream.strip().removesuffix(b"~>")))
        for literal in re.findall(rb"\(((?:\\.|[^\\)])*)\) Tj", content, re.S):
            lines.append(_unescape(literal).decode("utf-16-be"))
    return "\n".join(lines)


def _zh(msgid: str) -> str:
    with translation.override("zh-hans"):
        return _(msgid)


def test_the_publicity_rows_hold_only_name_household_size_and_amount(personas: Personas) -> None:
    in_notice = Family(personas, names=("陈刚", "周丽", "陈晨"))
    programme_case(personas, in_notice, stage=ProgrammeCase.Stage.PUBLICITY, on=ON)
    decided = Family(personas, names=("刘洋", "王静", "刘一"))
    programme_case(personas, decided, stage=ProgrammeCase.Stage.ENROLLED, on=ON)
    refused = Family(personas, names=("孙丽", "赵军", "孙小"))
    refused.new_version()
    refused.add("asset", person=refused.people[0], kind="deposit", value_fen=9_000_000)
    programme_case(personas, refused, stage=ProgrammeCase.Stage.PUBLICITY, on=ON + dt.timedelta(days=2))

    assert [f.name for f in dataclasses.fields(PublicityRow)] == ["name", "household_size", "monthly_fen"]
    sections = publicity_sections(user=personas[Role.TOWNSHIP_REVIEWER], area=personas.village)
    assert [(s.programme, s.period_from, s.period_to) for s in sections] == [("dibao", ON, ON + dt.timedelta(days=8))]
    assert [dataclasses.asdict(r) for r in sections[0].rows] == [
        {"name": "陈刚", "household_size": 3, "monthly_fen": 156_000},
        {"name": "孙丽", "household_size": 3, "monthly_fen": None},  # the test refuses: no amount is proposed
    ]
    # The township sees its villages; another village of the township has nothing in notice.
    township = publicity_sections(user=personas[Role.TOWNSHIP_REVIEWER], area=personas.township)
    assert [r.name for r in township[0].rows] == ["陈刚", "孙丽"]
    other_village = (
        Division.objects.all().filter(parent=personas.township, level="village").exclude(pk=personas.village.pk)
    ).first()
    assert other_village is not None
    assert publicity_sections(user=personas[Role.TOWNSHIP_REVIEWER], area=other_village) == []
    assert publicity_sections(user=personas.outsider(Role.TOWNSHIP_REVIEWER), area=personas.village) == []


def test_the_publicity_list_prints_as_a_pdf_and_is_audited(personas: Personas) -> None:
    family = Family(personas, names=("陈刚", "周丽", "陈晨"))
    programme_case(personas, family, stage=ProgrammeCase.Stage.PUBLICITY, on=ON)
    client = Client()
    client.force_login(personas[Role.VILLAGE_WORKER])
    url = reverse("assistance:publicity_list")
    response = client.get(url, {"area": personas.village.code})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "no-store"
    assert _pages(response.content) == 1
    text = _text(response.content)
    assert "陈刚" in text and "¥1,560.00" in text
    assert family.people[0].id_number not in text and family.people[0].id_masked not in text
    assert client.get(url, {"area": personas.village.code}).content == response.content  # invariant output
    events = AuditEvent.objects.unscoped().filter(action="assistance.publicity_list_printed")
    assert [(e.kind, e.area_code, e.actor_id) for e in events] == [
        ("view", personas.village.code, personas["village_worker"].pk)
    ] * 2
    assert client.get(url, {"area": personas.other_village.code}).status_code == 404
    assert client.get(url, {"area": personas.township.code}).status_code == 404  # above the village worker's area
    assert client.get(url).status_code == 404


def test_a_long_publicity_list_runs_over_pages(personas: Personas) -> None:
    sections = [
        PublicitySection(
            programme="dibao",
            rows=[PublicityRow(name=f"张{i}", household_size=2, monthly_fen=100_000) for i in range(120)],
            period_from=ON,
            period_to=ON + dt.timedelta(days=6),
        )
    ]
    # About 25 rows on the first page (under the title) and 31 on each further page, the header repeated.
    pdf = render_publicity(area=personas.village, sections=sections)
    assert _pages(pdf) == 5
    assert _text(pdf).count("张119") == 1


def test_the_decision_notice_of_an_approval_shows_amount_first_month_and_steps(personas: Personas) -> None:
    family = Family(personas, names=("陈刚", "周丽", "陈晨"))
    case = programme_case(personas, family, stage=ProgrammeCase.Stage.ENROLLED, on=ON)
    benefit = family.enrol(assessed_on=ON, decided_on=dt.date(2026, 1, 20), programme_case=case)
    notice = decision_notice_for_case(case)
    assert notice is not None
    assert notice.title == _zh("Notice of approval (确认通知书)")
    assert [value for _label, value in notice.facts] == [
        "陈刚",
        "3",
        _zh(str(benefit.get_programme_display())),
        "¥1,560.00",
        "2026年2月",
        _zh("%(n)s months") % {"n": 6},
        case.case.application.receipt_number,
    ]
    assert benefit.assessment_result is not None
    assert notice.steps == benefit.assessment_result.explanation
    assert notice.steps[-2] == "补差：（¥880.00 − ¥360.00）× 3 = ¥1,560.00/月。"
    assert notice.reasons == []

    client = Client()
    client.force_login(personas[Role.TOWNSHIP_WINDOW])
    response = client.get(reverse("assistance:decision_notice", kwargs={"pk": case.pk}))
    assert response.status_code == 200 and _pages(response.content) == 1
    text = _text(response.content)
    assert "陈刚" in text and "¥1,560.00" in text and "2026年2月" in text
    assert "补差：（¥880.00 − ¥360.00）× 3 = ¥1,560.00/月。" in text
    event = AuditEvent.objects.unscoped().get(action="assistance.decision_notice_printed")
    assert (event.kind, event.object_id, event.area_code) == ("view", str(case.pk), case.area_code)


def test_the_decision_notice_of_a_refusal_gives_the_written_reasons(personas: Personas) -> None:
    family = Family(personas, names=("孙丽", "赵军", "孙小"))
    family.new_version()
    family.add("asset", person=family.people[0], kind="deposit", value_fen=9_000_000)
    case = programme_case(personas, family, stage=ProgrammeCase.Stage.REFUSED, on=ON)
    ProgrammeCase.objects.unscoped().filter(pk=case.pk).update(decision_reason="经核对，家庭存款超过规定。\n")
    case.refresh_from_db()
    notice = decision_notice_for_case(case)
    assert notice is not None
    assert notice.title == _zh("Notice of refusal (不予确认通知书)")
    assert notice.reasons == [
        "经核对，家庭存款超过规定。",
        "金融资产 ¥90,000.00 超过上限 ¥63,360.00（每人 24 个月的低保标准）。",
    ]
    assert notice.steps == []
    pdf = render_notice(notice)
    assert _pages(pdf) == 1 and "经核对，家庭存款超过规定。" in _text(pdf)


def test_an_undecided_case_has_no_decision_notice(personas: Personas) -> None:
    family = Family(personas)
    case = programme_case(personas, family, stage=ProgrammeCase.Stage.PUBLICITY, on=ON)
    assert decision_notice_for_case(case) is None
    client = Client()
    client.force_login(personas[Role.COUNTY_APPROVER])
    assert client.get(reverse("assistance:decision_notice", kwargs={"pk": case.pk})).status_code == 404
    assert not AuditEvent.objects.unscoped().filter(action="assistance.decision_notice_printed").exists()


def test_the_notice_of_a_stopped_benefit_gives_the_month_and_reasons(personas: Personas) -> None:
    family = Family(personas)
    benefit = family.enrol(assessed_on=ON, decided_on=dt.date(2026, 1, 20))
    today = timezone.localdate()
    benefit_stop(actor=personas[Role.COUNTY_APPROVER], benefit=benefit, reason="户籍迁出本市", on=today)
    benefit.refresh_from_db()
    notice = notice_for_benefit(benefit)
    assert notice.title == _zh("Notice of stopping (停发通知书)")
    next_month = first_day_of_next_month(today)
    assert [value for _label, value in notice.facts] == [
        "张伟",
        _zh(str(benefit.get_programme_display())),
        "¥1,560.00",
        "¥0.00",
        f"{next_month.year}年{next_month.month}月",
    ]
    assert notice.reasons == ["户籍迁出本市"]
    client = Client()
    client.force_login(personas[Role.COUNTY_PAYMENT_OFFICER])
    response = client.get(reverse("assistance:benefit_notice", kwargs={"pk": benefit.pk}))
    assert response.status_code == 200 and _pages(response.content) == 1
