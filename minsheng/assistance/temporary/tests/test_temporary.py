"""Temporary assistance (临时救助): pay first within the township cap, papers after, the county above the cap,
支出型 after the economic verification, money moved once, prompts and referrals (DOMAIN §3)."""

from __future__ import annotations

import datetime as dt
import threading
from typing import TYPE_CHECKING, Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from minsheng.accounts.roles import Role
from minsheng.assistance.means.services import assessment_run, economic_status_new, status_line_add
from minsheng.assistance.rules.models import Parameter
from minsheng.assistance.tasks import sweep_temporary_papers
from minsheng.assistance.temporary.forms import TemporaryAidForm
from minsheng.assistance.temporary.models import AssessmentPrompt, Referral, TemporaryAid
from minsheng.assistance.temporary.selectors import bands_for, papers_overdue
from minsheng.assistance.temporary.services import (
    assessment_prompt_close,
    papers_overdue_sweep,
    referral_outcome_record,
    referral_record,
    temporary_aid_decide,
    temporary_aid_open,
    temporary_aid_papers_complete,
)
from minsheng.audit.models import AuditEvent
from minsheng.catalog.models import Item
from minsheng.intake.models import Application, ItemCase, Notification
from minsheng.intake.services import ItemRequest, application_submit
from minsheng.testing import Personas, build_personas, make_household, make_person

if TYPE_CHECKING:
    from minsheng.accounts.models import User

Status = TemporaryAid.Status
D = dt.date
# A Friday before the National Day holidays of 2025 (official arrangement: 1–8 October off, Sunday 28 September
# and Saturday 11 October worked). Ten working days later: 28, 29, 30 Sep, 9, 10, 11, 13, 14, 15, 16 Oct.
FRIDAY = D(2025, 9, 26)
DUE = D(2025, 10, 16)


def _applicant(p: Personas, name: str = "张伟", *, household: bool = True) -> Any:
    person = make_person(p.village, name)
    if household:
        make_household(p.village, person)
    return person


def _open(p: Personas, yuan: str, *, kind: str = "urgent", person: Any = None, on: D | None = FRIDAY) -> TemporaryAid:
    fen = int(float(yuan) * 100 + 0.5)
    return temporary_aid_open(
        actor=p[Role.TOWNSHIP_WINDOW],
        person=person or _applicant(p),
        kind=kind,
        event="家中失火，衣物被褥烧毁",
        requested_fen=fen,
        on=on,
    )


def _fresh(aid: TemporaryAid) -> TemporaryAid:
    return TemporaryAid.objects.unscoped().get(pk=aid.pk)


def _events(aid: TemporaryAid, action: str) -> int:
    return AuditEvent.objects.unscoped().filter(action=action, object_id=str(aid.pk)).count()


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- 急难型 within the cap: paid at once, papers within the working-day deadline --------------------------------


@pytest.mark.django_db
def test_within_the_cap_the_township_pays_at_once_and_the_papers_are_due_in_working_days(personas: Personas) -> None:
    window = personas[Role.TOWNSHIP_WINDOW]
    aid = _open(personas, "800")
    cap = Parameter.objects.get(key="linshi.township_cap", area_prefix="3213")
    assert (aid.status, aid.paid_fen, aid.paid_by, aid.paid_at is not None) == (Status.PAID_FIRST, 80000, window, True)
    assert (aid.township_cap_fen, aid.cap_parameter_id, aid.area_code) == (100000, cap.pk, personas.village.code)
    assert aid.papers_due == DUE
    assert aid.decided_fen is None and aid.papers_completed_at is None
    # The one-window item (6 急难型) waits for its papers: the window's clock stops, the papers deadline runs.
    case = aid.item_case
    assert (case.item.number, case.status, case.deadline) == (6, ItemCase.Status.WAITING_MATERIALS, None)
    assert _events(aid, "assistance.temporary_paid") == 1


@pytest.mark.django_db
def test_the_cap_itself_is_paid_first_and_one_fen_more_goes_to_the_county(personas: Personas) -> None:
    at_cap = _open(personas, "1000", person=_applicant(personas, "李娜"))
    above = _open(personas, "1000.01", person=_applicant(personas, "王强"))
    assert (at_cap.status, at_cap.paid_fen) == (Status.PAID_FIRST, 100000)
    assert (above.status, above.paid_fen, above.paid_at, above.papers_due) == (Status.WITH_COUNTY, 0, None, None)


@pytest.mark.django_db
def test_papers_are_overdue_after_the_due_date_not_on_it_and_completing_them_closes_the_case(
    personas: Personas,
) -> None:
    aid = _open(personas, "800")
    assert papers_overdue(aid, DUE) is False
    assert papers_overdue(aid, DUE + dt.timedelta(days=1)) is True
    done = temporary_aid_papers_complete(actor=personas[Role.TOWNSHIP_REVIEWER], aid=aid, note="材料已补齐")
    assert (done.status, done.paid_fen, done.papers_completed_at is not None) == (Status.COMPLETED, 80000, True)
    assert papers_overdue(done, DUE + dt.timedelta(days=30)) is False
    case = ItemCase.objects.unscoped().get(pk=aid.item_case_id)
    assert case.status == ItemCase.Status.GRANTED and "800.00" in case.decision_reason
    with pytest.raises(ValidationError):
        temporary_aid_papers_complete(actor=personas[Role.TOWNSHIP_WINDOW], aid=aid)
    assert _events(aid, "assistance.temporary_papers_completed") == 1


def _kinds(user: User) -> list[str]:
    return list(Notification.objects.filter(recipient=user).order_by("kind").values_list("kind", flat=True))


@pytest.mark.django_db
def test_the_sweep_warns_of_late_papers_once_and_not_before_the_deadline(personas: Personas) -> None:
    aid = _open(personas, "800")
    window, county = personas[Role.TOWNSHIP_WINDOW], personas[Role.COUNTY_APPROVER]
    outsider = personas.outsider(Role.COUNTY_APPROVER)
    assert papers_overdue_sweep(today=DUE) == 0
    assert Notification.objects.filter(case=aid.item_case).count() == 0
    late = DUE + dt.timedelta(days=1)
    assert papers_overdue_sweep(today=late) == 2  # the window that paid, and the county above (escalated)
    assert (_kinds(window), _kinds(county), _kinds(outsider)) == (["overdue"], ["escalated"], [])
    text = Notification.objects.get(recipient=window).text
    assert "2025-10-16" in text and aid.item_case.application.receipt_number in text and "800.00" in text
    assert papers_overdue_sweep(today=late) == 0  # again: nothing new
    call_command("sweep_temporary_papers", today=late + dt.timedelta(days=3))  # the daily command: nothing new
    assert Notification.objects.filter(case=aid.item_case).count() == 2
    assert sweep_temporary_papers() == 0  # the Celery task, as of today: the same notices exist already
    temporary_aid_papers_complete(actor=window, aid=aid)
    assert papers_overdue_sweep(today=late + dt.timedelta(days=5)) == 0


@pytest.mark.django_db
def test_the_list_marks_overdue_papers_and_filters_them(personas: Personas) -> None:
    from django.utils import timezone

    today = timezone.localdate()
    late = _open(personas, "800", person=_applicant(personas, "赵敏"), on=today - dt.timedelta(days=60))
    fresh = _open(personas, "500", person=_applicant(personas, "钱军"), on=today)
    client = _client(personas[Role.TOWNSHIP_WINDOW])
    page = client.get(reverse("assistance:temporary_list")).content.decode()
    assert 'id="overdue-warning"' in page
    assert late.item_case.application.receipt_number in page and fresh.item_case.application.receipt_number in page
    only_late = client.get(reverse("assistance:temporary_list"), {"overdue": "1"}).content.decode()
    assert late.item_case.application.receipt_number in only_late
    assert fresh.item_case.application.receipt_number not in only_late
    detail = client.get(reverse("assistance:temporary_detail", kwargs={"pk": late.pk})).content.decode()
    assert 'id="papers-overdue"' in detail
    detail = client.get(reverse("assistance:temporary_detail", kwargs={"pk": fresh.pk})).content.decode()
    assert 'id="papers-overdue"' not in detail and 'id="papers-form"' in detail


# --- Above the cap: the county decides ----------------------------------------------------------------------


@pytest.mark.django_db
def test_above_the_cap_nothing_is_paid_by_the_township_and_the_county_decides_the_amount(personas: Personas) -> None:
    aid = _open(personas, "3000")
    assert (aid.status, aid.paid_fen, aid.paid_at, aid.paid_by) == (Status.WITH_COUNTY, 0, None, None)
    assert AssessmentPrompt.objects.unscoped().filter(temporary_aid=aid).count() == 0
    assert aid.item_case.status == ItemCase.Status.ACCEPTED
    for township in (personas[Role.TOWNSHIP_WINDOW], personas[Role.TOWNSHIP_REVIEWER]):
        with pytest.raises(PermissionDenied):
            temporary_aid_decide(actor=township, aid=aid, granted=True, amount_fen=90000, reason="先付一部分")
    with pytest.raises(ValidationError):
        temporary_aid_papers_complete(actor=personas[Role.TOWNSHIP_WINDOW], aid=aid)
    assert (_fresh(aid).status, _fresh(aid).paid_fen) == (Status.WITH_COUNTY, 0)
    county = personas[Role.COUNTY_APPROVER]
    decided = temporary_aid_decide(
        actor=county, aid=aid, granted=True, amount_fen=250000, reason="火灾损失严重，按较重档"
    )
    stored = _fresh(decided)
    assert (stored.status, stored.decided_fen, stored.paid_fen) == (Status.COMPLETED, 250000, 250000)
    assert (stored.decided_by, stored.paid_by, stored.decision_reason) == (county, county, "火灾损失严重，按较重档")
    case = ItemCase.objects.unscoped().get(pk=aid.item_case_id)
    assert case.status == ItemCase.Status.GRANTED and case.decided_by == county
    # Decided through the window's own decision: its audit event (and the applicant's text message) with it.
    event = AuditEvent.objects.unscoped().get(action="intake.case_decided", object_id=str(case.pk))
    assert (event.after, event.reason) == (
        {"status": "granted", "item": case.item_id},
        "批准救助 ¥2,500.00。火灾损失严重，按较重档",
    )
    prompt = AssessmentPrompt.objects.unscoped().get(temporary_aid=aid)
    assert (prompt.household_id, prompt.area_code, prompt.closed_at) == (aid.household_id, aid.area_code, None)


@pytest.mark.django_db
def test_only_the_county_refuses_and_a_refusal_gives_reasons_and_pays_nothing(personas: Personas) -> None:
    aid = _open(personas, "3000")
    county = personas[Role.COUNTY_APPROVER]
    with pytest.raises(ValidationError):
        temporary_aid_decide(actor=county, aid=aid, granted=False, amount_fen=None, reason="  ")
    with pytest.raises(PermissionDenied):
        temporary_aid_decide(
            actor=personas[Role.TOWNSHIP_REVIEWER], aid=aid, granted=False, amount_fen=None, reason="不符"
        )
    refused = temporary_aid_decide(actor=county, aid=aid, granted=False, amount_fen=None, reason="已获保险理赔")
    assert (refused.status, refused.paid_fen, refused.paid_at, refused.decided_fen) == (Status.REFUSED, 0, None, 0)
    assert ItemCase.objects.unscoped().get(pk=aid.item_case_id).status == ItemCase.Status.REFUSED
    assert AssessmentPrompt.objects.unscoped().filter(temporary_aid=aid).count() == 0


@pytest.mark.django_db
def test_the_county_decides_through_the_page(personas: Personas) -> None:
    aid = _open(personas, "3000")
    client = _client(personas[Role.COUNTY_APPROVER])
    url = reverse("assistance:temporary_decide", kwargs={"pk": aid.pk})
    assert (
        'id="decision-form"'
        in client.get(reverse("assistance:temporary_detail", kwargs={"pk": aid.pk})).content.decode()
    )
    response = client.post(url, {"decision": "grant", "amount": "abc", "reason": "x"})
    assert response.status_code == 302 and _fresh(aid).status == Status.WITH_COUNTY
    response = client.post(url, {"decision": "grant", "amount": "2,500.50", "reason": "火灾"})
    assert response.status_code == 302
    assert (_fresh(aid).status, _fresh(aid).paid_fen) == (Status.COMPLETED, 250050)


# --- 支出型: economic verification first ----------------------------------------------------------------------


@pytest.mark.django_db
def test_expense_driven_aid_needs_the_economic_verification(personas: Personas) -> None:
    window, reviewer, county = (
        personas[r] for r in (Role.TOWNSHIP_WINDOW, Role.TOWNSHIP_REVIEWER, Role.COUNTY_APPROVER)
    )
    person = _applicant(personas, "孙丽")
    aid = _open(personas, "600", kind="expense", person=person)
    assert (aid.status, aid.paid_fen, aid.papers_due, aid.item_case.item.number) == (Status.VERIFYING, 0, None, 7)
    with pytest.raises(ValidationError, match="支出型"):
        temporary_aid_decide(actor=county, aid=aid, granted=True, amount_fen=50000, reason="医疗支出")
    household = aid.household
    assert household is not None
    status = economic_status_new(actor=window, household=household, window_end=D(2025, 9, 1))
    with pytest.raises(ValidationError, match="支出型"):  # a status, but no means test on it yet
        temporary_aid_decide(actor=county, aid=aid, granted=True, amount_fen=50000, reason="医疗支出")
    # ¥1,000 of medical costs and no income: ¥1,000 above what the family can bear, half of it paid by the rules.
    status_line_add(actor=window, status=status, line="expense", data={"kind": "medical", "amount_fen": 100000})
    assessment_run(actor=window, household=household, on=FRIDAY)
    assert _fresh(aid).status == Status.VERIFYING and _fresh(aid).paid_fen == 0
    # Above the township cap (¥1,000) the amount is the county's: an error on the amount the page shows.
    with pytest.raises(ValidationError) as above:
        temporary_aid_decide(actor=reviewer, aid=aid, granted=True, amount_fen=100001, reason="医疗支出")
    assert above.value.message_dict == {"amount": ["超过乡镇（街道）额度 ¥1,000.00 的，由县级审批。"]}
    decided = temporary_aid_decide(actor=reviewer, aid=aid, granted=True, amount_fen=50000, reason="医疗自付部分")
    stored = _fresh(decided)
    assert (stored.status, stored.paid_fen, stored.decided_fen, stored.economic_status_id) == (
        Status.COMPLETED,
        50000,
        50000,
        status.pk,
    )
    assert AssessmentPrompt.objects.unscoped().filter(temporary_aid=aid, household=household).count() == 1


@pytest.mark.django_db
def test_expense_driven_aid_needs_a_registered_household(personas: Personas) -> None:
    person = _applicant(personas, "周芳", household=False)
    with pytest.raises(ValidationError):
        _open(personas, "600", kind="expense", person=person)
    assert TemporaryAid.objects.unscoped().count() == 0
    urgent = _open(personas, "600", person=person)  # 急难型 is paid without a household, and prompts nothing
    assert urgent.status == Status.PAID_FIRST and urgent.household is None
    assert AssessmentPrompt.objects.unscoped().count() == 0


# --- Money moves once -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_form_sent_twice_opens_one_case_and_pays_once(personas: Personas) -> None:
    person = _applicant(personas, "吴刚")
    client = _client(personas[Role.TOWNSHIP_WINDOW])
    data = {"id_number": person.id_number, "kind": "urgent", "event": "车祸", "amount": "800"}
    first = client.post(reverse("assistance:temporary_new"), data)
    second = client.post(reverse("assistance:temporary_new"), data)
    assert (first.status_code, second.status_code) == (302, 400)
    aid = TemporaryAid.objects.unscoped().get(person=person)
    assert (aid.status, aid.paid_fen) == (Status.PAID_FIRST, 80000)
    assert Application.objects.unscoped().filter(person=person).count() == 1
    assert _events(aid, "assistance.temporary_paid") == 1


@pytest.mark.django_db
def test_a_decision_sent_twice_pays_once(personas: Personas) -> None:
    aid = _open(personas, "3000")
    county = personas[Role.COUNTY_APPROVER]
    temporary_aid_decide(actor=county, aid=aid, granted=True, amount_fen=250000, reason="火灾")
    with pytest.raises(ValidationError):
        temporary_aid_decide(actor=county, aid=aid, granted=True, amount_fen=250000, reason="火灾")
    stored = _fresh(aid)
    assert (stored.paid_fen, stored.decided_fen, stored.status) == (250000, 250000, Status.COMPLETED)
    assert _events(aid, "assistance.temporary_paid") == 1
    assert AssessmentPrompt.objects.unscoped().filter(temporary_aid=aid).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs a server database with real row locks")
def test_two_simultaneous_decisions_pay_once() -> None:
    personas = build_personas()
    aid = _open(personas, "3000")
    county = personas[Role.COUNTY_APPROVER]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def decide(amount: int) -> None:
        try:
            barrier.wait()
            temporary_aid_decide(actor=county, aid=_fresh(aid), granted=True, amount_fen=amount, reason="并发")
            outcomes.append(str(amount))
        except ValidationError:
            outcomes.append("lost")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=decide, args=(amount,)) for amount in (200000, 250000)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("lost") == 1
    winner = int(next(o for o in outcomes if o != "lost"))
    assert (_fresh(aid).paid_fen, _events(aid, "assistance.temporary_paid")) == (winner, 1)


# --- 先临时后常态 and 先内部后外部 -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_payment_prompts_an_assessment_that_is_closed_with_its_outcome(personas: Personas) -> None:
    aid = _open(personas, "800")
    prompt = AssessmentPrompt.objects.unscoped().get(temporary_aid=aid)
    assert (prompt.household_id, prompt.area_code, prompt.closed_at) == (aid.household_id, personas.village.code, None)
    window = personas[Role.TOWNSHIP_WINDOW]
    client = _client(window)
    page = client.get(reverse("assistance:assessment_prompts")).content.decode()
    assert aid.person.name in page and reverse("assistance:prompt_close", kwargs={"pk": prompt.pk}) in page
    assert aid.household is not None
    economic_status_new(actor=window, household=aid.household, window_end=D(2025, 9, 1))
    assessment = assessment_run(actor=window, household=aid.household, on=FRIDAY)
    response = client.post(
        reverse("assistance:prompt_close", kwargs={"pk": prompt.pk}),
        {"outcome": "已评估，不符合低保条件，纳入边缘监测", "assessment": str(assessment.pk)},
    )
    assert response.status_code == 302
    prompt.refresh_from_db()
    assert (prompt.outcome, prompt.assessment_id, prompt.closed_by) == (
        "已评估，不符合低保条件，纳入边缘监测",
        assessment.pk,
        window,
    )
    with pytest.raises(ValidationError):
        assessment_prompt_close(actor=window, prompt=prompt, outcome="再次关闭")
    assert aid.person.name not in client.get(reverse("assistance:assessment_prompts")).content.decode()


@pytest.mark.django_db
def test_a_prompt_links_only_a_means_test_of_its_household(personas: Personas) -> None:
    aid = _open(personas, "800")
    window = personas[Role.TOWNSHIP_WINDOW]
    other = make_household(personas.village, make_person(personas.village, "郑华"))
    economic_status_new(actor=window, household=other, window_end=D(2025, 9, 1))
    foreign = assessment_run(actor=window, household=other, on=FRIDAY)
    prompt = AssessmentPrompt.objects.unscoped().get(temporary_aid=aid)
    with pytest.raises(ValidationError):
        assessment_prompt_close(actor=window, prompt=prompt, outcome="已评估", assessment=foreign)
    assert AssessmentPrompt.objects.unscoped().get(pk=prompt.pk).closed_at is None


@pytest.mark.django_db
def test_referrals_are_recorded_with_their_outcome(personas: Personas) -> None:
    aid = _open(personas, "3000")
    window = personas[Role.TOWNSHIP_WINDOW]
    referral = referral_record(actor=window, aid=aid, kind="charity", organisation="宿迁市慈善总会", note="助学")
    stored = Referral.objects.unscoped().get(pk=referral.pk)
    assert (stored.temporary_aid_id, stored.kind, stored.organisation, stored.note, stored.referred_by) == (
        aid.pk,
        "charity",
        "宿迁市慈善总会",
        "助学",
        window,
    )
    referral_outcome_record(actor=personas[Role.TOWNSHIP_REVIEWER], referral=referral, outcome="资助 3000 元")
    assert Referral.objects.unscoped().get(pk=referral.pk).outcome == "资助 3000 元"
    with pytest.raises(ValidationError):
        referral_record(actor=window, aid=aid, kind="bank", organisation="某银行")
    with pytest.raises(PermissionDenied):
        referral_record(actor=personas[Role.COUNTY_APPROVER], aid=aid, kind="charity", organisation="慈善总会")
    with pytest.raises(PermissionDenied):
        referral_record(actor=personas.outsider(Role.TOWNSHIP_WINDOW), aid=aid, kind="charity", organisation="慈善总会")
    assert Referral.objects.unscoped().count() == 1
    page = _client(window).get(reverse("assistance:temporary_detail", kwargs={"pk": aid.pk})).content.decode()
    assert "宿迁市慈善总会" in page and "资助 3000 元" in page


# --- Scope and roles ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_outsiders_get_404_and_wrong_roles_403_with_nothing_changed(personas: Personas) -> None:
    aid = _open(personas, "800")
    papers = reverse("assistance:temporary_papers", kwargs={"pk": aid.pk})
    detail = reverse("assistance:temporary_detail", kwargs={"pk": aid.pk})
    outsider = _client(personas.outsider(Role.TOWNSHIP_WINDOW))
    assert outsider.get(detail).status_code == 404
    assert outsider.post(papers).status_code == 404
    village = _client(personas[Role.VILLAGE_WORKER])
    assert village.get(detail).status_code == 200  # reads its own village's cases
    assert village.post(papers).status_code == 403
    assert _client(personas[Role.COUNTY_APPROVER]).post(papers).status_code == 403
    assert _client(personas[Role.DEPARTMENT_HANDLER]).get(detail).status_code == 403
    assert _fresh(aid).status == Status.PAID_FIRST
    with pytest.raises(PermissionDenied):
        temporary_aid_open(
            actor=personas.outsider(Role.TOWNSHIP_WINDOW),
            person=_applicant(personas, "冯雪"),
            kind="urgent",
            event="火灾",
            requested_fen=50000,
        )
    with pytest.raises(PermissionDenied):
        temporary_aid_papers_complete(actor=personas.outsider(Role.TOWNSHIP_WINDOW), aid=aid)
    assert TemporaryAid.objects.unscoped().count() == 1


# --- The window's form ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entered", "fen", "code"),
    [
        ("800", 80000, None),
        ("1,500.50", 150050, None),
        ("¥800元", 80000, None),
        ("0.01", 1, None),
        ("abc", None, "invalid"),
        ("0", None, "min_value"),
        ("-5", None, "min_value"),
        ("12.345", None, "decimals"),
        ("1e9", None, "max_value"),
        ("", None, "required"),
    ],
)
def test_amounts_are_entered_in_yuan_and_bad_input_is_explained(
    entered: str, fen: int | None, code: str | None
) -> None:
    form = TemporaryAidForm({"id_number": "x", "kind": "urgent", "event": "火灾", "amount": entered})
    if code is None:
        assert form.is_valid() and form.cleaned_data["amount"] == fen
    else:
        assert not form.is_valid()
        assert [e.code for e in form.errors.as_data()["amount"]] == [code]


@pytest.mark.django_db
def test_the_form_shows_the_bands_and_the_cap_as_guidance(personas: Personas) -> None:
    bands = bands_for(area_code=personas.village.code, on=FRIDAY)  # 低保 standard ¥880 from 2025-07-01
    assert [(b.label, b.months, b.from_fen, b.to_fen) for b in bands] == [
        ("一般", 3, 0, 264000),
        ("较重", 6, 264000, 528000),
        ("重大", 12, 528000, 1056000),
    ]
    page = _client(personas[Role.TOWNSHIP_WINDOW]).get(reverse("assistance:temporary_new")).content.decode()
    assert 'id="temporary-bands"' in page and "1,000.00" in page  # the cap


@pytest.mark.django_db
def test_an_item_taken_at_a_window_is_recorded_on_its_own_item_case(personas: Personas) -> None:
    item = Item.objects.get(number=6)
    person = _applicant(personas, "陈静")
    application = application_submit(
        actor=personas[Role.VILLAGE_WORKER],
        person=person,
        requests=[ItemRequest(item=item, materials_provided=tuple(item.materials))],
        on_behalf=True,
    )
    case = application.cases.get()
    assert case.status == ItemCase.Status.ACCEPTED and case.deadline is not None
    client = _client(personas[Role.TOWNSHIP_WINDOW])
    listing = client.get(reverse("assistance:temporary_list")).content.decode()
    assert 'id="temporary-waiting"' in listing and f"?case={case.pk}" in listing
    url = reverse("assistance:temporary_new") + f"?case={case.pk}"
    assert person.name in client.get(url).content.decode()
    response = client.post(url, {"event": "突发重病住院", "amount": "900"})
    assert response.status_code == 302
    aid = TemporaryAid.objects.unscoped().get(item_case=case)
    assert (aid.kind, aid.status, aid.paid_fen, aid.person_id) == ("urgent", Status.PAID_FIRST, 90000, person.pk)
    # Paid first: the item waits for the papers with its clock stopped, so the window's sweep does not call it late.
    case = application.cases.get()  # read again (not refresh_from_db: the type checker keeps the deadline set above)
    assert (case.status, case.deadline, case.clock_started_on) == (ItemCase.Status.WAITING_MATERIALS, None, None)
    assert Application.objects.unscoped().filter(person=person).count() == 1
    assert f"?case={case.pk}" not in client.get(reverse("assistance:temporary_list")).content.decode()


def test_the_department_inbox_cannot_decide_an_item_run_as_temporary_assistance(personas: Personas) -> None:
    from minsheng.catalog.models import Department
    from minsheng.intake.services import case_decide
    from minsheng.testing import make_user

    aid = _open(personas, "800")
    handler = make_user(
        "civil_handler",
        Role.DEPARTMENT_HANDLER,
        personas.county,
        department=Department.objects.get(code="civil_affairs"),
    )
    from django.utils.translation import gettext

    with pytest.raises(ValidationError) as error:
        case_decide(actor=handler, case=aid.item_case, granted=True, reason="同意")
    expected = gettext("This item is decided through its procedure (programme case), not from the inbox.")
    assert error.value.messages == [expected]
    assert _fresh(aid).item_case.status != "granted"
