"""The payroll pages: the county's batches, a batch with its held lines, prepare, prepare again and approve."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from minsheng.accounts.roles import Role
from minsheng.payments import services as svc
from minsheng.payments.models import PaymentLine, PayrollBatch, PayrollJob
from minsheng.payments.tests.factories import enrol, payee
from minsheng.testing import Personas

if TYPE_CHECKING:
    from minsheng.accounts.models import User

pytestmark = pytest.mark.django_db

FEB = dt.date(2026, 2, 1)


def _approval(batch: PayrollBatch, **override: Any) -> dict[str, Any]:
    """The approval form as the page fills it: the figures shown, the box ticked, an opinion."""
    data = {
        "approve-opinion": "经审核，同意发放。",
        "approve-confirm": "on",
        "approve-count": batch.payable_count,
        "approve-total_fen": batch.payable_fen,
    }
    return {key: value for key, value in {**data, **override}.items() if value is not None}


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_officer_prepares_from_the_list_and_sees_the_held_lines(personas: Personas) -> None:
    p = personas
    enrol(payee(p.village, "张一"), monthly_fen=156_000)
    enrol(payee(p.village, "张二", account=""), monthly_fen=88_000)
    officer = _client(p[Role.COUNTY_PAYMENT_OFFICER])
    listing = officer.get(reverse("payments:batch_list"))
    assert listing.status_code == 200
    assert listing.context["form"].fields["county"].choices == [(p.county.code, p.county.name)]

    response = officer.post(
        reverse("payments:batch_prepare"),
        {"prepare-county": p.county.code, "prepare-programme": "dibao", "prepare-period": "2026-02"},
    )
    batch = PayrollBatch.objects.unscoped().get()
    assert response.status_code == 302 and response["Location"] == reverse("payments:batch_detail", args=[batch.pk])
    assert (batch.period, batch.line_count, batch.total_fen, batch.held_count, batch.held_fen) == (
        FEB,
        2,
        244_000,
        1,
        88_000,
    )

    page = officer.get(reverse("payments:batch_detail", args=[batch.pk]))
    assert page.status_code == 200
    assert [line.payee.name for line in page.context["lines"]] == ["张一", "张二"]
    held = officer.get(reverse("payments:batch_detail", args=[batch.pk]), {"status": "held"})
    assert [line.payee.name for line in held.context["lines"]] == ["张二"]
    assert page.context["by_reason"] == [
        {"hold_reason": "no_account", "count": 1, "fen": 88_000, "label": PaymentLine.HoldReason.NO_ACCOUNT.label}
    ]
    html = page.content.decode()
    assert 'id="batch-regenerate"' in html and 'id="batch-approve"' not in html
    assert svc.hold_texts()["no_account"] in html
    assert "6228480012345678901" not in html and "**** **** **** 8901" in html
    assert [b.pk for b in officer.get(reverse("payments:batch_list")).context["page"]] == [batch.pk]
    assert list(_client(p.outsider(Role.COUNTY_APPROVER)).get(reverse("payments:batch_list")).context["page"]) == []


def test_the_approver_approves_and_the_batch_cannot_be_prepared_again(personas: Personas) -> None:
    p = personas
    enrol(payee(p.village, "张一"), monthly_fen=156_000)
    batch = svc.payroll_generate(actor=p[Role.COUNTY_PAYMENT_OFFICER], county=p.county, programme="dibao", period=FEB)
    approver = _client(p[Role.COUNTY_APPROVER])
    page = approver.get(reverse("payments:batch_detail", args=[batch.pk]))
    assert 'id="batch-approve"' in page.content.decode()
    assert approver.post(reverse("payments:batch_approve", args=[batch.pk]), _approval(batch)).status_code == 302
    assert PayrollBatch.objects.unscoped().get().status == "approved"

    officer = _client(p[Role.COUNTY_PAYMENT_OFFICER])
    response = officer.post(reverse("payments:batch_regenerate", args=[batch.pk]), follow=True)
    with translation.override("zh-hans"):  # the pages speak Chinese whatever the browser says
        refused = translation.gettext("This payroll is approved already and can no longer change.")
    assert [str(m) for m in response.context["messages"]] == [refused]
    assert 'id="batch-regenerate"' not in response.content.decode()
    assert PaymentLine.objects.unscoped().count() == 1


def test_the_batch_page_offers_only_what_the_user_may_do_in_that_county(personas: Personas) -> None:
    """A user who approves in another county and prepares in this one sees "Prepare again", not "Approve"."""
    from minsheng.accounts.models import RoleAssignment
    from minsheng.testing import make_user

    p = personas
    enrol(payee(p.village, "张一"))
    batch = svc.payroll_generate(actor=p[Role.COUNTY_PAYMENT_OFFICER], county=p.county, programme="dibao", period=FEB)
    both = make_user("officer_here_approver_there", Role.COUNTY_PAYMENT_OFFICER, p.county)
    RoleAssignment.objects.create(user=both, role=Role.COUNTY_APPROVER, division=p.other_county)
    html = _client(both).get(reverse("payments:batch_detail", kwargs={"pk": batch.pk})).content.decode()
    assert 'id="batch-regenerate"' in html
    assert 'id="batch-approve"' not in html
    approver_html = _client(p[Role.COUNTY_APPROVER]).get(reverse("payments:batch_detail", kwargs={"pk": batch.pk}))
    assert 'id="batch-approve"' in approver_html.content.decode()


def test_approval_asks_for_an_opinion_and_a_confirmation_of_the_lines_and_total(personas: Personas) -> None:
    from minsheng.audit.models import AuditEvent

    p = personas
    enrol(payee(p.village, "张一"), monthly_fen=156_000)
    enrol(payee(p.village, "张二"), monthly_fen=1_001_800)
    enrol(payee(p.village, "张三", account=""), monthly_fen=88_000)
    batch = svc.payroll_generate(actor=p[Role.COUNTY_PAYMENT_OFFICER], county=p.county, programme="dibao", period=FEB)
    approver = _client(p[Role.COUNTY_APPROVER])
    url = reverse("payments:batch_approve", args=[batch.pk])
    html = approver.get(reverse("payments:batch_detail", args=[batch.pk])).content.decode()
    # The confirmation names what is paid: two lines, ¥11,578.00, one held back.
    assert "我已核对本批发放：应发 2 笔，合计 ¥11,578.00（另有 1 笔暂停发放）。" in html
    assert 'name="approve-opinion"' in html and 'name="approve-confirm"' in html

    one_click = approver.post(url)
    assert one_click.status_code == 400
    assert one_click.context["approve_form"].errors.keys() == {"opinion", "confirm", "count", "total_fen"}
    no_opinion = approver.post(url, _approval(batch, **{"approve-opinion": "   "}))
    assert no_opinion.status_code == 400 and "请填写审核意见。" in no_opinion.content.decode()
    unticked = approver.post(url, _approval(batch, **{"approve-confirm": None}))
    assert unticked.status_code == 400 and "请勾选确认发放笔数和金额。" in unticked.content.decode()
    too_long = approver.post(url, _approval(batch, **{"approve-opinion": "意" * 501}))
    assert too_long.status_code == 400 and too_long.context["approve_form"].errors["opinion"]
    # The figures shown are not the batch's any more (prepared again meanwhile): nothing is approved.
    stale = approver.post(url, _approval(batch, **{"approve-total_fen": batch.payable_fen - 100}))
    assert stale.status_code == 400
    assert "发放批次在显示后已变化：现应发 2 笔，合计 ¥11,578.00。请重新核对后再审核。" in stale.content.decode()
    assert PayrollBatch.objects.unscoped().get().status == "draft"
    assert not AuditEvent.objects.unscoped().filter(action="payments.payroll_approved").exists()

    assert approver.post(url, _approval(batch, **{"approve-opinion": " 同意，按时发放。 "})).status_code == 302
    approved = PayrollBatch.objects.unscoped().get()
    assert (approved.status, approved.approval_opinion) == ("approved", "同意，按时发放。")
    event = AuditEvent.objects.unscoped().get(action="payments.payroll_approved")
    assert event.after is not None
    assert (event.reason, event.after["opinion"], event.after["total_fen"]) == (
        "同意，按时发放。",
        "同意，按时发放。",
        1_245_800,
    )
    page = approver.get(reverse("payments:batch_detail", args=[batch.pk])).content.decode()
    assert 'id="batch-opinion">同意，按时发放。<' in page and 'id="batch-approve"' not in page


@pytest.mark.parametrize(
    ("month", "reason"),
    [
        ("2030-01", "发放只能编制本月或以前月份。"),
        ("9999-12", "发放只能编制本月或以前月份。"),
        ("0000-01", "请输入月份，如 2026-07。"),
        ("0001-01", "请输入 1990-01 至 2026-12 之间的月份。"),
        ("²⁰²⁶-01", "请输入月份，如 2026-07。"),
    ],
)
def test_a_payroll_for_a_month_not_begun_or_out_of_range_is_refused_with_a_reason(
    month: str, reason: str, personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: dt.date(2026, 12, 4))
    p = personas
    enrol(payee(p.village, "张一"))
    response = _client(p[Role.COUNTY_PAYMENT_OFFICER]).post(
        reverse("payments:batch_prepare"),
        {"prepare-county": p.county.code, "prepare-programme": "dibao", "prepare-period": month},
    )
    assert response.status_code == 400
    assert response.context["form"].errors == {"period": [reason]}
    assert not PayrollBatch.objects.unscoped().exists() and not PayrollJob.objects.unscoped().exists()


def test_the_services_refuse_a_month_not_begun_too(personas: Personas, monkeypatch: pytest.MonkeyPatch) -> None:
    """The job, the generation and the approval each check the month: an older batch of a future month (made before
    the check existed) is not approved either."""
    from django.core.exceptions import ValidationError

    from minsheng.payments.jobs import payroll_job_start

    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: dt.date(2026, 12, 4))
    p = personas
    officer = p[Role.COUNTY_PAYMENT_OFFICER]
    enrol(payee(p.village, "张一"))
    for start in (svc.payroll_generate, payroll_job_start):
        with pytest.raises(ValidationError) as refused:
            start(actor=officer, county=p.county, programme="dibao", period=dt.date(2030, 1, 1))
        assert refused.value.message_dict == {"period": ["发放只能编制本月或以前月份；2030-01 尚未开始。"]}
    assert svc.payroll_generate(actor=officer, county=p.county, programme="dibao", period=dt.date(2026, 12, 1))
    future = PayrollBatch.objects.unscoped().create(
        area_code=p.county.code, programme="dibao", period=dt.date(2027, 1, 1), prepared_by=officer
    )
    future.prepared_at = future.created_at
    future.save()
    with pytest.raises(ValidationError):
        svc.payroll_approve(
            actor=p[Role.COUNTY_APPROVER], batch=future, opinion="同意", confirmed_count=0, confirmed_fen=0
        )
    assert PayrollBatch.objects.unscoped().get(pk=future.pk).status == "draft"


def test_the_batch_page_warns_of_earlier_months_not_yet_sent_to_the_bank(personas: Personas) -> None:
    from minsheng.payments.bankfiles import payment_file_export
    from minsheng.payments.tests.factories import approval

    p = personas
    officer, approver = p[Role.COUNTY_PAYMENT_OFFICER], p[Role.COUNTY_APPROVER]
    enrol(payee(p.village, "张一"), first_month=dt.date(2026, 1, 1))

    def generate(month: int) -> PayrollBatch:
        return svc.payroll_generate(actor=officer, county=p.county, programme="dibao", period=dt.date(2026, month, 1))

    january = svc.payroll_approve(actor=approver, batch=generate(1), **approval(generate(1)))
    payment_file_export(actor=officer, batch=january)  # sent to the bank
    svc.payroll_approve(actor=approver, batch=generate(2), **approval(generate(2)))  # approved, not sent
    generate(3)  # a draft; April: no payroll at all
    may = generate(5)
    svc.payroll_generate(actor=officer, county=p.county, programme="tekun", period=dt.date(2026, 4, 1))  # another
    page = _client(officer).get(reverse("payments:batch_detail", args=[may.pk]))
    assert [(u["month"], u["status"]) for u in page.context["unpaid"]] == [
        (dt.date(2026, 2, 1), "approved"),
        (dt.date(2026, 3, 1), "draft"),
        (dt.date(2026, 4, 1), ""),
    ]
    html = page.content.decode()
    assert "本县该项目以前月份尚未报送银行：" in html
    assert "2026-02 (已审核)" in html and "2026-03 (草稿)" in html and "2026-04 (未编制)" in html
    first = _client(officer).get(reverse("payments:batch_detail", args=[january.pk]))
    assert first.context["unpaid"] == [] and 'id="batch-unpaid"' not in first.content.decode()
