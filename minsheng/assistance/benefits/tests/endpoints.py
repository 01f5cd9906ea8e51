"""Permission-matrix registrations of the benefits pages and a benefit's notice, and the family the tests share.

The builders make, in the reference village, a 3-person household earning ¥1,080 a month (¥360 per person) whose
低保 is ¥1,560 a month under the demo standard of ¥880, assessed and enrolled through the services. The matrix uses
a person living alone without income (¥880 a month).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from minsheng.accounts.roles import Role
from minsheng.testing import Endpoint, Personas, register

if TYPE_CHECKING:
    from minsheng.assistance.benefits.models import Benefit

VIEW_BENEFIT = frozenset(
    {
        Role.VILLAGE_WORKER,
        Role.TOWNSHIP_WINDOW,
        Role.TOWNSHIP_REVIEWER,
        Role.COUNTY_APPROVER,
        Role.COUNTY_PAYMENT_OFFICER,
        Role.CITY_ADMIN,
        Role.AUDITOR,
    }
)
CHANGE_BENEFIT = frozenset({Role.COUNTY_APPROVER})


class Family:
    """A household with its economic status, signed authorisation and (after ``assess``) an assessment."""

    def __init__(
        self, personas: Personas, *, names: tuple[str, ...] = ("张伟", "李娜", "张强"), wage_fen: int = 1_296_000
    ) -> None:
        from minsheng.assistance.means.services import (
            economic_status_new,
        )
        from minsheng.testing import make_household, make_person

        births = ("1980-05-01", "1982-03-02", "2005-09-09")
        self.personas = personas
        self.actor = personas[Role.TOWNSHIP_WINDOW]
        self.people = [make_person(personas.village, n, birth=b) for n, b in zip(names, births, strict=False)]
        relations = ("spouse", "child")
        self.household = make_household(
            personas.village, self.people[0], *zip(self.people[1:], relations, strict=False)
        )
        self.status = economic_status_new(actor=self.actor, household=self.household, window_end=dt.date(2026, 1, 1))
        if wage_fen:
            self.add("income", person=self.people[0], kind="wage", amount_fen=wage_fen)  # ¥1,080 a month by default
        self.sign()

    def add(self, line: str, **data: Any) -> None:
        from minsheng.assistance.means.services import (
            status_line_add,
        )

        status_line_add(actor=self.actor, status=self.status, line=line, data=data)

    def sign(self) -> None:
        from minsheng.assistance.means.services import (
            authorisation_record,
        )

        authorisation_record(
            actor=self.actor,
            status=self.status,
            serial=f"SQ-{self.status.pk}",
            signed_on=self.status.window_end,
            channel="paper",
            signers=[(p, "") for p in self.people],
        )

    def new_version(self, note: str = "") -> None:
        """A new economic status version (a copy of the lines), signed again."""
        from minsheng.assistance.means.services import (
            economic_status_new,
        )

        self.status = economic_status_new(
            actor=self.actor, household=self.household, window_end=self.status.window_end, note=note
        )
        self.sign()

    def assess(self, on: dt.date) -> Any:
        from minsheng.assistance.means.services import (
            assessment_run,
        )

        return assessment_run(actor=self.actor, household=self.household, on=on)

    def enrol(self, *, assessed_on: dt.date, decided_on: dt.date, programme_case: Any = None) -> Benefit:
        from minsheng.assistance.benefits.services import benefit_enrol
        from minsheng.assistance.means.selectors import result_for
        from minsheng.assistance.programmes import Programme

        result = result_for(self.assess(assessed_on), Programme.DIBAO)
        assert result is not None
        return benefit_enrol(
            actor=self.personas[Role.COUNTY_APPROVER],
            result=result,
            household=self.household,
            payee=self.people[0],
            decided_on=decided_on,
            programme_case=programme_case,
        )


# The matrix builds its objects once per case: one-person households keep the registry fixtures' numbering short.


def _benefit(p: Personas) -> Any:
    if "benefit" not in p.extra:
        today = timezone.localdate()
        p.extra["benefit"] = Family(p, names=("张伟",), wage_fen=0).enrol(assessed_on=today, decided_on=today)
    return p.extra["benefit"]


def _pk(build: Any) -> Any:
    return lambda p: {"pk": build(p).pk}


register(
    Endpoint("assistance:benefit_list", VIEW_BENEFIT),
    Endpoint("assistance:reviews_due", VIEW_BENEFIT),
    Endpoint("assistance:benefit_detail", VIEW_BENEFIT, kwargs=_pk(_benefit), object_level=True),
    Endpoint("assistance:benefit_notice", VIEW_BENEFIT, kwargs=_pk(_benefit), object_level=True),
    Endpoint(
        "assistance:benefit_review",
        CHANGE_BENEFIT,
        method="post",
        kwargs=_pk(_benefit),
        data=lambda p: {"review-outcome": "continue", "review-reason": ""},
        object_level=True,
        success=302,
    ),
    Endpoint(
        "assistance:benefit_recompute",
        CHANGE_BENEFIT,
        method="post",
        kwargs=_pk(_benefit),
        data=lambda p: {"recompute-reason": "家庭成员变动"},
        object_level=True,
        success=302,
    ),
    Endpoint(
        "assistance:benefit_stop",
        CHANGE_BENEFIT,
        method="post",
        kwargs=_pk(_benefit),
        data=lambda p: {"stop-reason": "迁出本市", "stop-from_month": ""},
        object_level=True,
        success=302,
    ),
    Endpoint(
        "assistance:benefit_reduce",
        CHANGE_BENEFIT,
        method="post",
        kwargs=_pk(_benefit),
        data=lambda p: {"reduce-reason": "无正当理由三次拒绝工作", "reduce-monthly_yuan": "500.00"},
        object_level=True,
        success=302,
    ),
    Endpoint(
        "assistance:benefit_taper",
        CHANGE_BENEFIT,
        method="post",
        kwargs=_pk(_benefit),
        data=lambda p: {"taper-reason": "张伟已就业", "taper-from_month": "", "taper-monthly_yuan": ""},
        object_level=True,
        success=302,
    ),
)
