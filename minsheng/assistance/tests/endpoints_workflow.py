"""Permission-matrix registrations of the workflow pages (the 低保 / 特困 procedure).

Each step's endpoint gets a case of its own, brought to the stage the step expects through the services, so that
every allowed persona really takes the step (302 back to the case page)."""

from __future__ import annotations

from typing import Any

from minsheng.accounts.roles import Role
from minsheng.testing import Endpoint, Personas, register

VIEW = frozenset(
    {
        Role.VILLAGE_WORKER,
        Role.TOWNSHIP_WINDOW,
        Role.TOWNSHIP_REVIEWER,
        Role.COUNTY_APPROVER,
        Role.CITY_ADMIN,
        Role.AUDITOR,
    }
)
TOWNSHIP = frozenset({Role.TOWNSHIP_WINDOW, Role.TOWNSHIP_REVIEWER})
REVIEWER = frozenset({Role.TOWNSHIP_REVIEWER})
COUNTY = frozenset({Role.COUNTY_APPROVER})


def _case(p: Personas, stage: str) -> Any:
    key = f"programme_case_{stage}"
    if key not in p.extra:
        from minsheng.assistance.tests.test_workflow import case_at

        p.extra[key] = case_at(p, stage, alone=True)
    return p.extra[key]


def _pk(stage: str) -> Any:
    return lambda p: {"pk": _case(p, stage).pk}


def _today() -> str:
    from django.utils import timezone

    return timezone.localdate().isoformat()


def _investigation(p: Personas) -> dict[str, Any]:
    return {
        "investigated_on": _today(),
        "investigator_1": p[Role.VILLAGE_WORKER].pk,
        "investigator_2": p[Role.TOWNSHIP_WINDOW].pk,
        "findings": "家中无贵重物品，收入以务农为主",
    }


register(
    Endpoint("assistance:programme_cases", VIEW),
    Endpoint("assistance:programme_case", VIEW, kwargs=_pk("accepted"), object_level=True),
    Endpoint(
        "assistance:programme_case_relative",
        TOWNSHIP,
        method="post",
        kwargs=_pk("accepted"),
        data=lambda p: {"note": "申请人之子为镇民政助理"},
        object_level=True,
        success=302,
    ),
    Endpoint(
        "assistance:programme_case_investigation",
        TOWNSHIP,
        method="post",
        kwargs=_pk("accepted"),
        data=_investigation,
        object_level=True,
        success=302,
    ),
    Endpoint(
        "assistance:programme_case_verification_request",
        TOWNSHIP,
        method="post",
        kwargs=_pk("verification"),
        object_level=True,
        success=302,
    ),
    Endpoint(
        "assistance:programme_case_verification_result",
        TOWNSHIP,
        method="post",
        kwargs=_pk("verification_requested"),
        data=lambda p: {"result": "eligible", "report": "核对无异常"},
        object_level=True,
        success=302,
    ),
    Endpoint(
        "assistance:programme_case_initial_review",
        REVIEWER,
        method="post",
        kwargs=_pk("initial_review"),
        data=lambda p: {"proposal": "approve", "opinion": "符合低保条件，拟同意"},
        object_level=True,
        success=302,
    ),
    Endpoint(
        "assistance:programme_case_publicity_start",
        REVIEWER,
        method="post",
        kwargs=_pk("publicity"),
        data=lambda p: {"start": _today()},
        object_level=True,
        success=302,
    ),
    Endpoint(
        "assistance:programme_case_objection",
        TOWNSHIP,
        method="post",
        kwargs=_pk("publicity_running"),
        data=lambda p: {"received_on": _today(), "text": "邻居反映其子有车"},
        object_level=True,
        success=302,
    ),
    Endpoint(
        "assistance:programme_case_publicity_close",
        REVIEWER,
        method="post",
        kwargs=_pk("publicity_over"),
        data=lambda p: {},
        object_level=True,
        success=302,
    ),
    Endpoint(
        "assistance:programme_case_democratic_review",
        REVIEWER,
        method="post",
        kwargs=_pk("democratic"),
        data=lambda p: {"record": "村民代表评议：异议不成立"},
        object_level=True,
        success=302,
    ),
    Endpoint(
        "assistance:programme_case_county_visit",
        COUNTY,
        method="post",
        kwargs=_pk("county_review"),
        data=lambda p: {"visited_on": _today(), "note": "县级入户核实，情况属实"},
        object_level=True,
        success=302,
    ),
    Endpoint(
        "assistance:programme_case_approve",
        COUNTY,
        method="post",
        kwargs=_pk("county_review"),
        data=lambda p: {"reason": "符合条件"},
        object_level=True,
        success=302,
    ),
    Endpoint(
        "assistance:programme_case_refuse",
        COUNTY,
        method="post",
        kwargs=_pk("county_review"),
        data=lambda p: {"reason": "家庭人均收入高于低保标准"},
        object_level=True,
        success=302,
    ),
    Endpoint(
        "assistance:programme_case_reinvestigate",
        COUNTY,
        method="post",
        kwargs=_pk("county_review"),
        data=lambda p: {"reason": "收入情况需再核实"},
        object_level=True,
        success=302,
    ),
)
