"""The shared maker-checker settlement (core/settlements.py), on a funeral home's month: the draft is made once and
frozen when approved, the maker cannot be the checker, a second approval is refused, and a settlement is paid once;
both settlements keep the database names of their constraints."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.utils import timezone

from minsheng.accounts.roles import Role
from minsheng.core.settlements import settlement_approved, settlement_draft, settlement_paid, settlement_prepared
from minsheng.eldercare.models import Settlement as CareSettlement
from minsheng.funeral.models import Facility, Settlement, Waiver
from minsheng.funeral.tests.factories import own_facility, waiver
from minsheng.testing import Personas

pytestmark = pytest.mark.django_db


def _rows() -> QuerySet[Settlement]:
    # unscoped: the test reads and writes the rows as the services do after their permission check
    return Settlement.objects.unscoped()


def _snapshot(s: Settlement) -> dict[str, Any]:
    return {"status": s.status, "case_count": s.case_count, "total_fen": s.total_fen}


def _draft(home: Facility, month: dt.date) -> Settlement:
    return settlement_draft(_rows(), month_field="period", month=month, area_code=home.area_code, facility=home)


def test_approved_once_by_another_user_and_paid_once(personas: Personas) -> None:
    maker, checker = personas[Role.COUNTY_PAYMENT_OFFICER], personas[Role.COUNTY_APPROVER]
    joined = waiver(personas)  # every basic service waived: 1,450 yuan, last month
    home = own_facility(personas)
    with pytest.raises(ValidationError) as not_ended:
        _draft(home, timezone.localdate().replace(day=1))
    assert not_ended.value.message_dict == {"period": ["月份结束后才能结算。"]}
    with pytest.raises(ValidationError) as not_a_month:
        _draft(home, joined.month.replace(day=2))
    assert not_a_month.value.message_dict == {"period": ["请选择月份。"]}
    assert _rows().count() == 0

    draft = _draft(home, joined.month)
    assert _draft(home, joined.month).pk == draft.pk  # the same month's draft again, not a second row
    with pytest.raises(ValidationError) as unprepared:
        settlement_approved(_rows(), draft.pk, actor=checker, nothing_to_pay="nothing", snapshot=_snapshot)
    assert unprepared.value.messages == ["该结算尚未编制。"]
    settlement_prepared(draft, actor=maker, joined=draft.waivers.all(), price_field="total_fen")
    with pytest.raises(ValidationError) as empty:
        settlement_approved(_rows(), draft.pk, actor=checker, nothing_to_pay="nothing", snapshot=_snapshot)
    assert empty.value.messages == ["nothing"]
    Waiver.objects.unscoped().filter(pk=joined.pk).update(settlement=draft)
    settlement_prepared(draft, actor=maker, joined=draft.waivers.all(), price_field="total_fen")
    row = _rows().get(pk=draft.pk)
    assert (row.status, row.case_count, row.total_fen, row.prepared_by_id) == ("draft", 1, 145_000, maker.pk)

    with pytest.raises(PermissionDenied) as own:
        settlement_approved(_rows(), draft.pk, actor=maker, nothing_to_pay="nothing", snapshot=_snapshot)
    assert str(own.value) == "结算须由编制人以外的人员审批。"
    assert _rows().filter(status="draft", approved_by=None, approved_at=None).count() == 1

    approved, before = settlement_approved(
        _rows(), draft.pk, actor=checker, nothing_to_pay="nothing", snapshot=_snapshot
    )
    assert before == {"status": "draft", "case_count": 1, "total_fen": 145_000}
    row = _rows().get(pk=draft.pk)
    assert (row.status, row.approved_by_id, row.approved_at) == ("approved", checker.pk, approved.approved_at)
    with pytest.raises(ValidationError) as twice:
        settlement_approved(_rows(), draft.pk, actor=checker, nothing_to_pay="nothing", snapshot=_snapshot)
    assert twice.value.messages == ["该结算已审批。"]
    assert _rows().get(pk=draft.pk).approved_at == approved.approved_at
    with pytest.raises(ValidationError) as frozen:
        _draft(home, joined.month)
    assert frozen.value.messages == ["该结算已审批，不能再更改。"]

    paid = settlement_paid(_rows(), approved, actor=maker)
    assert (paid.status, paid.paid_by_id) == ("paid", maker.pk)
    paid_at = paid.paid_at
    assert paid_at is not None
    with pytest.raises(ValidationError) as again:
        settlement_paid(_rows(), approved, actor=checker)
    assert again.value.messages == ["只有已审批且尚未支付的结算才能支付。"]
    row = _rows().get(pk=draft.pk)
    assert (row.status, row.paid_by_id, row.paid_at, _rows().count()) == ("paid", maker.pk, paid_at, 1)


def test_the_constraints_keep_their_database_names() -> None:
    names = {
        model._meta.label: sorted(c.name for c in model._meta.constraints) for model in (Settlement, CareSettlement)
    }
    assert names == {
        "funeral.Settlement": [
            "funeral_one_settlement_per_month",
            "funeral_settlement_approved_has_approver",
            "funeral_settlement_checker_not_maker",
            "funeral_settlement_paid_has_payer",
        ],
        "eldercare.Settlement": [
            "eldercare_one_settlement_per_month",
            "eldercare_settlement_approved_has_approver",
            "eldercare_settlement_checker_not_maker",
            "eldercare_settlement_paid_has_payer",
        ],
    }
