"""Records of every kind the statistics count, straight through the models, in four villages of two counties.

``build(p)`` returns the records; tests refresh the summary table and compare with counts made directly from the
records. The villages: ``p.village`` and a second village of its township, a village of another township of
宿城区, and ``p.other_village`` (沭阳县); plus a consultation at the township's own window.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from minsheng.areas.models import Division
from minsheng.assistance.benefits.models import Benefit
from minsheng.assistance.temporary.models import TemporaryAid
from minsheng.catalog.models import Department, Item
from minsheng.intake.models import Application, Consultation, ItemCase
from minsheng.payments.models import PaymentLine, PayrollBatch
from minsheng.payments.tests.factories import enrol, payee
from minsheng.testing import Personas

PERIOD_START = dt.date(2026, 1, 1)
PERIOD_END = dt.date(2026, 6, 1)


def at(day: str, hour: int = 10) -> dt.datetime:
    """An aware time on ``day`` in the configured zone (Asia/Shanghai)."""
    return timezone.make_aware(dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour)))


@dataclass
class Records:
    villages: list[Division]
    township2: Division
    benefits: dict[str, Benefit] = field(default_factory=dict)
    lines: dict[str, PaymentLine] = field(default_factory=dict)
    cases: dict[str, ItemCase] = field(default_factory=dict)
    aids: dict[str, TemporaryAid] = field(default_factory=dict)


def _village(township: Division, index: int) -> Division:
    # Test set-up is a system job.
    return Division.objects.all().filter(parent=township, level="village").order_by("code")[index]


def _line(records: Records, name: str, benefit: Benefit, period: dt.date, status: str, amount: int) -> None:
    county = benefit.area_code[:6] + "000000"
    batch, _created = PayrollBatch.objects.unscoped().get_or_create(
        area_code=county, programme=benefit.programme, period=period
    )
    records.lines[name] = PaymentLine.objects.create(
        batch=batch,
        benefit=benefit,
        payee=benefit.payee,
        area_code=benefit.area_code,
        period=period,
        amount_fen=amount,
        status=status,
        hold_reason="no_account" if status == "held" else "",
    )


def _application(area: Division, person: Any, submitted: dt.datetime, number: int, recorder: Any) -> Application:
    return Application.objects.create(
        receipt_number=f"{area.code[:6]}{submitted:%Y%m%d}{number:05d}",
        area_code=area.code,
        person=person,
        channel="village",
        recorded_by=recorder,
        submitted_at=submitted,
    )


def _case(
    application: Application,
    item_number: int,
    department: str,
    *,
    accepted: str,
    deadline: str | None,
    decided: dt.datetime | None,
    status: str,
) -> ItemCase:
    return ItemCase.objects.create(
        application=application,
        item=Item.objects.get(number=item_number),
        department=Department.objects.get(code=department),
        area_code=application.area_code,
        handling_area_code=application.area_code[:6] + "000000",
        status=status,
        accepted_on=dt.date.fromisoformat(accepted),
        clock_started_on=dt.date.fromisoformat(accepted),
        deadline=dt.date.fromisoformat(deadline) if deadline else None,
        decided_at=decided,
    )


def build(p: Personas) -> Records:
    # Test set-up is a system job.
    township2 = Division.objects.all().filter(parent=p.county, level="township").order_by("code")[1]
    v1, v2, v3, v4 = p.village, _village(p.township, 1), _village(township2, 0), p.other_village
    r = Records(villages=[v1, v2, v3, v4], township2=township2)
    b = r.benefits

    # Benefits: running, stopped, tapering; one person with both disability allowances (one person counted).
    b["dibao_v1"] = enrol(payee(v1, "张伟"), "dibao", 150_000, first_month=dt.date(2025, 10, 1), covered=3)
    b["dibao_v1_stopped"] = enrol(
        payee(v1, "李娜"),
        "dibao",
        80_000,
        first_month=dt.date(2025, 1, 1),
        covered=2,
        status="stopped",
        stopped_from=dt.date(2026, 4, 1),
    )
    b["tekun_v1"] = enrol(payee(v1, "王强", birth="1950-02-01"), "tekun", 120_000, first_month=dt.date(2026, 3, 1))
    disabled = payee(v1, "刘洋")
    b["living_v1"] = enrol(disabled, "disability_living", 9_000, first_month=dt.date(2025, 6, 1))
    b["care_v1"] = enrol(disabled, "disability_care", 9_000, first_month=dt.date(2026, 2, 1))
    b["orphan_v1"] = enrol(payee(v1, "陈晨", birth="2015-05-05"), "orphan", 160_000, first_month=dt.date(2024, 1, 1))
    b["dibao_v2"] = enrol(payee(v2, "杨光"), "dibao", 60_000, first_month=dt.date(2026, 5, 1), covered=1)
    b["child_v2"] = enrol(payee(v2, "赵敏", birth="2016-07-07"), "child_ill", 50_000, first_month=dt.date(2025, 3, 1))
    b["care_v2_taper"] = enrol(
        payee(v2, "孙丽"),
        "disability_care",
        9_000,
        first_month=dt.date(2025, 3, 1),
        status="tapering",
        taper_until=dt.date(2026, 4, 1),
    )
    b["tekun_v3"] = enrol(payee(v3, "周杰", birth="1940-01-01"), "tekun", 130_000, first_month=dt.date(2025, 1, 1))
    b["elderly_v3"] = enrol(payee(v3, "吴刚", birth="1935-01-01"), "elderly", 10_000, first_month=dt.date(2024, 6, 1))
    b["dibao_v4"] = enrol(payee(v4, "郑爽"), "dibao", 200_000, first_month=dt.date(2025, 12, 1), covered=4)
    b["living_v4"] = enrol(payee(v4, "冯凯"), "disability_living", 9_000, first_month=dt.date(2026, 1, 1))

    # Payment lines: paid ones count (by the month paid for), failed, held and pending ones do not.
    _line(r, "v1_jan", b["dibao_v1"], dt.date(2026, 1, 1), "paid", 150_000)
    _line(r, "v1_feb", b["dibao_v1"], dt.date(2026, 2, 1), "paid", 150_000)
    _line(r, "v1_mar", b["dibao_v1"], dt.date(2026, 3, 1), "failed", 150_000)
    _line(r, "v1_apr", b["dibao_v1"], dt.date(2026, 4, 1), "pending", 150_000)
    _line(r, "v1_stopped_mar", b["dibao_v1_stopped"], dt.date(2026, 3, 1), "paid", 80_000)
    _line(r, "v1_tekun_mar", b["tekun_v1"], dt.date(2026, 3, 1), "paid", 120_000)
    _line(r, "v2_child_jan", b["child_v2"], dt.date(2026, 1, 1), "paid", 50_000)
    _line(r, "v2_care_feb", b["care_v2_taper"], dt.date(2026, 2, 1), "held", 9_000)
    _line(r, "v3_tekun_feb", b["tekun_v3"], dt.date(2026, 2, 1), "paid", 130_000)
    _line(r, "v3_tekun_dec", b["tekun_v3"], dt.date(2025, 12, 1), "paid", 130_000)  # before the period
    _line(r, "v4_jan", b["dibao_v4"], dt.date(2026, 1, 1), "paid", 200_000)

    # The one window: consultations (one at the township's own window), applications, item cases.
    clerk = p["township_window"]
    for area, day in ((v1, "2026-01-05"), (v1, "2026-03-31"), (v3, "2026-02-10"), (v4, "2026-05-20")):
        Consultation.objects.create(
            area_code=area.code,
            channel="village",
            topic="低保",
            outcome="answered",
            recorded_by=clerk,
            recorded_at=at(day),
        )
    Consultation.objects.create(
        area_code=p.township.code,
        channel="township",
        topic="临时救助",
        outcome="answered",
        recorded_by=clerk,
        recorded_at=at("2026-04-01"),
    )
    # Late on the last day of June in China is still June (30 June 23:30 = 15:30 UTC).
    Consultation.objects.create(
        area_code=v2.code,
        channel="village",
        topic="特困",
        outcome="answered",
        recorded_by=clerk,
        recorded_at=at("2026-06-30", 23) + dt.timedelta(minutes=30),
    )
    # 1 July 00:30 in China is 30 June UTC: July, outside the period.
    Consultation.objects.create(
        area_code=v2.code,
        channel="village",
        topic="特困",
        outcome="answered",
        recorded_by=clerk,
        recorded_at=at("2026-07-01", 0) + dt.timedelta(minutes=30),
    )
    person = b["dibao_v1"].payee
    a1 = _application(v1, person, at("2026-02-02"), 1, clerk)
    a2 = _application(v1, person, at("2026-03-03"), 2, clerk)
    a3 = _application(v3, b["tekun_v3"].payee, at("2026-04-04"), 3, clerk)
    a4 = _application(v4, b["dibao_v4"].payee, at("2026-05-05"), 4, clerk)
    c = r.cases
    c["on_time"] = _case(
        a1,
        24,
        "medical_security",
        accepted="2026-02-02",
        deadline="2026-02-20",
        decided=at("2026-02-20", 16),
        status="granted",
    )
    c["late"] = _case(
        a1, 30, "education", accepted="2026-02-02", deadline="2026-02-27", decided=at("2026-03-10"), status="refused"
    )
    c["open"] = _case(
        a2, 30, "education", accepted="2026-03-03", deadline="2026-03-31", decided=None, status="accepted"
    )
    c["on_time_v3"] = _case(
        a3,
        24,
        "medical_security",
        accepted="2026-04-04",
        deadline="2026-04-30",
        decided=at("2026-04-29"),
        status="granted",
    )
    c["other_county"] = _case(
        a4, 30, "education", accepted="2026-05-05", deadline="2026-05-29", decided=at("2026-06-01"), status="refused"
    )
    c["temporary_v1"] = _case(
        a2, 6, "civil_affairs", accepted="2026-03-03", deadline="2026-03-10", decided=None, status="accepted"
    )
    c["temporary_v4"] = _case(
        a4, 6, "civil_affairs", accepted="2026-05-05", deadline="2026-05-12", decided=None, status="accepted"
    )

    # Temporary assistance: paid first in v1 and at the county in v4; one not paid.
    common = {"kind": "urgent", "event": "火灾", "township_cap_fen": 300_000, "created_by": clerk}
    r.aids["v1"] = TemporaryAid.objects.create(
        item_case=c["temporary_v1"],
        person=person,
        area_code=v1.code,
        requested_fen=200_000,
        status="paid_first",
        paid_fen=200_000,
        paid_at=at("2026-03-03"),
        **common,
    )
    r.aids["v4"] = TemporaryAid.objects.create(
        item_case=c["temporary_v4"],
        person=b["dibao_v4"].payee,
        area_code=v4.code,
        requested_fen=500_000,
        status="completed",
        paid_fen=450_000,
        paid_at=at("2026-05-20"),
        **common,
    )
    extra = _application(v3, b["elderly_v3"].payee, at("2026-04-10"), 5, clerk)
    unpaid_case = _case(
        extra, 6, "civil_affairs", accepted="2026-04-10", deadline="2026-04-17", decided=None, status="accepted"
    )
    r.aids["unpaid"] = TemporaryAid.objects.create(
        item_case=unpaid_case,
        person=b["elderly_v3"].payee,
        area_code=v3.code,
        requested_fen=500_000,
        status="with_county",
        **common,
    )
    return r
