"""Permission-matrix registrations of the children's pages: a child's file opens for the child's director, the
township's supervisor and the county's named staff only."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from minsheng.accounts.roles import Role
from minsheng.children.module import COUNTY_STAFF, DIRECTOR, SUPERVISOR
from minsheng.testing import Endpoint, Personas, register

FILE = frozenset({DIRECTOR, SUPERVISOR, COUNTY_STAFF})
WORK = frozenset({DIRECTOR, SUPERVISOR})
WORKFORCE = frozenset({SUPERVISOR, COUNTY_STAFF, Role.CITY_ADMIN, Role.AUDITOR})
PLACES = WORKFORCE | {DIRECTOR}


def _child(p: Personas) -> Any:
    if "child_case" not in p.extra:
        from minsheng.children.tests.factories import child_case

        p.extra["child_case"] = child_case(p, opened_on=timezone.localdate())
    return p.extra["child_case"]


def _pk(p: Personas) -> dict[str, Any]:
    return {"pk": _child(p).pk}


def _closed_pk(p: Personas) -> dict[str, Any]:
    if "child_closed" not in p.extra:
        from minsheng.children.tests.factories import child_case

        p.extra["child_closed"] = child_case(
            p, "周小明", status="closed", closed_on=timezone.localdate(), closure="ended", opened_on=dt.date(2025, 1, 1)
        )
    return {"pk": p.extra["child_closed"].pk}


def _plan(p: Personas) -> Any:
    if "child_plan" not in p.extra:
        from minsheng.children.models import CasePlan, PlanService

        plan = CasePlan.objects.create(
            child=_child(p), goal="保障就学", made_on=timezone.localdate(), made_by=p[DIRECTOR]
        )
        p.extra["child_plan"] = PlanService.objects.create(
            plan=plan, service="学业辅导", responsible="王老师", follow_up_on=timezone.localdate()
        )
    return p.extra["child_plan"]


def _referral(p: Personas, key: str, status: str) -> Any:
    if key not in p.extra:
        from minsheng.children.models import Referral

        p.extra[key] = Referral.objects.create(
            child=_child(p),
            to_kind="station",
            to_name="未成年人保护工作站",
            reason="心理辅导",
            referred_on=timezone.localdate(),
            referred_by=p[DIRECTOR],
            status=status,
        )
    return p.extra[key]


def _report(p: Personas, key: str = "child_report") -> Any:
    if key not in p.extra:
        from minsheng.children.models import MandatoryReport

        now = timezone.now()
        p.extra[key] = MandatoryReport.objects.create(
            child=_child(p),
            area_code=_child(p).area_code,
            kind="neglect",
            description="长期无人照料",
            reported_at=now,
            deadline_at=now + dt.timedelta(hours=24),
            reported_by=p[DIRECTOR],
        )
    return p.extra[key]


def _project(p: Personas) -> Any:
    if "child_project" not in p.extra:
        from minsheng.children.models import CareProject

        today = timezone.localdate()
        p.extra["child_project"] = CareProject.objects.create(
            name="爱心暑托班", area_code=p.township.code, capacity=30, starts_on=today, ends_on=today + dt.timedelta(40)
        )
    return p.extra["child_project"]


def _project_pk(p: Personas) -> dict[str, Any]:
    return {"pk": _project(p).pk}


def _visit_fields(p: Personas) -> dict[str, Any]:
    import json

    from minsheng.monitoring.tests.factories import phone_visit_fields

    answers = json.dumps({"safety": "safe", "school": "attending", "needs": "课外辅导"}, ensure_ascii=False)
    return phone_visit_fields(answers=answers, outcome=None, reason=None, note="外婆照料，状况良好")


def today(p: Personas) -> str:
    return timezone.localdate().isoformat()


register(
    Endpoint("children:child_list", FILE),
    Endpoint("children:child_detail", FILE, kwargs=_pk, object_level=True),
    Endpoint("children:child_work", WORK, kwargs=_pk, object_level=True),
    Endpoint(
        "children:child_edit",
        WORK,
        "post",
        kwargs=_pk,
        data=lambda p: {"school": "宿城第一小学", "guardian_relation": ""},
        object_level=True,
        success=302,
    ),
    Endpoint(
        "children:child_de_facto",
        WORK,
        "post",
        kwargs=_pk,
        data=lambda p: {
            "father": "prison",
            "father_evidence": "判决书（2024）苏1302刑初123号",
            "mother": "out_of_contact",
            "mother_evidence": "派出所失联证明",
        },
        object_level=True,
        success=302,
    ),
    Endpoint(
        "children:child_assess",
        WORK,
        "post",
        kwargs=_pk,
        data=lambda p: {"factors": ["out_of_school"]},
        object_level=True,
        success=302,
    ),
    Endpoint(
        "children:child_visit",
        WORK,
        "post",
        kwargs=_pk,
        data=lambda p: {"visited_on": today(p)},
        object_level=True,
        success=302,
    ),
    Endpoint(
        "children:child_plan", WORK, "post", kwargs=_pk, data=lambda p: {"goal": "复学"}, object_level=True, success=302
    ),
    Endpoint(
        "children:child_service",
        WORK,
        "post",
        kwargs=lambda p: {"pk": _plan(p).plan.child_id},
        data=lambda p: {"service": "送教上门", "responsible": "李老师", "follow_up_on": today(p)},
        object_level=True,
        success=302,
    ),
    Endpoint(
        "children:child_service_done",
        WORK,
        "post",
        kwargs=lambda p: {"pk": _plan(p).plan.child_id, "service": _plan(p).pk},
        object_level=True,
        success=302,
    ),
    Endpoint(
        "children:child_referral",
        WORK,
        "post",
        kwargs=_pk,
        data=lambda p: {"to_kind": "department", "to_name": "县教育局", "reason": "失学"},
        object_level=True,
        success=302,
    ),
    Endpoint(
        "children:referral_answer",
        WORK,
        "post",
        kwargs=lambda p: {"pk": _child(p).pk, "referral": _referral(p, "ref_pending", "pending").pk},
        data=lambda p: {"accepted": "1"},
        object_level=True,
        success=302,
    ),
    Endpoint(
        "children:referral_outcome",
        WORK,
        "post",
        kwargs=lambda p: {"pk": _child(p).pk, "referral": _referral(p, "ref_accepted", "accepted").pk},
        data=lambda p: {"outcome": "已复学"},
        object_level=True,
        success=302,
    ),
    Endpoint(
        "children:child_close",
        WORK,
        "post",
        kwargs=_pk,
        data=lambda p: {"closure": "ended", "note": "父亲刑满释放，恢复监护"},
        object_level=True,
        success=302,
    ),
    Endpoint(
        "children:child_reopen",
        WORK,
        "post",
        kwargs=_closed_pk,
        data=lambda p: {"reason": "父亲再次入狱"},
        object_level=True,
        success=302,
    ),
    Endpoint(
        "children:child_report",
        WORK,
        "post",
        kwargs=_pk,
        data=lambda p: {"kind": "neglect", "description": "孩子独自在家多日"},
        object_level=True,
        success=302,
    ),
    Endpoint("children:report_list", FILE),
    Endpoint("children:report_detail", FILE, kwargs=lambda p: {"pk": _report(p).pk}, object_level=True),
    Endpoint(
        "children:report_police",
        WORK,
        "post",
        kwargs=lambda p: {"pk": _report(p).pk},
        data=lambda p: {"unit": "宿城派出所", "reference": "J2026-118"},
        object_level=True,
        success=302,
    ),
    Endpoint(
        "children:report_close",
        frozenset({SUPERVISOR}),
        "post",
        kwargs=lambda p: {"pk": _report(p, "child_report_2").pk},
        data=lambda p: {"review": "已核实，监护人已落实照料"},
        object_level=True,
        success=302,
    ),
    Endpoint("children:workforce", WORKFORCE),
    Endpoint("children:place_list", PLACES),
    Endpoint(
        "children:place_new",
        frozenset({COUNTY_STAFF, Role.CITY_ADMIN}),
        "post",
        data=lambda p: {"kind": "home", "name": "幸福村儿童之家", "area": p.village.code, "opened_on": "2023-05-01"},
        success=302,
    ),
    Endpoint("children:project_list", frozenset({SUPERVISOR, COUNTY_STAFF})),
    Endpoint(
        "children:project_new",
        frozenset({SUPERVISOR, COUNTY_STAFF}),
        "post",
        data=lambda p: {
            "name": "爱心暑托班",
            "area": p.township.code,
            "capacity": "30",
            "starts_on": "2026-07-01",
            "ends_on": "2026-08-20",
        },
        success=302,
    ),
    Endpoint("children:project_detail", frozenset({SUPERVISOR, COUNTY_STAFF}), kwargs=_project_pk, object_level=True),
    Endpoint(
        "children:project_enrol",
        frozenset({SUPERVISOR}),
        "post",
        kwargs=_project_pk,
        data=lambda p: {"child": str(_child(p).pk)},
        object_level=True,
        success=302,
    ),
    Endpoint(
        "children:project_attendance",
        frozenset({SUPERVISOR}),
        "post",
        kwargs=_project_pk,
        data=lambda p: {"on": today(p), "children": str(_child(p).pk)},
        object_level=True,
        success=302,
    ),
    # The child's visit on the shared phone page (monitoring's generic page, kind children.visit).
    Endpoint(
        "monitoring:visit_kind_phone",
        WORK,
        kwargs=lambda p: {"kind": "children.visit", "subject": _child(p).pk},
        object_level=True,
    ),
    Endpoint(
        "monitoring:visit_kind_submit",
        WORK,
        method="post",
        kwargs=lambda p: {"kind": "children.visit", "subject": _child(p).pk},
        data=_visit_fields,
        api=True,
        object_level=True,
        success=201,
    ),
)
