"""Permission-matrix registrations of elderly care's pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from minsheng.accounts.roles import Role
from minsheng.eldercare.module import STAFF
from minsheng.testing import Endpoint, Personas, register, register_organisation


def _make(area: Any) -> int:
    from minsheng.eldercare.tests.factories import make_staff_provider

    return make_staff_provider(area)


register_organisation(STAFF, _make)

R = Role
READ = frozenset({R.VILLAGE_WORKER, R.TOWNSHIP_WINDOW, R.TOWNSHIP_REVIEWER, R.COUNTY_APPROVER, R.CITY_ADMIN, R.AUDITOR})
PROVIDERS = frozenset({R.COUNTY_APPROVER, R.CITY_ADMIN, R.AUDITOR, STAFF, R.COUNTY_PAYMENT_OFFICER})
SETTLEMENTS = PROVIDERS


def _once(p: Personas, key: str, make: Any) -> Any:
    if key not in p.extra:
        p.extra[key] = make()
    return p.extra[key]


def _facility(p: Personas) -> dict[str, Any]:
    from minsheng.eldercare.tests.factories import facility

    return {"pk": _once(p, "eldercare_facility", lambda: facility(p.village)).pk}


def _elder(p: Personas) -> dict[str, Any]:
    from minsheng.eldercare.tests.factories import scenario

    return {"pk": scenario(p)["elder"].pk}


def _line(p: Personas) -> dict[str, Any]:
    from minsheng.eldercare.tests.factories import scenario

    return {"pk": scenario(p)["line"].pk}


def _provider(p: Personas) -> dict[str, Any]:
    from minsheng.eldercare.tests.factories import own_provider

    return {"pk": own_provider(p).pk}


def _missed(p: Personas) -> dict[str, Any]:
    from minsheng.core.months import month_of
    from minsheng.eldercare.models import OrderLine
    from minsheng.eldercare.tests.factories import scenario

    def make() -> Any:
        line = scenario(p)["line"]
        last = month_of(month_of(line.month) - dt.timedelta(days=1))
        OrderLine.objects.unscoped().filter(pk=line.pk).update(month=last)
        return line

    return {"pk": _once(p, "eldercare_missed", make).pk}


def _to_verify(p: Personas) -> dict[str, Any]:
    from minsheng.eldercare.tests.factories import record

    return {"pk": _once(p, "eldercare_flagged", lambda: record(p, latitude=None, longitude=None)).pk}


def _settlement(p: Personas, key: str = "eldercare_settlement", approved: bool = False) -> Any:
    from minsheng.eldercare.models import Settlement
    from minsheng.eldercare.tests.factories import own_provider

    def make() -> Any:
        from django.utils import timezone

        from minsheng.core.months import month_of

        month = month_of(month_of(timezone.localdate()) - dt.timedelta(days=1))
        if approved:
            month = month_of(month - dt.timedelta(days=1))
        return Settlement.objects.unscoped().create(
            provider=own_provider(p),
            area_code=own_provider(p).area_code,
            month=month,
            visit_count=1,
            total_fen=5000,
            prepared_by=p[R.COUNTY_PAYMENT_OFFICER],
            prepared_at=timezone.now(),
            status="approved" if approved else "draft",
            approved_by=p[R.COUNTY_APPROVER] if approved else None,
            approved_at=timezone.now() if approved else None,
        )

    return {"pk": _once(p, key, make).pk}


def _liveness(p: Personas) -> dict[str, Any]:
    from django.utils import timezone

    from minsheng.eldercare.models import LivenessCheck
    from minsheng.payments.tests.factories import enrol
    from minsheng.testing import make_person

    def make() -> Any:
        person = make_person(p.village, "百岁", birth="1925-01-01")
        benefit = enrol(person, "elderly", 30_000, area=p.village)
        year = timezone.localdate().year
        return LivenessCheck.objects.unscoped().create(
            benefit=benefit, person=person, area_code=p.village.code, year=year, due_on=dt.date(year, 6, 30)
        )

    return {"pk": _once(p, "eldercare_liveness", make).pk}


def _death(p: Personas) -> dict[str, Any]:
    from django.utils import timezone

    from minsheng.core.months import month_of
    from minsheng.eldercare.models import DeathFinding
    from minsheng.payments.tests.factories import enrol
    from minsheng.testing import make_person

    def make() -> Any:
        person = make_person(p.village, "故老", birth="1930-01-01")
        benefit = enrol(person, "elderly", 30_000, area=p.village)
        return DeathFinding.objects.unscoped().create(
            benefit=benefit,
            person=person,
            area_code=p.village.code,
            died_on=timezone.localdate(),
            record_id=1,
            month=month_of(timezone.localdate()),
        )

    return {"pk": _once(p, "eldercare_death", make).pk}


def _visit_data(p: Personas) -> dict[str, Any]:
    import uuid

    from django.utils import timezone

    start = timezone.localtime().replace(second=0, microsecond=0) - dt.timedelta(minutes=1)
    start = max(start, start.replace(day=1, hour=0, minute=0))
    return {
        "client_uuid": str(uuid.uuid4()),
        "checked_in_at": start.strftime("%Y-%m-%dT%H:%M"),
        "checked_out_at": (start + dt.timedelta(minutes=40)).strftime("%Y-%m-%dT%H:%M"),
        "latitude": "33.950000",
        "longitude": "118.290000",
        "steps": ["identity"],
        "satisfaction": "5",
        "finding": "none",
    }


def _phone_fields() -> dict[str, Any]:
    from minsheng.eldercare.tests.test_phone import phone_fields

    return phone_fields()


def _today() -> str:
    from django.utils import timezone

    return timezone.localdate().isoformat()


register(
    Endpoint("eldercare:facility_list", READ),
    Endpoint(
        "eldercare:facility_new",
        frozenset({R.COUNTY_APPROVER, R.CITY_ADMIN}),
        method="post",
        data=lambda p: {
            "area": p.township.code,
            "kind": "station",
            "name": "幸福里居家养老服务站",
            "operator": "幸福里社区居委会",
            "permit": "filing",
            "permit_number": f"苏养备{p.township.code}",
            "permit_on": "2022-05-01",
            "beds": "0",
            "star_rating": "0",
        },
        success=302,
    ),
    Endpoint("eldercare:facility_detail", READ, kwargs=_facility, object_level=True),
    Endpoint(
        "eldercare:inspection_new",
        frozenset({R.TOWNSHIP_REVIEWER, R.COUNTY_APPROVER}),
        method="post",
        kwargs=_facility,
        data=lambda p: {"on": _today(), "result": "passed", "findings": ""},
        object_level=True,
        success=302,
    ),
    Endpoint(
        "eldercare:resident_new",
        frozenset({R.TOWNSHIP_WINDOW}),
        method="post",
        kwargs=_facility,
        data=lambda p: {"person": "999999", "admitted_on": _today()},
        object_level=True,
        success=302,
    ),
    Endpoint("eldercare:elder_list", READ),
    Endpoint(
        "eldercare:circumstance_new",
        frozenset({R.VILLAGE_WORKER, R.TOWNSHIP_WINDOW}),
        method="post",
        data=lambda p: {"person": "999999", "kind": "alone", "since": "2024-01-01"},
        success=302,
    ),
    Endpoint("eldercare:elder_detail", READ, kwargs=_elder, object_level=True),
    Endpoint("eldercare:provider_list", PROVIDERS),
    Endpoint(
        "eldercare:provider_new",
        frozenset({R.COUNTY_APPROVER}),
        method="post",
        data=lambda p: {"area": p.county.code, "name": "宿城区康乐养老服务社", "credit_code": "52321302MJ99999999"},
        success=302,
    ),
    Endpoint("eldercare:provider_detail", PROVIDERS, kwargs=_provider, object_level=True),
    Endpoint(
        "eldercare:contract_new",
        frozenset({R.COUNTY_APPROVER}),
        method="post",
        kwargs=_provider,
        data=lambda p: {
            "area": p.township.code,
            "number": "SQ-YL-2026-01",
            "valid_from": "2026-01-01",
            "valid_to": "2026-12-31",
            "price_meal": "15",
        },
        object_level=True,
        success=302,
    ),
    Endpoint(
        "eldercare:orders_generate",
        frozenset({R.CITY_ADMIN}),
        method="post",
        data=lambda p: {"month": "2026-01"},
        success=302,
    ),
    Endpoint("eldercare:my_visits", frozenset({STAFF})),
    Endpoint("eldercare:visit_new", frozenset({STAFF}), kwargs=_line, object_level=True),
    Endpoint(
        "eldercare:visit_new",
        frozenset({STAFF}),
        method="post",
        kwargs=_line,
        data=_visit_data,
        object_level=True,
        success=302,
    ),
    # The care visit on monitoring's phone page (the visit kind ``eldercare.service``, the subject an order line).
    Endpoint(
        "monitoring:visit_kind_phone",
        frozenset({STAFF}),
        kwargs=lambda p: {"kind": "eldercare.service", "subject": _line(p)["pk"]},
        object_level=True,
    ),
    Endpoint(
        "monitoring:visit_kind_submit",
        frozenset({STAFF}),
        method="post",
        kwargs=lambda p: {"kind": "eldercare.service", "subject": _line(p)["pk"]},
        data=lambda p: _phone_fields(),
        api=True,
        object_level=True,
        success=201,
    ),
    Endpoint("eldercare:compliance", READ),
    Endpoint("eldercare:need_list", READ),
    Endpoint(
        "eldercare:missed_ack",
        frozenset({R.TOWNSHIP_REVIEWER}),
        method="post",
        kwargs=_missed,
        object_level=True,
        success=302,
    ),
    Endpoint("eldercare:verify_list", frozenset({R.TOWNSHIP_REVIEWER})),
    Endpoint(
        "eldercare:visit_verify",
        frozenset({R.TOWNSHIP_REVIEWER}),
        method="post",
        kwargs=_to_verify,
        data=lambda p: {"decision": "accept", "note": "已电话核实"},
        object_level=True,
        success=302,
    ),
    Endpoint("eldercare:settlement_list", SETTLEMENTS),
    Endpoint(
        "eldercare:settlement_prepare",
        frozenset({R.COUNTY_PAYMENT_OFFICER}),
        method="post",
        data=lambda p: {"provider": str(_provider(p)["pk"]), "month": "2026-01"},
        success=302,
    ),
    Endpoint("eldercare:settlement_detail", SETTLEMENTS, kwargs=_settlement, object_level=True),
    Endpoint(
        "eldercare:settlement_approve",
        frozenset({R.COUNTY_APPROVER}),
        method="post",
        kwargs=_settlement,
        object_level=True,
        success=302,
    ),
    Endpoint(
        "eldercare:settlement_pay",
        frozenset({R.COUNTY_PAYMENT_OFFICER}),
        method="post",
        kwargs=lambda p: _settlement(p, "eldercare_approved", approved=True),
        object_level=True,
        success=302,
    ),
    Endpoint("eldercare:liveness_list", READ),
    Endpoint(
        "eldercare:liveness_confirm",
        frozenset({R.VILLAGE_WORKER}),
        method="post",
        kwargs=_liveness,
        data=lambda p: {"method": "visit", "alive": "yes"},
        object_level=True,
        success=302,
    ),
    Endpoint("eldercare:death_list", READ),
    Endpoint(
        "eldercare:death_handle",
        frozenset({R.COUNTY_APPROVER}),
        method="post",
        kwargs=_death,
        data=lambda p: {"decision": "dismiss", "note": "误匹配，本人健在"},
        object_level=True,
        success=302,
    ),
)
