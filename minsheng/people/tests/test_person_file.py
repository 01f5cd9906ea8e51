"""一人一档 (issue 14 point 1): a person's page is their file, built from the sections the modules declare; the
window's application list with its search; inbox rows that open the application and the person."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from minsheng.accounts.roles import Role
from minsheng.assistance.benefits.models import Benefit, BenefitChange
from minsheng.assistance.procedure.models import ProgrammeCase
from minsheng.assistance.procedure.tests.test_procedure import case_at
from minsheng.assistance.temporary.services import temporary_aid_open
from minsheng.catalog.models import Item
from minsheng.core.modules import modules
from minsheng.exchange.tests.factories import authorise
from minsheng.intake.models import Application
from minsheng.intake.services import ItemRequest, application_submit, consultation_record
from minsheng.monitoring.models import Alert, MonitoredHousehold, Visit, WarningRule
from minsheng.payments.models import PaymentLine
from minsheng.payments.services import payroll_generate
from minsheng.payments.tests.factories import enrol
from minsheng.people.models import DisabilityCertificate, Membership
from minsheng.people.selectors import person_file
from minsheng.testing import Personas, make_household, make_person

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _school(p: Personas, person: Any, *, complete: bool = True) -> Application:
    item = Item.objects.get(number=30)
    return application_submit(
        actor=p[Role.VILLAGE_WORKER],
        person=person,
        requests=[ItemRequest(item=item, materials_provided=tuple(item.materials) if complete else ())],
        on_behalf=True,
    )


def _everything(p: Personas) -> tuple[Any, ProgrammeCase]:
    """A 低保 applicant in public notice with a running benefit, a temporary payment, a school application and a
    consultation."""
    case = case_at(p, "publicity_running", alone=True)
    person = case.applicant
    enrol(person, monthly_fen=48_000)
    temporary_aid_open(
        actor=p[Role.TOWNSHIP_WINDOW], person=person, kind="urgent", event="家中失火", requested_fen=80_000
    )
    _school(p, person)
    consultation_record(actor=p[Role.VILLAGE_WORKER], topic="临时救助怎么申请", outcome="answered", person=person)
    return person, case


def _section(html: str, key: str) -> str:
    match = re.search(rf'<section class="person-file-section[^"]*" id="file-{key}">(.*?)</section>', html, re.S)
    assert match is not None, key
    return match.group(1)


def test_every_module_declares_its_section_and_the_file_shows_each_as_links(personas: Personas) -> None:
    p = personas
    person, case = _everything(p)
    declared = {s.key for m in modules() for s in m.person_sections}
    assert declared == {
        "applications",
        "consultations",
        "documents",
        "cases",
        "assessments",
        "benefits",
        "temporary",
        "payments",
        "relief",
        "funeral",
        "exchange",
        "monitoring",
    }
    html = _client(p[Role.VILLAGE_WORKER]).get(reverse("people:person_detail", args=[person.pk])).content.decode()
    assert "once the programmes module is in use" not in html and "appear here" not in html
    keys = [s.key for s in person_file(user=p[Role.VILLAGE_WORKER], person=person)]
    # In order; the village worker sees no payment lines, and there is no relief stay or funeral; the household's
    # 授权书 (none yet: the worker may record it).
    assert keys == ["applications", "cases", "assessments", "benefits", "temporary", "consultations", "exchange"]

    applications = Application.objects.unscoped().filter(person=person).order_by("submitted_at")
    assert applications.count() == 3  # 低保, temporary assistance, school
    shown = _section(html, "applications")
    for application in applications:
        assert f'href="/window/applications/{application.pk}/"' in shown
        assert application.receipt_number in shown
        assert f'href="/window/applications/{application.pk}/receipt.pdf"' in shown
    assert "最低生活保障" in shown and "临时救助" in shown and "义务教育" in shown

    cases = _section(html, "cases")
    assert f'href="/assistance/programme-cases/{case.pk}/"' in cases and "公示" in cases
    assert f"/assistance/publicity.pdf?area={p.village.code}" in cases
    assert f"/assistance/programme-cases/{case.pk}/investigation.pdf" in cases

    benefits = _section(html, "benefits")
    benefit = person.benefits.get()
    assert f'href="/assistance/benefits/{benefit.pk}/"' in benefits and "480.00" in benefits and "批准" in benefits

    temporary = _section(html, "temporary")
    aid = re.search(r'href="/assistance/temporary/(\d+)/"', temporary)
    assert aid is not None and "800.00" in temporary
    assert f"/assistance/temporary/{aid.group(1)}/receipt.pdf" in temporary

    assert "临时救助怎么申请" in _section(html, "consultations")
    # The file prints: the button and the table of contents leave the printed page.
    assert "data-print" in html and 'href="#file-benefits"' in html


def test_the_payment_officer_sees_the_ledger_and_an_outsider_nothing(personas: Personas) -> None:
    p = personas
    person, _case = _everything(p)
    keys = [s.key for s in person_file(user=p[Role.COUNTY_PAYMENT_OFFICER], person=person)]
    assert keys == ["benefits"]  # no payroll yet: no ledger section; the officer reads benefits only
    outsider = p.outsider(Role.VILLAGE_WORKER)
    assert person_file(user=outsider, person=person) == []
    assert _client(outsider).get(reverse("people:person_detail", args=[person.pk])).status_code == 404


MEMBERSHIPS = re.compile(r'SELECT [^;]*? FROM "people_membership"')


def test_the_file_reads_the_persons_households_once_for_all_its_parts(personas: Personas) -> None:
    """The page's list of households, the programmes of the households (assessments, cases, benefits), the household's
    warnings and its 授权书: one read of the person's memberships serves them all."""
    p = personas
    person, _case = _everything(p)
    client = _client(p[Role.VILLAGE_WORKER])
    url = reverse("people:person_detail", args=[person.pk])
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    reads = [q["sql"] for q in captured.captured_queries if MEMBERSHIPS.match(q["sql"])]
    assert len(reads) == 1


def test_the_file_costs_the_same_queries_for_one_record_or_many(personas: Personas) -> None:
    p = personas
    person, _case = _everything(p)
    client = _client(p[Role.VILLAGE_WORKER])
    url = reverse("people:person_detail", args=[person.pk])
    client.get(url)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured.captured_queries)

    few = queries()
    for _ in range(4):
        _school(p, person, complete=False)
    benefit = person.benefits.get()
    for month in (2, 3, 4):
        BenefitChange.objects.create(
            benefit=benefit, kind="review", effective_month=dt.date(2026, month, 1), reason="复核"
        )
    assert queries() == few


# A rich file: the person the window opens most has a household, a benefit being paid, applications, a warning.
PROGRAMMES = ("dibao", "disability_living", "disability_care", "elderly", "edge")


def _rich(p: Personas, n: int) -> Any:
    """A 低保 applicant in public notice (the household, the procedure, its means test) with ``n`` of each thing that
    grows with a life: members of the household (the applicant one of them), running benefits, months of payment
    lines and applications; and a temporary payment, a consultation, a disability certificate, a warning with its
    visit, the household among the monitored and its signed 授权书."""
    case = case_at(p, "publicity_running", alone=True)
    person, household = case.applicant, case.household
    for i in range(n - 1):
        member = make_person(p.village, f"张{i}子", birth="2001-01-01")
        Membership.objects.create(household=household, person=member, relation="child", joined_on=dt.date(2020, 1, 1))
    for programme in PROGRAMMES[:n]:
        enrol(person, programme, monthly_fen=48_000)
    for month in range(1, n + 1):
        payroll_generate(
            actor=p[Role.COUNTY_PAYMENT_OFFICER], county=p.county, programme="dibao", period=dt.date(2026, month, 1)
        )
    for _ in range(n - 1):
        _school(p, person)
    temporary_aid_open(
        actor=p[Role.TOWNSHIP_WINDOW], person=person, kind="urgent", event="家中失火", requested_fen=80_000
    )
    consultation_record(actor=p[Role.VILLAGE_WORKER], topic="临时救助怎么申请", outcome="answered", person=person)
    DisabilityCertificate.objects.create(
        person=person, number="x" * 20, category=4, grade=1, valid_from=dt.date(2020, 1, 1)
    )
    rule = WarningRule.objects.filter(code="death").order_by("-version").first()
    assert rule is not None
    today = timezone.localdate()
    # unscoped: test set-up writes the warning, its visit and the monitored household directly
    alert = Alert.objects.unscoped().create(
        rule=rule,
        rule_code=rule.code,
        person=person,
        area_code=p.village.code,
        period=today.replace(day=1),
        summary="家庭成员死亡（测试）",
        severity=rule.severity,
        raised_on=today,
        due_on=today + dt.timedelta(days=5),
    )
    # unscoped: as above
    Visit.objects.unscoped().create(
        client_uuid=uuid.uuid4(),
        kind=Visit.Kind.WARNING,
        person=person,
        alert=alert,
        area_code=p.village.code,
        checked_in_at=timezone.now(),
        recorded_by=p[Role.VILLAGE_WORKER],
    )
    # unscoped: as above
    MonitoredHousehold.objects.unscoped().create(
        household=household, area_code=p.village.code, groups=["低保"], since=today, updated_on=today
    )
    # unscoped: test set-up reads the members who sign
    members = [m.person for m in Membership.objects.unscoped().filter(household=household).select_related("person")]
    authorise(p, household, members)
    return person


# Every page's own queries: the session (read, and saved again in a savepoint: 4), the user and their roles (2), and
# the header's badges (unread notices; the window's open volunteer tasks). The rest is the file's: the person, the
# audit row of the view, illnesses, households, a pending change, certificates (6); applications with their items,
# consultations with theirs, documents (5); procedures, means tests, benefits with their history, temporary assistance
# (5); warnings, visits counted, the monitored household (3); the latest verification and the 授权书 (2). The county
# approver also reads the payment ledger, relief station stays and funeral cases, and has one badge fewer.
FILE_QUERIES: dict[str, int] = {Role.TOWNSHIP_WINDOW: 26, Role.COUNTY_APPROVER: 28}


@pytest.mark.parametrize("role", sorted(FILE_QUERIES))
@pytest.mark.parametrize("n", [1, 5])
def test_a_rich_file_costs_the_same_queries_for_one_or_five_of_each(
    personas: Personas, django_assert_num_queries: Any, role: str, n: int
) -> None:
    p = personas
    person = _rich(p, n)
    # unscoped: the test counts what the file has to show
    assert Benefit.objects.unscoped().filter(payee=person).count() == n
    # unscoped: as above
    assert PaymentLine.objects.unscoped().filter(payee=person).count() == n
    # unscoped: as above
    assert Application.objects.unscoped().filter(person=person).count() == n + 1  # and the temporary assistance
    # unscoped: as above
    assert Membership.objects.unscoped().filter(household__memberships__person=person).count() == n
    client = _client(p[role])
    url = reverse("people:person_detail", args=[person.pk])
    client.get(url)
    with django_assert_num_queries(FILE_QUERIES[role]):
        response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    keys = [s.key for s in response.context["sections"]]
    ledger = ["payments"] if role == Role.COUNTY_APPROVER else []
    assert keys == ["applications", "cases", "assessments", "benefits", "temporary", "monitoring", *ledger,
                    "consultations", "exchange"]  # fmt: skip
    assert _section(html, "benefits").count("data-benefit=") == n
    if ledger:
        assert _section(html, "payments").count("<tr data-status=") == n
    monitoring = _section(html, "monitoring")
    assert "家庭成员死亡（测试）" in monitoring and "已记录 1 次走访。" in monitoring and "低保</a>" in monitoring
    assert "SQ2026-0001" in _section(html, "exchange")
    assert "<div>肢体残疾 一级 (2020-01-01–)</div>" in html  # the certificate, not its number


# --- The application list ------------------------------------------------------------------------------------


def test_the_application_list_searches_in_scope(personas: Personas) -> None:
    p = personas
    wang = make_person(p.village, "王芳", birth="1980-01-02")
    make_household(p.village, wang)
    li = make_person(p.village, "李强", birth="1975-06-07")
    first = _school(p, wang)
    second = _school(p, li, complete=False)
    medical = application_submit(
        actor=p[Role.VILLAGE_WORKER],
        person=wang,
        requests=[ItemRequest(item=Item.objects.get(number=24))],
        on_behalf=False,
    )
    client = _client(p[Role.TOWNSHIP_WINDOW])
    url = reverse("intake:application_list")

    def found(**params: Any) -> list[str]:
        response = client.get(url, params)
        assert response.status_code == 200, response.content[:500]
        return [a.receipt_number for a, _status in response.context["rows"]]

    newest_first = [medical.receipt_number, second.receipt_number, first.receipt_number]
    assert found() == newest_first
    assert found(receipt=first.receipt_number) == [first.receipt_number]
    assert found(name="王") == [medical.receipt_number, first.receipt_number]
    assert found(id_number=li.id_number) == [second.receipt_number]
    assert found(id_number=li.id_number.lower()) == [second.receipt_number]
    assert found(item=Item.objects.get(number=24).pk) == [medical.receipt_number]
    assert found(status="waiting") == [medical.receipt_number, second.receipt_number]
    today = timezone.localdate(first.submitted_at)
    assert found(date_from=today.isoformat(), date_to=today.isoformat()) == newest_first
    assert found(date_to=(today - dt.timedelta(days=1)).isoformat()) == []

    bad = client.get(url, {"id_number": "320000000000000000"})
    assert bad.status_code == 400 and "id_number" in bad.context["form"].errors
    assert client.get(url, {"date_from": "2026-02-01", "date_to": "2026-01-01"}).status_code == 400
    assert client.get(url, {"receipt": "x" * 500}).status_code == 400
    assert client.get(url, {"page": "99999999999999999999999"}).status_code == 200
    html = client.get(url).content.decode()
    assert f'href="/window/applications/{first.pk}/"' in html and f'href="/people/{wang.pk}/"' in html
    assert wang.id_masked in html and wang.id_number not in html

    outsider = _client(p.outsider(Role.TOWNSHIP_WINDOW))
    assert [a for a, _s in outsider.get(url).context["rows"]] == []
    assert _client(p[Role.DEPARTMENT_HANDLER]).get(url).status_code == 403


def test_the_list_costs_the_same_queries_for_a_page_of_one_or_thirty(personas: Personas) -> None:
    p = personas
    person = make_person(p.village, "孙丽")
    _school(p, person)
    client = _client(p[Role.VILLAGE_WORKER])
    url = reverse("intake:application_list")
    client.get(url)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        return len(captured.captured_queries)

    one = queries()
    for i in range(34):
        _school(p, make_person(p.village, "孙丽", birth=f"1970-01-{i % 28 + 1:02d}"), complete=i % 2 == 0)
    response = client.get(url)
    assert len(response.context["rows"]) == 30 and response.context["page"].count == 35
    assert queries() == one


def test_inbox_receipt_numbers_open_the_item_and_names_open_the_file(personas: Personas) -> None:
    p = personas
    person = make_person(p.village, "周敏")
    application = _school(p, person)
    html = _client(p[Role.VILLAGE_WORKER]).get(reverse("intake:inbox")).content.decode()
    item = reverse("intake:case_detail", args=[application.cases.get().pk])
    assert f'<a href="{item}">{application.receipt_number}</a>' in html
    assert f'<a href="/people/{person.pk}/">周敏</a>' in html
    page = _client(p[Role.VILLAGE_WORKER]).get(item).content.decode()
    assert f'href="/window/applications/{application.pk}/"' in page and f'href="/people/{person.pk}/"' in page
    assert "data-print" in page


def test_an_item_for_a_member_is_in_the_members_file_too(personas: Personas) -> None:
    p = personas
    mother = make_person(p.village, "李秀英", birth="1972-03-03")
    student = make_person(p.village, "王小明", birth="2012-09-01")
    make_household(p.village, mother, (student, "child"))
    item = Item.objects.get(number=30)
    application = application_submit(
        actor=p[Role.VILLAGE_WORKER],
        person=mother,
        requests=[ItemRequest(item=item, materials_provided=tuple(item.materials), beneficiary=student)],
        on_behalf=True,
    )
    html = _client(p[Role.VILLAGE_WORKER]).get(reverse("people:person_detail", args=[student.pk])).content.decode()
    assert application.receipt_number in _section(html, "applications")


def test_the_change_form_is_fetched_when_its_section_is_opened(personas: Personas) -> None:
    from minsheng.audit.models import AuditEvent

    person = make_person(personas.village, "王建国")
    client = Client()
    client.force_login(personas[Role.TOWNSHIP_WINDOW])
    page = client.get(reverse("people:person_detail", args=[person.pk])).content.decode()
    change_url = reverse("people:person_change", args=[person.pk])
    assert f'hx-get="{change_url}"' in page and 'name="labour_capacity"' not in page  # not built for every view
    # unscoped: the test counts the views the audit log holds
    views = AuditEvent.objects.unscoped().filter(action="people.person_viewed", object_id=str(person.pk))
    assert views.count() == 1
    fragment = client.get(change_url, headers={"HX-Request": "true"})
    html = fragment.content.decode()
    assert fragment.status_code == 200 and 'name="labour_capacity"' in html and "<html" not in html
    assert views.count() == 2  # the form shows the record: audited as a view
    whole = client.get(change_url).content.decode()
    assert "<html" in whole and 'name="labour_capacity"' in whole  # without script: a page of its own
    refused = client.post(change_url, {"name": "", "status": "living", "reason": "更正"})
    assert refused.status_code == 400  # the page again, the form open with its errors
    assert '<details class="mt-3" id="person-change" open>' in refused.content.decode()
    village = Client()
    village.force_login(personas[Role.AUDITOR])
    assert village.get(change_url).status_code == 403  # reads, does not change
