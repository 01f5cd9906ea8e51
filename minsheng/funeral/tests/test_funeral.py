"""Funeral services: filing → review → public display with history and changes in per cent; the public report form
(receipt, deadline in working days, rate limit); waivers checked against the platform's own records and settled
monthly exactly once (maker-checker); cremations as the death feed's records; the facility staff's scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from minsheng.accounts.roles import Role
from minsheng.assistance.benefits.models import Benefit
from minsheng.audit.models import AuditEvent
from minsheng.core.crypto import blind_index
from minsheng.core.middleware import CONTENT_SECURITY_POLICY
from minsheng.core.modules import Module, modules
from minsheng.funeral.demo import CUT_RANGE, demo_funeral, waiver_days
from minsheng.funeral.models import (
    Complaint,
    Facility,
    FiledPrice,
    FuneralCase,
    PriceFiling,
    ReportAttempt,
    Settlement,
    Waiver,
)
from minsheng.funeral.module import STAFF
from minsheng.funeral.selectors import complaints_due, filings_due, filings_due_count, public_cemetery
from minsheng.funeral.services import (
    PERSON_CREMATED,
    Cremation,
    case_register,
    cremation_record,
    filing_review,
    filing_submit,
    price_item_add,
    settlement_approve,
    settlement_generate,
    settlement_pay,
    waiver_register,
)
from minsheng.funeral.tests.factories import case, facility, own_facility, tekun_case, waiver
from minsheng.payments.tests.factories import enrol, payee
from minsheng.people.models import Person
from minsheng.people.services import id_lookup_key
from minsheng.statistics.refresh import cells_rebuild
from minsheng.statistics.selectors import Period, dashboard
from minsheng.testing import Personas, make_user

pytestmark = pytest.mark.django_db
ALL_SERVICES = ["transport", "storage", "cremation", "urn", "ash_storage"]


def _cemetery_staff(personas: Personas, place: Facility) -> Any:
    from minsheng.accounts.models import RoleAssignment

    user = make_user("cemetery_staff", None, personas.county)
    RoleAssignment.objects.create(user=user, role=STAFF, division=personas.county, organisation_id=place.pk)
    return type(user).objects.get(pk=user.pk)


def _accept(personas: Personas, filing: PriceFiling, on: dt.date) -> PriceFiling:
    """Accept a filing as the bureau would have on the day before it took effect."""
    PriceFiling.objects.unscoped().filter(pk=filing.pk).update(effective_from=on)
    filing.refresh_from_db()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "localdate", lambda: on - dt.timedelta(days=1))
        return filing_review(actor=personas[Role.COUNTY_APPROVER], filing=filing, accept=True, note="准予备案")


# --- Filing, review, public display -------------------------------------------------------------------------------


def test_filing_review_and_public_display_with_history_and_changes_in_per_cent(personas: Personas) -> None:
    cemetery = facility(personas.township, "commercial_cemetery", "宿城永安陵园", phone="0527-84390000")
    staff = _cemetery_staff(personas, cemetery)
    single = price_item_add(actor=staff, facility=cemetery, kind="plot", name="单穴墓", unit="座")
    double = price_item_add(actor=staff, facility=cemetery, kind="plot", name="双穴墓", unit="座")
    burial = price_item_add(actor=staff, facility=cemetery, kind="service", name="安葬服务费", unit="次")
    first = filing_submit(
        actor=staff,
        facility=cemetery,
        effective_from=timezone.localdate() + dt.timedelta(days=1),
        prices={single.pk: 2_800_000, double.pk: 4_600_000, burial.pk: 120_000},
    )
    _accept(personas, first, dt.date(2022, 1, 1))
    cut = filing_submit(
        actor=staff,
        facility=cemetery,
        effective_from=timezone.localdate() + dt.timedelta(days=1),
        prices={single.pk: 2_660_000, double.pk: 3_220_000, burial.pk: 126_000},
    )
    assert filings_due_count(personas[Role.COUNTY_APPROVER], timezone.localdate()) == 1
    assert [i.subject for i in filings_due(personas[Role.COUNTY_APPROVER], timezone.localdate(), 5, None)] == [
        "宿城永安陵园"
    ]
    assert filings_due_count(staff, timezone.localdate()) == 0  # the facility does not review itself
    _accept(personas, cut, dt.date(2023, 3, 1))

    board = public_cemetery(cemetery.pk, dt.date(2023, 6, 1))
    assert [(r.item, r.price_fen, r.previous_fen, r.change_permille) for r in board.in_force] == [
        ("单穴墓", 2_660_000, 2_800_000, -50),  # a cut of 5 %
        ("双穴墓", 3_220_000, 4_600_000, -300),  # a cut of 30 %
        ("安葬服务费", 126_000, 120_000, 50),  # a rise of 5 %
    ]
    assert [f.effective_from for f, _rows in board.history] == [dt.date(2023, 3, 1), dt.date(2022, 1, 1)]
    before = public_cemetery(cemetery.pk, dt.date(2023, 2, 28))
    assert [(r.item, r.price_fen, r.change_permille) for r in before.in_force] == [
        ("单穴墓", 2_800_000, None),
        ("双穴墓", 4_600_000, None),
        ("安葬服务费", 120_000, None),
    ]

    client = Client()  # the public page: no login
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "localdate", lambda: dt.date(2023, 6, 1))
        page = client.get(reverse("funeral:public_cemetery", args=[cemetery.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and page["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    for shown in ("宿城永安陵园", "26,600.00", "↓5.0%", "↓30.0%", "↑5.0%", "2023-03-01", "2022-01-01", "28,000.00"):
        assert shown in html
    listing = client.get(reverse("funeral:public_cemeteries")).content.decode()
    assert "宿城永安陵园" in listing and own_facility(personas).name not in listing  # a funeral home is no cemetery


def test_bad_filings_are_refused_with_the_reason_and_nothing_is_written(personas: Personas) -> None:
    place = own_facility(personas)
    staff = personas[STAFF]
    item = price_item_add(actor=staff, facility=place, kind="service", name="告别厅", unit="次")
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    cases = [
        (
            {"effective_from": timezone.localdate() - dt.timedelta(days=3), "prices": {item.pk: 50_000}},
            "effective_from",
        ),
        ({"effective_from": timezone.localdate(), "prices": {item.pk: 50_000}}, "effective_from"),
        ({"effective_from": tomorrow, "prices": {item.pk: -100}}, f"price_{item.pk}"),
        ({"effective_from": tomorrow, "prices": {item.pk: 0}}, f"price_{item.pk}"),
        ({"effective_from": tomorrow, "prices": {item.pk: 100_000_001}}, f"price_{item.pk}"),
        ({"effective_from": tomorrow, "prices": {}}, "prices"),
        ({"effective_from": tomorrow, "prices": {item.pk + 999: 100}}, "prices"),
    ]
    for arguments, field in cases:
        with pytest.raises(ValidationError) as raised:
            filing_submit(actor=staff, facility=place, **arguments)  # type: ignore[arg-type]
        assert list(raised.value.message_dict) == [field], arguments
    assert not PriceFiling.objects.unscoped().exists()

    client = Client()
    client.force_login(staff)
    response = client.post(
        reverse("funeral:filing_new", args=[place.pk]),
        {"filing-effective_from": tomorrow.isoformat(), f"filing-price_{item.pk}": "-5"},
        follow=True,
    )
    assert response.status_code == 200 and "金额" in response.content.decode()
    assert not PriceFiling.objects.unscoped().exists()


def test_a_filing_is_reviewed_once_by_somebody_else_and_returned_with_a_reason(personas: Personas) -> None:
    from minsheng.funeral.tests.factories import filing

    pending = filing(personas)
    approver = personas[Role.COUNTY_APPROVER]
    with pytest.raises(ValidationError) as no_reason:
        filing_review(actor=approver, filing=pending, accept=False, note=" ")
    assert list(no_reason.value.message_dict) == ["note"]
    with pytest.raises(PermissionDenied):
        filing_review(actor=personas.outsider(Role.COUNTY_APPROVER), filing=pending, accept=True)
    with pytest.raises(PermissionDenied):
        filing_review(actor=personas[STAFF], filing=pending, accept=True)
    returned = filing_review(actor=approver, filing=pending, accept=False, note="价格构成说明不全")
    assert (returned.status, returned.review_note, returned.reviewed_by_id) == (
        "returned",
        "价格构成说明不全",
        approver.pk,
    )
    with pytest.raises(ValidationError, match="已审核"):
        filing_review(actor=approver, filing=pending, accept=True)
    assert not FiledPrice.objects.filter(filing=pending, previous_fen__isnull=False).exists()


# --- Public reports ---------------------------------------------------------------------------------------------


@override_settings(FUNERAL_REPORTS_PER_ADDRESS=2)
def test_a_report_gets_a_receipt_and_a_deadline_in_working_days_and_a_flood_is_refused(personas: Personas) -> None:
    place = facility(personas.township, "commercial_cemetery", "宿城永安陵园")
    client = Client(REMOTE_ADDR="203.0.113.7")
    data = {
        "facility": place.pk,
        "kind": "above_filed",
        "text": "单穴墓实际收取29000元，高于公示价格",
        "charged": "29000",
        "contact_name": "王先生",
        "contact_phone": "13812345678",
    }
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "localdate", lambda: dt.date(2026, 1, 9))  # a Friday: 10 working days on
        first = client.post(reverse("funeral:public_report"), data)
    assert first.status_code == 200
    complaint = Complaint.objects.unscoped().get()
    assert complaint.receipt_number == f"TS{personas.county.code[:6]}202601090001"
    assert complaint.answer_due == dt.date(2026, 1, 23)
    assert (complaint.charged_fen, complaint.contact_phone, complaint.contact_phone_masked) == (
        2_900_000,
        "13812345678",
        "138****5678",
    )
    html = first.content.decode()
    assert complaint.receipt_number in html and "2026-01-23" in html
    bad = client.post(reverse("funeral:public_report"), {**data, "contact_phone": "12"})
    assert bad.status_code == 400 and "手机号" in bad.content.decode()
    flooded = client.post(reverse("funeral:public_report"), data)
    assert flooded.status_code == 429 and "过多" in flooded.content.decode()
    assert Complaint.objects.unscoped().count() == 1
    assert list(ReportAttempt.objects.order_by("id").values_list("accepted", flat=True)) == [True, True, False]
    other = Client(REMOTE_ADDR="203.0.113.8")
    assert other.post(reverse("funeral:public_report"), data).status_code == 200  # another address is not held up
    event = AuditEvent.objects.unscoped().filter(action="funeral.report_received").first()
    assert event is not None and "13812345678" not in str(event.after)


def test_reports_near_their_deadline_are_due_work_for_the_county(personas: Personas) -> None:
    from minsheng.funeral.services import complaint_answer, complaint_submit

    complaint = complaint_submit(
        facility=own_facility(personas),
        kind="unfiled",
        text="收取了未公示的守灵费",
        contact_name="赵女士",
        contact_phone="13900001111",
    )
    approver = personas[Role.COUNTY_APPROVER]
    later = complaint.answer_due - dt.timedelta(days=1)
    assert [i.subject for i in complaints_due(approver, later, 5, None)] == [
        f"{complaint.receipt_number} {own_facility(personas).name}"
    ]
    assert complaints_due(approver, complaint.answer_due - dt.timedelta(days=40), 5, None) == []
    assert complaints_due(personas[STAFF], later, 5, None) == []  # the facility does not see reports about itself
    complaint_answer(actor=approver, complaint=complaint, answer="已核查并责令整改")
    assert complaints_due(approver, later, 5, None) == []
    with pytest.raises(ValidationError, match="已答复"):
        complaint_answer(actor=approver, complaint=complaint, answer="再次答复")


# --- Cases, cremation, waivers and settlement -------------------------------------------------------------------


def test_a_cremation_record_carries_the_blind_index_a_death_feed_matches_on(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The data exchange is not built: a module subscribing to ``funeral.person_cremated`` gets the record."""
    fed: list[Cremation] = []
    feed = Module(app_label="feed", subscribers={PERSON_CREMATED: (fed.append,)})
    installed = modules()
    monkeypatch.setattr("minsheng.core.modules.modules", lambda: (*installed, feed))
    deceased = payee(personas.village, "钱德明")
    registered = case(personas, person=deceased, died=dt.date(2026, 1, 3))
    cremated = cremation_record(
        actor=personas[STAFF], case=registered, cremated_on=dt.date(2026, 1, 5), certificate="HH3213020001"
    )
    assert cremated.id_index == id_lookup_key(deceased.id_number) == deceased.id_index
    assert FuneralCase.objects.unscoped().filter(cremated_on__isnull=False, id_index=deceased.id_index).count() == 1
    # Only the registry's own service marks a death; the subscribers get the record.
    assert Person.objects.unscoped().get(pk=deceased.pk).status == "living"
    assert fed == [
        Cremation(
            case=registered.pk,
            id_index=deceased.id_index,
            died_on=dt.date(2026, 1, 3),
            cremated_on=dt.date(2026, 1, 5),
            certificate="HH3213020001",
            area_code=own_facility(personas).area_code,
        )
    ]
    with pytest.raises(ValidationError, match="火化日期不能早于死亡日期"):
        cremation_record(
            actor=personas[STAFF], case=case(personas, "孙玉梅"), cremated_on=dt.date(2000, 1, 1), certificate="X"
        )
    with pytest.raises(ValidationError, match="已有殡葬业务记录"):
        case_register(
            actor=personas[STAFF], facility=own_facility(personas), name="钱德明", id_number=deceased.id_number,
            died_on=dt.date(2026, 1, 3),
        )  # fmt: skip


def test_a_waiver_is_checked_against_the_platforms_own_records(personas: Personas) -> None:
    staff = personas[STAFF]
    registered = tekun_case(personas, "李桂兰")
    waived = waiver_register(actor=staff, case=registered, services=ALL_SERVICES)
    assert (waived.group, waived.total_fen) == ("tekun", 145_000)
    assert [line["fen"] for line in waived.services] == [10_000, 60_000, 15_000, 40_000, 20_000]

    stranger = case(personas, "周国华")  # registered, but no benefit
    with pytest.raises(ValidationError, match="不符合惠民殡葬减免条件"):
        waiver_register(actor=staff, case=stranger, services=["cremation"])
    stopped = payee(personas.village, "吴秀英")
    enrol(
        stopped, "tekun", 100_000, first_month=dt.date(2024, 1, 1), status="stopped", stopped_from=dt.date(2025, 1, 1)
    )
    with pytest.raises(ValidationError, match="不符合"):
        waiver_register(actor=staff, case=case(personas, person=stopped), services=["cremation"])
    member = payee(personas.village, "郑春花")
    head = payee(personas.village, "郑建国")
    from minsheng.testing import make_household

    household = make_household(personas.village, head, (member, "spouse"))
    assert household.pk
    enrol(head, "dibao", 150_000, first_month=dt.date(2025, 1, 1))
    member_case = case(personas, person=member)
    assert waiver_register(actor=staff, case=member_case, services=["cremation"]).group == "dibao"
    with pytest.raises(ValidationError, match="已减免"):
        waiver_register(actor=staff, case=member_case, services=["urn"])
    with pytest.raises(ValidationError) as unknown:
        waiver_register(actor=staff, case=case(personas, "冯德明"), services=["fireworks"])
    assert list(unknown.value.message_dict) == ["services"]
    assert Waiver.objects.unscoped().count() == 2


def test_a_month_is_settled_exactly_once_by_a_maker_and_a_checker(personas: Personas) -> None:
    first = waiver(personas, "李桂兰")
    second = waiver(personas, "王玉梅")
    officer, approver = personas[Role.COUNTY_PAYMENT_OFFICER], personas[Role.COUNTY_APPROVER]
    home = own_facility(personas)
    with pytest.raises(ValidationError, match="月份结束后"):
        settlement_generate(actor=officer, facility=home, period=timezone.localdate().replace(day=1))
    settlement = settlement_generate(actor=officer, facility=home, period=first.month)
    assert (settlement.case_count, settlement.total_fen, settlement.status) == (2, 290_000, "draft")
    again = settlement_generate(actor=officer, facility=home, period=first.month)
    assert (again.pk, again.case_count, again.total_fen) == (settlement.pk, 2, 290_000)
    assert set(Waiver.objects.unscoped().filter(settlement=settlement).values_list("pk", flat=True)) == {
        first.pk,
        second.pk,
    }
    with pytest.raises(PermissionDenied):
        settlement_approve(actor=officer, settlement=settlement)  # no right to approve
    maker_and_checker = make_user("both", Role.COUNTY_APPROVER, personas.county)
    from minsheng.accounts.models import RoleAssignment

    RoleAssignment.objects.create(user=maker_and_checker, role=Role.COUNTY_PAYMENT_OFFICER, division=personas.county)
    maker_and_checker = type(maker_and_checker).objects.get(pk=maker_and_checker.pk)
    settlement_generate(actor=maker_and_checker, facility=home, period=first.month)
    with pytest.raises(PermissionDenied, match="编制人以外"):
        settlement_approve(actor=maker_and_checker, settlement=settlement)
    settlement_generate(actor=officer, facility=home, period=first.month)
    approved = settlement_approve(actor=approver, settlement=settlement)
    assert (approved.status, approved.approved_by_id) == ("approved", approver.pk)
    late = waiver(personas, "赵国华", month=first.month)  # a late waiver cannot join an approved month
    with pytest.raises(ValidationError, match="已审批"):
        settlement_generate(actor=officer, facility=home, period=first.month)
    assert Waiver.objects.unscoped().get(pk=late.pk).settlement_id is None
    paid = settlement_pay(actor=officer, settlement=approved)
    assert (paid.status, paid.paid_by_id) == ("paid", officer.pk)
    with pytest.raises(ValidationError, match="尚未支付"):
        settlement_pay(actor=officer, settlement=approved)
    assert Settlement.objects.unscoped().count() == 1
    assert AuditEvent.objects.unscoped().filter(action="funeral.settlement_paid").count() == 1
    with pytest.raises(PermissionDenied):
        settlement_generate(actor=personas.outsider(Role.COUNTY_PAYMENT_OFFICER), facility=home, period=first.month)


def test_the_checker_cannot_be_the_maker_in_the_database_either(personas: Personas) -> None:
    from django.db import IntegrityError, transaction

    home = own_facility(personas)
    officer = personas[Role.COUNTY_PAYMENT_OFFICER]
    with pytest.raises(IntegrityError), transaction.atomic():
        Settlement.objects.create(
            facility=home, area_code=home.area_code, period=dt.date(2025, 1, 1), status="approved",
            prepared_by=officer, approved_by=officer, approved_at=timezone.now(),
        )  # fmt: skip


# --- The facility staff's scope -----------------------------------------------------------------------------------


def test_facility_staff_see_their_own_facility_only_and_not_the_registry(personas: Personas) -> None:
    staff = personas[STAFF]
    ours = own_facility(personas)
    neighbour = facility(personas.county, "funeral_home", "宿城区第二殡仪馆")
    ours_case = tekun_case(personas, "李桂兰")
    other_staff = _cemetery_staff(personas, neighbour)
    theirs = case_register(
        actor=other_staff, facility=neighbour, name="王芳", id_number=payee(personas.village, "王芳").id_number,
        died_on=dt.date(2026, 1, 2),
    )  # fmt: skip
    assert list(Facility.objects.restrict(staff, "view")) == [ours]
    assert list(FuneralCase.objects.restrict(staff, "view")) == [ours_case]
    assert list(FuneralCase.objects.restrict(other_staff, "view")) == [theirs]
    assert set(FuneralCase.objects.restrict(personas[Role.COUNTY_APPROVER], "view")) == {ours_case, theirs}
    with pytest.raises(PermissionDenied):
        case_register(
            actor=staff, facility=neighbour, name="赵敏", id_number="321302196803140011", died_on=dt.date(2026, 1, 2)
        )
    with pytest.raises(PermissionDenied):
        waiver_register(actor=staff, case=theirs, services=["cremation"])

    client = Client()
    client.force_login(staff)
    assert client.get(reverse("funeral:case_detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("funeral:facility_detail", args=[neighbour.pk])).status_code == 404
    assert client.get(reverse("funeral:case_detail", args=[ours_case.pk])).status_code == 200
    # The registry stays closed: no person, no household, no page.
    assert Person.objects.restrict(staff, "view").count() == 0
    assert client.get(reverse("people:search")).status_code == 403
    assert client.get(reverse("funeral:complaint_list")).status_code == 403
    assert Benefit.objects.restrict(staff, "view").count() == 0
    assert blind_index("x") not in client.get(reverse("funeral:case_list")).content.decode()


# --- Figures and the demo ---------------------------------------------------------------------------------------


def test_the_demo_files_five_cemeteries_with_cuts_of_five_to_thirty_per_cent_and_adds_nothing_twice(
    personas: Personas,
) -> None:
    done = demo_funeral(scale=0.01, seed=3)
    assert done["facilities"] == 6 * 2 + 1 + 5
    commercial = Facility.objects.unscoped().filter(kind="commercial_cemetery")
    assert commercial.count() == 5
    cuts = FiledPrice.objects.filter(filing__facility__in=commercial, filing__effective_from=dt.date(2023, 3, 1))
    changes = sorted(p.change_permille or 0 for p in cuts)
    assert (changes[0], changes[-1]) == (-CUT_RANGE[1] * 10, -CUT_RANGE[0] * 10)
    assert all(-300 <= c <= -50 for c in changes)
    assert PriceFiling.objects.unscoped().exclude(status="accepted").count() == 0
    count = Facility.objects.unscoped().count()
    assert demo_funeral(scale=0.01, seed=3) == {}
    assert Facility.objects.unscoped().count() == count
    cells_rebuild()
    board = dashboard(
        user=personas[Role.CITY_ADMIN], area_code=None, period=Period(dt.date(2023, 1, 1), dt.date(2023, 6, 1))
    )
    figures = {f.key: (f.available, f.value) for f in board.figures}
    assert figures["cemeteries_filed"] == (True, 5)


def test_the_demo_year_of_waivers_is_settled_and_the_deceased_leave_the_rolls(personas: Personas) -> None:
    payees = [payee(personas.village, name) for name in ("甲一", "乙二", "丙三", "丁四")]
    for person in payees:
        enrol(person, "tekun", 120_000, first_month=dt.date(2022, 1, 1))
    done = demo_funeral(scale=0.0034, seed=5, today=dt.date(2026, 12, 5))  # round(900 × 0.0034) = 3
    assert done["waivers"] == 3
    waivers = list(Waiver.objects.unscoped().select_related("case", "settlement", "benefit"))
    assert all(w.total_fen == 145_000 and w.group == "tekun" for w in waivers)
    assert waiver_days(dt.date(2026, 12, 5)) == (dt.date(2025, 12, 1), dt.date(2026, 12, 4))
    assert all(dt.date(2025, 12, 1) <= w.case.died_on <= dt.date(2026, 12, 4) for w in waivers)
    assert all(w.settlement is not None and w.settlement.period == w.month for w in waivers)
    last = max(w.month for w in waivers)
    assert {getattr(w.settlement, "status", None) for w in waivers if w.month != last} <= {"paid"}
    assert {getattr(w.settlement, "status", None) for w in waivers if w.month == last} == {"draft"}
    for w in waivers:
        person = Person.objects.unscoped().get(id_index=w.case.id_index)
        assert (person.status, person.status_date) == ("deceased", w.case.died_on)
        assert (w.benefit.status, w.benefit.stopped_from) == (
            "stopped",
            (w.case.died_on.replace(day=1) + dt.timedelta(days=32)).replace(day=1),
        )
    paid = Settlement.objects.unscoped().filter(status="paid")
    assert all(s.approved_by_id != s.prepared_by_id for s in paid)
