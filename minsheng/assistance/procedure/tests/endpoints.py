"""Permission-matrix registrations of the pages of the 低保 / 特困 procedure and its notices, and the builder of a
programme case at a given stage that the notice tests share.

Each step's endpoint gets a case of its own, brought to the stage the step expects through the services, so that
every allowed persona really takes the step (302 back to the case page)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from minsheng.accounts.roles import Role
from minsheng.assistance.benefits.tests.endpoints import Family
from minsheng.assistance.procedure.steps import STEP_BY_KEY, STEPS, Step
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


TODAY = object()  # in a form below: the date of the request


def _sent(**fields: Any) -> Callable[[Personas], dict[str, Any]]:
    """A step's form as sent (``TODAY`` becomes today's date when the request is built)."""
    return lambda p: {name: _today() if value is TODAY else value for name, value in fields.items()}


# For each step of the table: the stage its case is brought to, who takes it there, and what its form sends. Every
# step of ``STEPS`` must be here (a new step without an entry fails at import, so the matrix cannot miss it).
STEP_CASES: dict[str, tuple[str, frozenset[str], Callable[[Personas], dict[str, Any]]]] = {
    "investigation": ("accepted", TOWNSHIP, _investigation),
    "verification_request": ("verification", TOWNSHIP, _sent()),
    "verification_result": ("verification_requested", TOWNSHIP, _sent(result="eligible", report="核对无异常")),
    "initial_review": ("initial_review", REVIEWER, _sent(proposal="approve", opinion="符合低保条件，拟同意")),
    "publicity_start": ("publicity", REVIEWER, _sent(start=TODAY)),
    "objection": ("publicity_running", TOWNSHIP, _sent(received_on=TODAY, text="邻居反映其子有车")),
    "publicity_close": ("publicity_over", REVIEWER, _sent()),
    "democratic_review": ("democratic", REVIEWER, _sent(record="村民代表评议：异议不成立")),
    "county_visit": ("county_review", COUNTY, _sent(visited_on=TODAY, note="县级入户核实，情况属实")),
    "approve": ("county_review", COUNTY, _sent(reason="符合条件")),
    "refuse": ("county_review", COUNTY, _sent(reason="家庭人均收入高于低保标准")),
    "reinvestigate": ("county_review", COUNTY, _sent(reason="收入情况需再核实")),
    "relative": ("accepted", TOWNSHIP, _sent(note="申请人之子为镇民政助理")),
}
assert set(STEP_CASES) == set(STEP_BY_KEY), "every step of the procedure needs its matrix case"


def _step_endpoint(step: Step) -> Endpoint:
    stage, allowed, data = STEP_CASES[step.key]
    return Endpoint(
        step.view_name,
        allowed,
        method="post",
        kwargs=_pk(stage),
        data=data,
        object_level=True,
        success=302,
    )


register(
    Endpoint("assistance:programme_cases", VIEW),
    Endpoint("assistance:programme_case", VIEW, kwargs=_pk("accepted"), object_level=True),
    *(_step_endpoint(step) for step in STEPS),
    # The printable notices of the procedure.
    Endpoint("assistance:decision_notice", VIEW, kwargs=lambda p: {"pk": _enrolled_case(p).pk}, object_level=True),
    Endpoint("assistance:publicity_list", VIEW, data=lambda p: {"area": p.village.code}, object_level=True),
    Endpoint("assistance:investigation_form", VIEW, kwargs=lambda p: {"pk": _enrolled_case(p).pk}, object_level=True),
)
