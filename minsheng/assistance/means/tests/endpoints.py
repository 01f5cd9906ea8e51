"""Permission-matrix registrations of the economic status, assessment and simulation pages."""

import datetime as dt
from typing import Any

from minsheng.accounts.roles import Role
from minsheng.testing import Endpoint, Personas, register

READ = frozenset(
    {
        Role.VILLAGE_WORKER,
        Role.TOWNSHIP_WINDOW,
        Role.TOWNSHIP_REVIEWER,
        Role.COUNTY_APPROVER,
        Role.CITY_ADMIN,
        Role.AUDITOR,
    }
)
RECORD = frozenset({Role.VILLAGE_WORKER, Role.TOWNSHIP_WINDOW, Role.TOWNSHIP_REVIEWER})
ASSESS = frozenset({Role.TOWNSHIP_WINDOW, Role.TOWNSHIP_REVIEWER, Role.COUNTY_APPROVER})
SIMULATE = frozenset({Role.COUNTY_APPROVER, Role.CITY_ADMIN})


def _household(p: Personas) -> Any:
    """A household in the reference village with an editable economic status (made once per test)."""
    if "means_household" not in p.extra:
        from minsheng.assistance.means.models import EconomicStatus, IncomeLine
        from minsheng.testing import make_household, make_person

        head = make_person(p.village, "周文", birth="1975-04-04")
        household = make_household(p.village, head)
        status = EconomicStatus.objects.create(
            household=household,
            version=1,
            area_code=p.village.code,
            window_start=dt.date(2025, 1, 1),
            window_end=dt.date(2026, 1, 1),
        )
        line = IncomeLine.objects.create(status=status, person=head, kind="wage", amount_fen=100)
        p.extra.update(means_household=household, means_status=status, means_head=head, means_line=line)
    return p.extra["means_household"]


def _status(p: Personas) -> Any:
    _household(p)
    return p.extra["means_status"]


def _assessment(p: Personas) -> Any:
    if "means_assessment" not in p.extra:
        from minsheng.assistance.means.models import Assessment

        household = _household(p)
        p.extra["means_assessment"] = Assessment.objects.create(
            household=household,
            economic_status=_status(p),
            area_code=p.village.code,
            on=dt.date(2026, 1, 15),
            inputs={},
            parameters={},
        )
    return p.extra["means_assessment"]


def _simulation(p: Personas) -> Any:
    if "simulation" not in p.extra:
        from minsheng.assistance.means.models import Simulation

        p.extra["simulation"] = Simulation.objects.create(
            area_code=p.county.code,
            from_month=dt.date(2026, 7, 1),
            standard_fen=90000,
            status="done",
            result={},
            created_by=p[Role.COUNTY_APPROVER],
        )
    return p.extra["simulation"]


register(
    Endpoint("assistance:household_means", READ, kwargs=lambda p: {"pk": _household(p).pk}, object_level=True),
    Endpoint(
        "assistance:status_new",
        RECORD,
        method="post",
        kwargs=lambda p: {"pk": _household(p).pk},
        data=lambda p: {"window_end": "2026-02-01", "note": ""},
        success=302,
        object_level=True,
    ),
    Endpoint(
        "assistance:status_line_add",
        RECORD,
        method="post",
        kwargs=lambda p: {"pk": _status(p).pk, "line": "income"},
        data=lambda p: {"person": str(p.extra["means_head"].pk), "kind": "wage", "amount": "1200.00"},
        success=302,
        object_level=True,
    ),
    Endpoint(
        "assistance:status_line_remove",
        RECORD,
        method="post",
        kwargs=lambda p: {"pk": _status(p).pk, "line": "income", "line_id": p.extra["means_line"].pk},
        success=302,
        object_level=True,
    ),
    Endpoint(
        "assistance:authorisation_record",
        RECORD,
        method="post",
        kwargs=lambda p: {"pk": _status(p).pk},
        data=lambda p: {
            "serial": "SQ-1",
            "signed_on": "2026-01-02",
            "channel": "paper",
            "signers": [str(p.extra["means_head"].pk)],
        },
        success=302,
        object_level=True,
    ),
    Endpoint(
        "assistance:assessment_run",
        ASSESS,
        method="post",
        kwargs=lambda p: {"pk": _household(p).pk},
        success=302,
        object_level=True,
    ),
    Endpoint("assistance:assessment_detail", READ, kwargs=lambda p: {"pk": _assessment(p).pk}, object_level=True),
    Endpoint("assistance:simulations", SIMULATE),
    Endpoint(
        "assistance:simulations",
        SIMULATE,
        method="post",
        data=lambda p: {"area": p.county.code, "from_month": "2026-07-01", "standard": "900"},
        success=302,
    ),
    Endpoint("assistance:simulation_detail", SIMULATE, kwargs=lambda p: {"pk": _simulation(p).pk}, object_level=True),
)
