"""Permission-matrix registrations of funeral services' pages (the public price display and report form need no
account: test_public.py)."""

from __future__ import annotations

from typing import Any

from minsheng.accounts.roles import Role
from minsheng.funeral.module import STAFF
from minsheng.testing import Endpoint, Personas, register, register_organisation


def _make(area: Any) -> int:
    from minsheng.funeral.tests.factories import make_staff_facility

    return make_staff_facility(area)


register_organisation(STAFF, _make)

READ = frozenset({STAFF, Role.COUNTY_APPROVER, Role.COUNTY_PAYMENT_OFFICER, Role.CITY_ADMIN, Role.AUDITOR})
COMPLAINTS = frozenset({Role.COUNTY_APPROVER, Role.CITY_ADMIN, Role.AUDITOR})
WORK = frozenset({STAFF})


def _once(p: Personas, key: str, make: Any) -> Any:
    if key not in p.extra:
        p.extra[key] = make()
    return p.extra[key]


def _facility_pk(p: Personas) -> dict[str, Any]:
    from minsheng.funeral.tests.factories import own_facility

    return {"pk": own_facility(p).pk}


def _filing_pk(p: Personas) -> dict[str, Any]:
    from minsheng.funeral.tests.factories import filing

    return {"pk": _once(p, "funeral_filing", lambda: filing(p)).pk}


def _case_pk(p: Personas) -> dict[str, Any]:
    from minsheng.funeral.tests.factories import tekun_case

    return {"pk": _once(p, "funeral_case", lambda: tekun_case(p)).pk}


def _settlement_pk(p: Personas) -> dict[str, Any]:
    from minsheng.funeral.tests.factories import settlement

    return {"pk": _once(p, "funeral_settlement", lambda: settlement(p)).pk}


def _approved_pk(p: Personas) -> dict[str, Any]:
    from minsheng.funeral.tests.factories import settlement

    return {"pk": _once(p, "funeral_approved", lambda: settlement(p, approved=True)).pk}


def _complaint_pk(p: Personas) -> dict[str, Any]:
    from minsheng.funeral.services import complaint_submit
    from minsheng.funeral.tests.factories import own_facility

    return {
        "pk": _once(
            p,
            "funeral_complaint",
            lambda: complaint_submit(
                facility=own_facility(p),
                kind="above_filed",
                text="告别厅收费高于公示价格",
                contact_name="王女士",
                contact_phone="13812345678",
            ),
        ).pk
    }


def _prepare_data(p: Personas) -> dict[str, Any]:
    from minsheng.funeral.tests.factories import own_facility, waiver

    w = _once(p, "funeral_waiver", lambda: waiver(p))
    return {"settle-facility": own_facility(p).pk, "settle-period": w.month.strftime("%Y-%m")}


def _filing_data(p: Personas) -> dict[str, Any]:
    import datetime as dt

    from django.utils import timezone

    from minsheng.funeral.tests.factories import item

    thing = _once(p, "funeral_item", lambda: item(p, "骨灰寄存"))
    return {
        "filing-effective_from": (timezone.localdate() + dt.timedelta(days=10)).isoformat(),
        f"filing-price_{thing.pk}": "200",
    }


register(
    Endpoint("funeral:facility_list", READ),
    Endpoint(
        "funeral:facility_new",
        frozenset({Role.CITY_ADMIN}),
        method="post",
        data=lambda p: {
            "area": p.county.code,
            "kind": "commercial_cemetery",
            "name": "宿城福寿陵园",
            "operator": "宿城福寿陵园有限公司",
            "approval_number": "苏民殡〔2012〕9号",
        },
        success=302,
    ),
    Endpoint("funeral:facility_detail", READ, kwargs=_facility_pk, object_level=True),
    Endpoint(
        "funeral:item_new",
        WORK,
        method="post",
        kwargs=_facility_pk,
        data=lambda p: {"item-kind": "service", "item-name": "遗体整容", "item-unit": "次"},
        object_level=True,
        success=302,
    ),
    Endpoint(
        "funeral:filing_new",
        WORK,
        method="post",
        kwargs=_facility_pk,
        data=_filing_data,
        object_level=True,
        success=302,
    ),
    Endpoint("funeral:filing_list", READ),
    Endpoint("funeral:filing_detail", READ, kwargs=_filing_pk, object_level=True),
    Endpoint(
        "funeral:filing_review",
        frozenset({Role.COUNTY_APPROVER}),
        method="post",
        kwargs=_filing_pk,
        data=lambda p: {"decision": "accept", "note": "同意备案"},
        object_level=True,
        success=302,
    ),
    Endpoint("funeral:case_list", READ),
    Endpoint("funeral:case_new", WORK),
    Endpoint("funeral:case_detail", READ, kwargs=_case_pk, object_level=True),
    Endpoint(
        "funeral:case_cremation",
        WORK,
        method="post",
        kwargs=_case_pk,
        data=lambda p: {"cremation-cremated_on": _today(), "cremation-certificate": "HH0001"},
        object_level=True,
        success=302,
    ),
    Endpoint(
        "funeral:case_waiver",
        WORK,
        method="post",
        kwargs=_case_pk,
        data=lambda p: {"waiver-services": ["cremation", "urn"]},
        object_level=True,
        success=302,
    ),
    Endpoint("funeral:settlement_list", READ),
    Endpoint(
        "funeral:settlement_prepare",
        frozenset({Role.COUNTY_PAYMENT_OFFICER}),
        method="post",
        data=_prepare_data,
        success=302,
    ),
    Endpoint("funeral:settlement_detail", READ, kwargs=_settlement_pk, object_level=True),
    Endpoint(
        "funeral:settlement_approve",
        frozenset({Role.COUNTY_APPROVER}),
        method="post",
        kwargs=_settlement_pk,
        object_level=True,
        success=302,
    ),
    Endpoint(
        "funeral:settlement_pay",
        frozenset({Role.COUNTY_PAYMENT_OFFICER}),
        method="post",
        kwargs=_approved_pk,
        object_level=True,
        success=302,
    ),
    Endpoint("funeral:complaint_list", COMPLAINTS),
    Endpoint("funeral:complaint_detail", COMPLAINTS, kwargs=_complaint_pk, object_level=True),
    Endpoint(
        "funeral:complaint_answer",
        frozenset({Role.COUNTY_APPROVER}),
        method="post",
        kwargs=_complaint_pk,
        data=lambda p: {"answer": "经核查，已责令退还多收费用。"},
        object_level=True,
        success=302,
    ),
)


def _today() -> str:
    from django.utils import timezone

    return timezone.localdate().isoformat()
