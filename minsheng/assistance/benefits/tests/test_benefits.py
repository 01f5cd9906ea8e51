"""Enrolment (保障对象): reviews, recomputation, reduction, taper and stop, to the fen and the month.

The family (benefits/tests/endpoints.py): 3 persons, ¥1,080 a month of wages, so ¥360 per person; the demo standard
is ¥880, so 低保 is (880 − 360) × 3 = ¥1,560 a month, review class B (every 6 months). Assessed on 2026-01-15,
decided on 2026-01-20: paid from 2026-02, first review due 2026-08-01. 渐退 lasts 6 months (demo value).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from minsheng.accounts.roles import Role
from minsheng.assistance.benefits import selectors
from minsheng.assistance.benefits import services as svc
from minsheng.assistance.benefits.models import Benefit, BenefitChange
from minsheng.assistance.benefits.tests.endpoints import Family
from minsheng.assistance.rules.services import parameter_set
from minsheng.audit.models import AuditEvent
from minsheng.core.months import first_day_of_next_month
from minsheng.people.services import household_add_member
from minsheng.testing import Personas, make_person

pytestmark = pytest.mark.django_db

ASSESSED = dt.date(2026, 1, 15)
DECIDED = dt.date(2026, 1, 20)


@pytest.fixture
def family(personas: Personas) -> Family:
    return Family(personas)


@pytest.fixture
def benefit(family: Family) -> Benefit:
    return family.enrol(assessed_on=ASSESSED, decided_on=DECIDED)


def _changes(benefit: Benefit) -> list[tuple[str, dt.date, int | None, int | None]]:
    rows = BenefitChange.objects.unscoped().filter(benefit=benefit).order_by("id")
    return [(c.kind, c.effective_month, c.old_fen, c.new_fen) for c in rows]


def _fresh(benefit: Benefit) -> Benefit:
    return Benefit.objects.unscoped().get(pk=benefit.pk)


def test_enrolment_pays_from_the_month_after_the_decision(benefit: Benefit) -> None:
    assert (benefit.monthly_fen, benefit.covered, benefit.first_month) == (156_000, 3, dt.date(2026, 2, 1))
    assert (benefit.review_months, benefit.next_review_on) == (6, dt.date(2026, 8, 1))
    assert _changes(benefit) == [("enrol", dt.date(2026, 2, 1), None, 156_000)]


def test_reviews_are_due_from_the_review_date_in_the_users_areas(personas: Personas, benefit: Benefit) -> None:
    approver = personas[Role.COUNTY_APPROVER]
    assert list(selectors.reviews_due(user=approver, today=dt.date(2026, 7, 31))) == []
    assert list(selectors.reviews_due(user=approver, today=dt.date(2026, 8, 1))) == [benefit]
    assert list(selectors.reviews_due(user=personas[Role.VILLAGE_WORKER], today=dt.date(2026, 8, 1))) == [benefit]
    assert list(selectors.reviews_due(user=personas.outsider(Role.COUNTY_APPROVER), today=dt.date(2026, 8, 1))) == []
    listed = selectors.benefit_list(user=approver, review_due=True, today=dt.date(2026, 8, 1))
    assert list(listed) == [benefit]
    assert list(selectors.benefit_list(user=approver, programme="tekun")) == []
    assert list(selectors.benefit_list(user=approver, status="stopped")) == []


def test_a_review_reruns_the_means_test_and_moves_the_next_review(personas: Personas, benefit: Benefit) -> None:
    approver = personas[Role.COUNTY_APPROVER]
    reviewed = svc.benefit_review(actor=approver, benefit=benefit, on=dt.date(2026, 8, 3))
    # Reviewed in August: the next review is 6 months after September, the month after the review.
    assert (reviewed.status, reviewed.monthly_fen, reviewed.next_review_on) == ("active", 156_000, dt.date(2027, 3, 1))
    assert _changes(benefit)[-1] == ("review", dt.date(2026, 9, 1), 156_000, 156_000)
    change = BenefitChange.objects.unscoped().get(benefit=benefit, kind="review")
    assert change.assessment is not None and change.assessment.on == dt.date(2026, 8, 3)
    assert _fresh(benefit).assessment_result.assessment_id == change.assessment_id  # type: ignore[union-attr]
    assert list(selectors.reviews_due(user=approver, today=dt.date(2026, 8, 3))) == []
    event = AuditEvent.objects.unscoped().get(action="assistance.benefit_review")
    assert event.before is not None and event.after is not None
    assert event.before["next_review_on"] == "2026-08-01" and event.after["next_review_on"] == "2027-03-01"


def test_a_review_finding_the_household_no_longer_eligible_needs_a_stop_or_taper_with_reasons(
    personas: Personas, family: Family, benefit: Benefit
) -> None:
    approver = personas[Role.COUNTY_APPROVER]
    family.new_version("李娜就业")
    family.add("income", person=family.people[1], kind="wage", amount_fen=3_600_000)  # ¥3,000 a month
    with pytest.raises(svc.NoLongerEligible) as caught:
        svc.benefit_review(actor=approver, benefit=benefit, on=dt.date(2026, 8, 3))
    assert caught.value.reasons == ["人均收入 ¥1,360.00 不低于低保标准 ¥880.00。"]
    assert _changes(benefit) == [("enrol", dt.date(2026, 2, 1), None, 156_000)]  # nothing written
    with pytest.raises(ValidationError) as no_reason:
        svc.benefit_review(actor=approver, benefit=benefit, on=dt.date(2026, 8, 3), outcome="taper", reason=" ")
    assert "reason" in no_reason.value.message_dict

    tapered = svc.benefit_review(
        actor=approver, benefit=benefit, on=dt.date(2026, 8, 3), outcome="taper", reason="李娜已就业，收入超过标准"
    )
    assert (tapered.status, tapered.taper_until, tapered.monthly_fen) == ("tapering", dt.date(2027, 2, 1), 156_000)
    assert _changes(benefit)[1:] == [
        ("review", dt.date(2026, 9, 1), 156_000, 156_000),
        ("taper", dt.date(2026, 9, 1), 156_000, 156_000),
    ]
    review = BenefitChange.objects.unscoped().get(benefit=benefit, kind="review")
    assert review.reason.endswith("人均收入 ¥1,360.00 不低于低保标准 ¥880.00。")


def test_recompute_after_a_household_change_records_old_and_new_amounts(
    personas: Personas, family: Family, benefit: Benefit
) -> None:
    approver = personas[Role.COUNTY_APPROVER]
    family.new_version()
    family.add("income", person=family.people[1], kind="wage", amount_fen=360_000)  # ¥300 a month
    assert list(selectors.household_changed(user=approver)) == [benefit]  # a newer economic status
    with pytest.raises(ValidationError) as no_reason:
        svc.benefit_recompute(actor=approver, benefit=benefit, reason="", on=dt.date(2026, 3, 10))
    assert "reason" in no_reason.value.message_dict

    change = svc.benefit_recompute(actor=approver, benefit=benefit, reason="李娜有工资收入", on=dt.date(2026, 3, 10))
    # (¥1,080 + ¥300) / 3 = ¥460 per person; (880 − 460) × 3 = ¥1,260 from April.
    assert change is not None
    assert (change.kind, change.effective_month, change.old_fen, change.new_fen) == (
        "recompute",
        dt.date(2026, 4, 1),
        156_000,
        126_000,
    )
    assert _fresh(benefit).monthly_fen == 126_000
    assert list(selectors.household_changed(user=approver)) == []
    # Nothing changed since: the same amount records no change.
    assert svc.benefit_recompute(actor=approver, benefit=benefit, reason="再次核算", on=dt.date(2026, 3, 11)) is None
    assert [c[0] for c in _changes(benefit)] == ["enrol", "recompute"]


def test_a_member_joining_after_the_assessment_lists_the_benefit_as_changed(
    personas: Personas, family: Family, benefit: Benefit
) -> None:
    approver = personas[Role.COUNTY_APPROVER]
    assert list(selectors.household_changed(user=approver)) == []
    newcomer = make_person(personas.village, "张小华", birth="2026-02-10")
    household_add_member(
        actor=personas[Role.VILLAGE_WORKER],
        household=family.household,
        person=newcomer,
        relation="grandchild",
        joined_on=dt.date(2026, 2, 10),
    )
    assert list(selectors.household_changed(user=approver)) == [benefit]
    assert list(selectors.household_changed(user=personas.outsider(Role.COUNTY_APPROVER))) == []
    # The registry brought the review forward to the day the member joined.
    assert _fresh(benefit).next_review_on == dt.date(2026, 2, 10)
    assert list(selectors.reviews_due(user=approver, today=dt.date(2026, 2, 10))) == [benefit]


def test_a_failure_to_flag_the_benefits_does_not_fail_the_registry_change(
    personas: Personas, family: Family, benefit: Benefit, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**kwargs: object) -> None:
        raise RuntimeError("audit down")

    monkeypatch.setattr(svc, "audit_record", broken)
    membership = household_add_member(
        actor=personas[Role.VILLAGE_WORKER],
        household=family.household,
        person=make_person(personas.village, "张小华", birth="2026-02-10"),
        relation="grandchild",
        joined_on=dt.date(2026, 2, 10),
    )
    assert membership.pk is not None
    assert _fresh(benefit).next_review_on == dt.date(2026, 8, 1)  # our part was rolled back, theirs was not


def test_the_registry_can_bring_the_review_forward(personas: Personas, family: Family, benefit: Benefit) -> None:
    assert svc.benefits_flag_household_changed(household=family.household, on=dt.date(2026, 3, 1)) == 1
    assert _fresh(benefit).next_review_on == dt.date(2026, 3, 1)
    assert list(selectors.reviews_due(user=personas[Role.COUNTY_APPROVER], today=dt.date(2026, 3, 1))) == [benefit]
    assert svc.benefits_flag_household_changed(household=family.household, on=dt.date(2026, 3, 1)) == 0


def test_stop_needs_written_reasons_and_takes_effect_from_a_month(personas: Personas, benefit: Benefit) -> None:
    approver = personas[Role.COUNTY_APPROVER]
    with translation.override("en"), pytest.raises(ValidationError) as no_reason:
        svc.benefit_stop(actor=approver, benefit=benefit, reason="  ", on=dt.date(2026, 3, 10))
    assert no_reason.value.message_dict == {"reason": ["Write down the reasons: the family receives them in writing."]}
    with pytest.raises(ValidationError):
        svc.benefit_stop(
            actor=approver, benefit=benefit, reason="迁出", from_month=dt.date(2026, 2, 1), on=dt.date(2026, 3, 10)
        )
    with pytest.raises(ValidationError):
        svc.benefit_stop(
            actor=approver, benefit=benefit, reason="迁出", from_month=dt.date(2026, 4, 15), on=dt.date(2026, 3, 10)
        )

    stopped = svc.benefit_stop(actor=approver, benefit=benefit, reason="户籍迁出本市", on=dt.date(2026, 3, 10))
    assert (stopped.status, stopped.stopped_from) == ("stopped", dt.date(2026, 4, 1))
    assert _changes(benefit)[-1] == ("stop", dt.date(2026, 4, 1), 156_000, 0)
    event = AuditEvent.objects.unscoped().get(action="assistance.benefit_stop")
    assert event.before is not None and event.after is not None
    assert (event.reason, event.before["status"], event.after["status"]) == ("户籍迁出本市", "active", "stopped")
    assert event.actor == approver


def test_a_second_stop_is_refused(personas: Personas, benefit: Benefit) -> None:
    approver = personas[Role.COUNTY_APPROVER]
    svc.benefit_stop(actor=approver, benefit=benefit, reason="死亡", on=dt.date(2026, 3, 10))
    with translation.override("en"), pytest.raises(ValidationError) as again:
        svc.benefit_stop(actor=approver, benefit=benefit, reason="死亡", on=dt.date(2026, 3, 10))
    assert again.value.messages == ["This benefit is stopped already."]
    assert [c[0] for c in _changes(benefit)] == ["enrol", "stop"]


def test_reduce_pays_less_from_next_month(personas: Personas, benefit: Benefit) -> None:
    approver = personas[Role.COUNTY_APPROVER]
    with pytest.raises(ValidationError):
        svc.benefit_reduce(actor=approver, benefit=benefit, monthly_fen=156_000, reason="x", on=dt.date(2026, 3, 10))
    reduced = svc.benefit_reduce(
        actor=approver, benefit=benefit, monthly_fen=104_000, reason="张强三次拒绝推荐工作", on=dt.date(2026, 3, 10)
    )
    assert (reduced.status, reduced.monthly_fen) == ("active", 104_000)
    assert _changes(benefit)[-1] == ("reduce", dt.date(2026, 4, 1), 156_000, 104_000)


def test_taper_lasts_the_months_of_the_rule_and_then_stops(personas: Personas, benefit: Benefit) -> None:
    approver = personas[Role.COUNTY_APPROVER]
    tapered = svc.benefit_taper(
        actor=approver, benefit=benefit, reason="张伟就业", monthly_fen=78_000, on=dt.date(2026, 3, 10)
    )
    # From April, 6 months (demo value): April to September.
    assert (tapered.status, tapered.taper_until, tapered.monthly_fen) == ("tapering", dt.date(2026, 9, 1), 78_000)
    assert _changes(benefit)[-1] == ("taper", dt.date(2026, 4, 1), 156_000, 78_000)
    with pytest.raises(ValidationError):
        svc.benefit_taper(actor=approver, benefit=benefit, reason="again", on=dt.date(2026, 3, 10))

    assert svc.benefits_end_tapers(dt.date(2026, 9, 30)) == 0  # September is still paid
    assert svc.benefits_end_tapers(dt.date(2026, 10, 1)) == 1
    ended = _fresh(benefit)
    assert (ended.status, ended.stopped_from) == ("stopped", dt.date(2026, 10, 1))
    assert _changes(benefit)[-1] == ("stop", dt.date(2026, 10, 1), 78_000, 0)
    assert BenefitChange.objects.unscoped().get(benefit=benefit, kind="stop").actor is None
    assert svc.benefits_end_tapers(dt.date(2026, 10, 1)) == 0  # idempotent
    assert AuditEvent.objects.unscoped().filter(action="assistance.benefit_stop", kind="system").count() == 1

    history = list(BenefitChange.objects.unscoped().filter(benefit=benefit))
    months = [dt.date(2026, m, 1) for m in (1, 2, 3, 4, 9, 10)]
    assert [selectors.amount_for_month(ended, history, m) for m in months] == [0, 156_000, 156_000, 78_000, 78_000, 0]


def test_the_taper_months_come_from_the_rule_in_force_for_the_area(personas: Personas, benefit: Benefit) -> None:
    parameter_set(
        actor=None,
        key="dibao.taper_months",
        area_prefix="321302",
        valid_from=dt.date(2026, 3, 1),
        value=3,
        source="宿城区通知",
        is_demo=True,
    )
    tapered = svc.benefit_taper(
        actor=personas[Role.COUNTY_APPROVER], benefit=benefit, reason="张伟就业", on=dt.date(2026, 3, 10)
    )
    assert (tapered.taper_until, tapered.monthly_fen) == (dt.date(2026, 6, 1), 156_000)


def test_only_a_county_approver_of_the_area_changes_a_benefit(personas: Personas, benefit: Benefit) -> None:
    for user in (personas[Role.TOWNSHIP_REVIEWER], personas.outsider(Role.COUNTY_APPROVER)):
        with pytest.raises(PermissionDenied):
            svc.benefit_stop(actor=user, benefit=benefit, reason="迁出", on=dt.date(2026, 3, 10))
    assert _fresh(benefit).status == "active"


def test_the_pages_list_and_show_benefits(client: Client, personas: Personas, benefit: Benefit) -> None:
    client.force_login(personas[Role.COUNTY_APPROVER])
    page = client.get(reverse("assistance:benefit_list"), {"programme": "dibao", "status": "active"})
    assert page.status_code == 200 and "张伟" in page.content.decode()
    detail = client.get(reverse("assistance:benefit_detail", kwargs={"pk": benefit.pk})).content.decode()
    assert "补差：（¥880.00 − ¥360.00）× 3 = ¥1,560.00/月。" in detail
    assert "1,560.00" in detail
    stop = reverse("assistance:benefit_stop", kwargs={"pk": benefit.pk})
    assert client.post(stop, {"stop-reason": "", "stop-from_month": ""}).status_code == 400
    assert _fresh(benefit).status == "active"
    next_month = first_day_of_next_month(timezone.localdate())
    response = client.post(stop, {"stop-reason": "户籍迁出本市", "stop-from_month": f"{next_month:%Y-%m}"})
    assert response.status_code == 302
    assert (_fresh(benefit).status, _fresh(benefit).stopped_from) == ("stopped", next_month)
    again = client.post(stop, {"stop-reason": "户籍迁出本市", "stop-from_month": ""})
    assert again.status_code == 400
    assert [c[0] for c in _changes(benefit)] == ["enrol", "stop"]


def test_the_beat_schedule_names_registered_tasks() -> None:
    from django.conf import settings

    from minsheng.celery import app

    app.loader.import_default_modules()
    names = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert names == {
        "intake.sweep_deadlines",
        "intake.remind_materials",
        "assistance.sweep_temporary_papers",
        "assistance.sweep_county_review",
        "assistance.end_tapers",
        "statistics.refresh",
        "statistics.rebuild",
        "exchange.monthly_check_this_month",
        "monitoring.discover",
        "audit.partitions",
        "eldercare.nightly",
        "eldercare.liveness_open",
        "children.daily",
    }
    assert names <= set(app.tasks)
