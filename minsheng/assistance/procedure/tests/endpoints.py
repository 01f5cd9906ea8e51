"""Permission-matrix registrations of the pages of the 低保 / 特困 procedure and its notices, and the builder of a
programme case at a given stage that the notice tests share.

Each step's endpoint gets a case of its own, brought to the stage the step expects through the services, so that
every allowed persona really takes the step (302 back to the case page)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from minsheng.accounts.roles import Role
from minsheng.assistance.benefits.tests.endpoints import Family
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


def programme_case(personas: Personas, family: Family, *, stage: str, on: dt.date) -> Any:
    """A 低保 programme case of the family's head on a real one-window item case, at ``stage``."""
    from minsheng.assistance.procedure.models import ProgrammeCase
    from minsheng.assistance.programmes import Programme
    from minsheng.catalog.models import Item
    from minsheng.intake.services import ItemRequest, application_submit

    item = Item.objects.get(number=1)
    application = application_submit(
        actor=personas[Role.VILLAGE_WORKER],
        person=family.people[0],
        requests=[ItemRequest(item=item, materials_provided=tuple(item.materials))],
        on_behalf=True,
    )
    item_case = application.cases.get()
    values = {
        "programme": Programme.DIBAO,
        "household": family.household,
        "applicant": family.people[0],
        "area_code": family.household.area_id,
        "stage": stage,
        "assessment": family.assess(on),
        "publicity_start": on,
        "publicity_end": on + dt.timedelta(days=6),
    }
    # Test set-up: the case may have been opened already by the workflow when the item was accepted.
    case = ProgrammeCase.objects.unscoped().filter(case=item_case).first()
    if case is None:
        return ProgrammeCase.objects.create(case=item_case, **values)
    ProgrammeCase.objects.unscoped().filter(pk=case.pk).update(**values)
    return ProgrammeCase.objects.unscoped().get(pk=case.pk)


def _enrolled_case(p: Personas) -> Any:
    if "enrolled_case" not in p.extra:
        from minsheng.assistance.procedure.models import ProgrammeCase

        today = timezone.localdate()
        family = Family(p, names=("陈刚",), wage_fen=0)
        case = programme_case(p, family, stage=ProgrammeCase.Stage.ENROLLED, on=today)
        family.enrol(assessed_on=today, decided_on=today, programme_case=case)
        p.extra["enrolled_case"] = case
    return p.extra["enrolled_case"]


def _case(p: Personas, stage: str) -> Any:
    key = f"programme_case_{stage}"
    if key not in p.extra:
        from minsheng.assistance.procedure.tests.test_procedure import case_at

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
    # The printable notices of the procedure.
    Endpoint("assistance:decision_notice", VIEW, kwargs=lambda p: {"pk": _enrolled_case(p).pk}, object_level=True),
    Endpoint("assistance:publicity_list", VIEW, data=lambda p: {"area": p.village.code}, object_level=True),
)
