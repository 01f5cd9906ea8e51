"""核对 for one household: the request under a 授权书, the county's dispatch, the answers (held feeds, an answer
file, the API), the report comparing declared with verified figures, 复查, and the means test using the report."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from minsheng.accounts.roles import Role
from minsheng.assistance.means.services import (
    assessment_run,
    economic_status_new,
    status_line_add,
)
from minsheng.assistance.means.services import authorisation_record as status_signed
from minsheng.assistance.programmes import Programme
from minsheng.audit.models import AuditEvent
from minsheng.exchange.authorisations import authorisation_end
from minsheng.exchange.models import DataSource, Verification, VerificationItem, VerificationQuery
from minsheng.exchange.services import feed_submit, feed_upload
from minsheng.exchange.tests.factories import OFFICER, authorise, client, csv_of, family, source, upload_contributions
from minsheng.exchange.verification import (
    VerificationRefused,
    pending_by_county,
    query_file,
    verification_object,
    verification_request,
    verification_review,
    verified_report,
)
from minsheng.testing import Personas

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
WINDOW_END = TODAY.replace(day=1)


def _declared(p: Personas, household: Any, head: Any, spouse: Any, *, wage_fen: int = 600_000) -> None:
    """The family declared ¥6,000 of wages over 12 months (the head's) and nothing else; both adults signed."""
    actor = p[Role.TOWNSHIP_WINDOW]
    status = economic_status_new(actor=actor, household=household, window_end=WINDOW_END)
    status_line_add(
        actor=actor, status=status, line="income", data={"person": head, "kind": "wage", "amount_fen": wage_fen}
    )
    status_signed(
        actor=actor,
        status=status,
        serial=f"SQ-{status.pk}",
        signed_on=WINDOW_END,
        channel="paper",
        signers=[(head, ""), (spouse, "")],
    )


def _bank_answer(p: Personas, query: VerificationQuery, rows: list[tuple[Any, str]]) -> Any:
    """The bank's answer file, in the financial_asset layout, under the query's reference as its batch number."""
    content = csv_of(
        ["id_number", "name", "institution", "kind", "as_of", "balance"],
        *[
            [person.id_number, person.name, "宿迁农商行", "deposit", (TODAY - dt.timedelta(days=3)).isoformat(), yuan]
            for person, yuan in rows
        ],
    )
    feed, _new = feed_upload(
        actor=p[OFFICER], source=query.source, batch=query.reference, content=content, filename="answer.csv"
    )
    return feed


def _requested(p: Personas, wage_fen: int = 600_000) -> tuple[Verification, Any, Any, Any]:
    household, head, spouse, _child = family(p)
    authorise(p, household, [head, spouse])
    _declared(p, household, head, spouse, wage_fen=wage_fen)
    verification = verification_request(actor=p[Role.TOWNSHIP_WINDOW], household=household, purpose="dibao")
    return verification, household, head, spouse


def test_the_township_requests_the_county_dispatches_the_bank_answers_and_the_report_shows_the_differences(
    personas: Personas,
) -> None:
    p = personas
    verification, household, head, spouse = _requested(p)
    assert (verification.status, verification.purpose, verification.area_code) == ("submitted", "dibao", p.village.code)
    assert verification.number == f"HD{TODAY:%Y%m%d}{verification.pk:08d}"
    assert verification.declared["figures"] == {
        "income": 600_000,
        "asset": 0,
        "vehicle": 0,
        "property": 0,
        "company": 0,
        "public_pay": 0,
    }
    assert sorted(verification.declared["persons"]) == sorted([head.pk, spouse.pk, _child_of(household).pk])
    assert pending_by_county() == {p.village.code[:6]: 1}
    # The 人社 data is held already: the spouse's contribution base of ¥3,000 in October.
    upload_contributions(p, [(spouse, "3000.00")], batch="RS-2026-10")

    verification = verification_review(actor=p[OFFICER], verification=verification, dispatch=True)

    queries = {q.source.code: q for q in verification.queries.all()}
    assert set(queries) == {
        "hrss_contribution",
        "hrss_pension",
        "hrss_unemployment",
        "tax_income",
        "financial_asset",
        "vehicle",
        "property",
        "market_role",
        "public_payroll",
    }
    assert [(c, q.status) for c, q in queries.items() if q.status == "waiting"] == [("financial_asset", "waiting")]
    assert queries["vehicle"].answered_from == "held"
    assert verification.status == "dispatched"
    # The outbound file for the bank: the members' IDs and names under the query's reference; the read is audited.
    outbound = query_file(actor=p[OFFICER], query=queries["financial_asset"]).decode("utf-8-sig").splitlines()
    assert outbound[0] == "reference,id_number,name"
    assert f"{queries['financial_asset'].reference},{head.id_number},{head.name}" in outbound
    assert len(outbound) == 4
    assert AuditEvent.objects.unscoped().filter(action="exchange.query_file_read", kind="view").count() == 1

    _bank_answer(p, queries["financial_asset"], [(head, "80000.00")])

    verification.refresh_from_db()
    assert verification.status == "reported"
    assert verification.conclusion == Verification.Conclusion.INCONSISTENT  # ¥80,000 is above the 低保 asset limit
    items = {i.kind: (i.declared, i.verified, i.differs) for i in verification.items.all()}
    assert items == {
        "income": (600_000, 300_000, False),  # the departments found less than declared: not a difference
        "asset": (0, 8_000_000, True),
        "vehicle": (0, 0, False),
        "property": (0, 0, False),
        "company": (0, 0, False),
        "public_pay": (0, 0, False),
    }
    assert (
        VerificationItem.objects.get(verification=verification, kind="asset").sources
        == "存款、理财、证券及保险现金价值"
    )
    assert verification.valid_until == TODAY + dt.timedelta(days=90)
    assert "¥80,000.00" in verification.findings and "不符合" in verification.findings
    assert queries["financial_asset"].reference == f"{verification.number}-financial_asset"
    answered = VerificationQuery.objects.get(pk=queries["financial_asset"].pk)
    assert (answered.status, answered.answered_from) == ("answered", "file")
    assert pending_by_county() == {}


def _child_of(household: Any) -> Any:
    return household.memberships.unscoped().get(relation="child").person


def test_a_difference_within_the_rules_is_a_doubt_and_the_means_test_then_uses_the_verified_income(
    personas: Personas,
) -> None:
    p = personas
    verification, household, head, spouse = _requested(p, wage_fen=100_000)  # ¥1,000 of wages declared
    # ¥2,000 a month for the spouse in October and November: ¥4,000 not declared, above the ¥1,200 tolerance.
    upload_contributions(p, [(spouse, "2000.00")], batch="RS-2026-10")
    content = csv_of(["id_number", "name", "month", "base"], [spouse.id_number, spouse.name, "2026-11", "2000.00"])
    feed_upload(
        actor=p[OFFICER], source=source("hrss_contribution"), batch="RS-2026-11", content=content, filename="n.csv"
    )
    verification = verification_review(actor=p[OFFICER], verification=verification, dispatch=True)
    query = verification.queries.get(source__code="financial_asset")
    _bank_answer(p, query, [(head, "1000.00")])

    verification.refresh_from_db()
    assert verification.conclusion == Verification.Conclusion.DOUBTFUL
    items = {i.kind: (i.declared, i.verified, i.differs) for i in verification.items.all()}
    assert items["income"] == (100_000, 400_000, True)
    assert items["asset"] == (0, 100_000, False)  # ¥1,000 is within the ¥5,000 tolerance

    assessment = assessment_run(actor=p[Role.TOWNSHIP_WINDOW], household=household)
    dibao = assessment.results.unscoped().get(programme=Programme.DIBAO, person=None)
    assert assessment.inputs["counted_income_fen"] == 400_000
    assert dibao.explanation[0] == (
        f"12个月收入：采用核对报告 {verification.number}（社会保险缴费基数）的核实数 ¥4,000.00，"
        "不采用申报的 ¥1,000.00。"
    )
    report = verified_report(household.pk, TODAY)
    assert report is not None and report.number == verification.number


def test_no_request_without_a_valid_authorisation_and_none_twice(personas: Personas) -> None:
    p = personas
    household, head, spouse, _child = family(p)
    with pytest.raises(VerificationRefused, match="授权书"):
        verification_request(actor=p[Role.TOWNSHIP_WINDOW], household=household, purpose="dibao")
    authorisation = authorise(p, household, [head, spouse])
    verification_request(actor=p[Role.TOWNSHIP_WINDOW], household=household, purpose="housing")
    with pytest.raises(VerificationRefused, match="已有正在进行的核对"):
        verification_request(actor=p[Role.TOWNSHIP_WINDOW], household=household, purpose="dibao")
    Verification.objects.unscoped().update(status="refused")
    authorisation_end(actor=p[Role.TOWNSHIP_REVIEWER], authorisation=authorisation, on=TODAY, reason="退出救助")
    with pytest.raises(VerificationRefused, match=r"已于 .* 终止（退出救助）"):
        verification_request(actor=p[Role.TOWNSHIP_WINDOW], household=household, purpose="dibao")
    with pytest.raises(ValidationError):
        verification_request(actor=p[Role.TOWNSHIP_WINDOW], household=household, purpose="lottery")


def test_the_county_returns_a_request_with_a_reason_and_only_once(personas: Personas) -> None:
    p = personas
    verification, *_rest = _requested(p)
    with pytest.raises(ValidationError):
        verification_review(actor=p[OFFICER], verification=verification, dispatch=False, reason="  ")
    returned = verification_review(
        actor=p[OFFICER], verification=verification, dispatch=False, reason="授权书扫描件不清晰"
    )
    assert (returned.status, returned.refusal) == ("refused", "授权书扫描件不清晰")
    with pytest.raises(ValidationError, match="该申请已处理过"):
        verification_review(actor=p[OFFICER], verification=verification, dispatch=True)
    with pytest.raises(PermissionDenied):
        verification_review(actor=p[Role.TOWNSHIP_WINDOW], verification=verification, dispatch=True)


def test_an_objection_leads_to_a_recheck_that_supersedes_the_report(personas: Personas) -> None:
    p = personas
    verification, household, head, _spouse = _requested(p)
    verification = verification_review(actor=p[OFFICER], verification=verification, dispatch=True)
    _bank_answer(p, verification.queries.get(source__code="financial_asset"), [(head, "80000.00")])
    verification.refresh_from_db()
    with pytest.raises(ValidationError):
        verification_object(actor=p[Role.TOWNSHIP_WINDOW], verification=verification, objection="")

    recheck = verification_object(
        actor=p[Role.TOWNSHIP_WINDOW], verification=verification, objection="存款为代管的集体资金，已提供证明"
    )

    assert (recheck.status, recheck.recheck_of, recheck.objection) == (
        "submitted",
        verification,
        "存款为代管的集体资金，已提供证明",
    )
    with pytest.raises(ValidationError, match="已申请复查"):
        verification_object(actor=p[Role.TOWNSHIP_WINDOW], verification=verification, objection="再次异议")
    recheck = verification_review(actor=p[OFFICER], verification=recheck, dispatch=True)
    # The bank answers the re-check: the balance is now ¥500.
    _bank_answer(p, recheck.queries.get(source__code="financial_asset"), [(head, "500.00")])
    recheck.refresh_from_db()
    verification.refresh_from_db()
    assert (recheck.status, recheck.conclusion, verification.superseded) == ("reported", "consistent", True)
    # Balances: each account's latest; the re-check's answer is the latest.
    assert recheck.items.get(kind="asset").verified == 50_000
    assert verified_report(household.pk, TODAY).number == recheck.number  # type: ignore[union-attr]


def test_a_bank_answers_over_the_api_under_the_reference_and_a_client_cannot_answer_another_source(
    personas: Personas,
) -> None:
    p = personas
    verification, _household, head, _spouse = _requested(p)
    verification = verification_review(actor=p[OFFICER], verification=verification, dispatch=True)
    query = verification.queries.get(source__code="financial_asset")
    bank, _key = client(p, name="宿迁农商行核对前置机", sources=("financial_asset",))
    police, _key = client(p, name="公安局", sources=("police_death",))
    record = {
        "id_number": head.id_number,
        "name": head.name,
        "institution": "宿迁农商行",
        "kind": "deposit",
        "as_of": TODAY.isoformat(),
        "balance": "100.00",
    }
    with pytest.raises(PermissionDenied):
        feed_submit(client=police, source=source("financial_asset"), batch=query.reference, records=[record])

    feed, created = feed_submit(client=bank, source=source("financial_asset"), batch=query.reference, records=[record])

    query.refresh_from_db()
    verification.refresh_from_db()
    assert (created, query.status, query.answered_from, query.feed) == (True, "answered", "api", feed)
    assert (verification.status, verification.conclusion) == ("reported", "consistent")
    assert DataSource.objects.get(code="financial_asset").answered_from_feeds is False


def test_only_a_township_user_of_the_household_s_area_files_an_objection(personas: Personas) -> None:
    p = personas
    verification, _household, head, _spouse = _requested(p)
    verification = verification_review(actor=p[OFFICER], verification=verification, dispatch=True)
    _bank_answer(p, verification.queries.get(source__code="financial_asset"), [(head, "80000.00")])
    verification.refresh_from_db()
    with pytest.raises(PermissionDenied):
        verification_object(actor=p.outsider(Role.TOWNSHIP_WINDOW), verification=verification, objection="异议")
    with pytest.raises(PermissionDenied):
        verification_object(actor=p[OFFICER], verification=verification, objection="异议")
    assert Verification.objects.unscoped().count() == 1
