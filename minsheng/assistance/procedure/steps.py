"""The steps of the 低保 / 特困 procedure, as one table.

Each ``Step`` says where it may be taken (the stages, and at each stage who may take it), the permission a user
needs anywhere to post it, the form it reads, the service it calls, the message on success and how the case page
offers it. From this table come the actions the case page offers the current user (``steps_offered``), the one POST
view (``views.programme_case_step``), its URLs (``urls.py``) and the permission-matrix entries
(``tests/endpoints.py``). The services stay the guard: each checks the stage inside the row lock and the actor's
right on the case's area, so a step offered on a page that has since gone stale is refused with a clear message.

The table's order is the order of the forms on the case page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from minsheng.assistance.procedure import services
from minsheng.assistance.procedure.forms import (
    ApproveForm,
    InitialReviewForm,
    InvestigationForm,
    ObjectionForm,
    PublicityCloseForm,
    PublicityForm,
    ReasonForm,
    RecordForm,
    RelativeForm,
    StepForm,
    VerificationResultForm,
    VisitForm,
)
from minsheng.assistance.procedure.models import (
    APPROVE,
    INVESTIGATE,
    OPEN_STAGES,
    PUBLICITY_DAYS,
    REVIEW,
    VIEW,
    ProgrammeCase,
    Stage,
)
from minsheng.assistance.procedure.selectors import county_level, may_decide
from minsheng.core.scoping import scope_allows

if TYPE_CHECKING:
    from minsheng.accounts.models import User

INELIGIBLE = ProgrammeCase.VerificationResult.INELIGIBLE


class Who(StrEnum):
    """Who may take a step at a stage, judged on the case's area."""

    INVESTIGATOR = "investigator"  # investigates in the case's area (village and township staff)
    REVIEWER = "reviewer"  # the township's initial review and 公示
    COUNTY = "county"  # the county of the case (its own visit)
    DECIDER = "decider"  # the approving level: the county, or the township reviewer where approval is devolved


def powers(user: User, case: ProgrammeCase) -> frozenset[Who]:
    """What ``user`` may do on ``case``, each judged once for the page."""
    held = {
        Who.INVESTIGATOR: scope_allows(user, INVESTIGATE, case.area_code),
        Who.REVIEWER: scope_allows(user, REVIEW, case.area_code),
        Who.COUNTY: scope_allows(user, APPROVE, county_level(case)),
        Who.DECIDER: may_decide(user, case),
    }
    return frozenset(who for who, holds in held.items() if holds)


def _always(case: ProgrammeCase, today: dt.date) -> bool:
    return True


@dataclass(frozen=True)
class Step:
    key: str  # the action's name on the case page and in its URL name, ``programme_case_<key>``
    path: str  # the URL below ``programme-cases/<pk>/``
    permission: str  # held somewhere, or the POST is refused (403) before the service is asked
    stages: Mapping[str, Who]  # the stages the step is offered at, and who may take it there
    form: type[StepForm]
    service: Callable[..., Any]  # called with ``actor=``, ``case=`` and the form's ``arguments()``
    done: Any  # the message after success (a lazy string)
    title: Any
    button: Any
    help: Any = ""
    button_class: str = "btn-primary"
    when: Callable[[ProgrammeCase, dt.date], bool] = field(default=_always)  # a further condition on the case
    template: str = "assistance/procedure/_action.html"  # the step's form on the case page

    @property
    def url_name(self) -> str:
        return f"programme_case_{self.key}"

    @property
    def view_name(self) -> str:
        return f"assistance:{self.url_name}"

    def offered(self, case: ProgrammeCase, held: frozenset[Who], today: dt.date) -> bool:
        who = self.stages.get(case.stage)
        return who is not None and who in held and self.when(case, today)


def _publicity_help() -> str:
    return _("Posted in the village for %(days)s days: name, household size and amount only.") % {
        "days": PUBLICITY_DAYS
    }


def _not_requested(case: ProgrammeCase, today: dt.date) -> bool:
    return case.verification_requested_at is None


def _awaiting_result(case: ProgrammeCase, today: dt.date) -> bool:
    return case.verification_requested_at is not None and not case.verification_result


def _ineligible_if_verifying(case: ProgrammeCase, today: dt.date) -> bool:
    """At 核对 only a case found ineligible is refused or re-examined; at the other stages, always."""
    return case.stage != Stage.VERIFICATION or case.verification_result == INELIGIBLE


def _publicity_not_posted(case: ProgrammeCase, today: dt.date) -> bool:
    return case.publicity_start is None


def _publicity_running(case: ProgrammeCase, today: dt.date) -> bool:
    return case.publicity_start is not None and case.publicity_end is not None and today >= case.publicity_start


def _publicity_over(case: ProgrammeCase, today: dt.date) -> bool:
    return case.publicity_end is not None and today > case.publicity_end


def _not_registered_relative(case: ProgrammeCase, today: dt.date) -> bool:
    return not case.staff_relative


def _publicly_posted(case: ProgrammeCase, today: dt.date) -> bool:
    """Only a proposal to approve went through the 公示; a proposal to refuse is refused or sent back."""
    return case.publicity_end is not None


STEPS: tuple[Step, ...] = (
    Step(
        "investigation",
        "investigation/",
        INVESTIGATE,
        {Stage.ACCEPTED: Who.INVESTIGATOR, Stage.INVESTIGATION: Who.INVESTIGATOR},
        InvestigationForm,
        services.programme_case_investigate,
        gettext_lazy("The home investigation is recorded; request the economic verification next."),
        title=gettext_lazy("Record the home investigation"),
        help=gettext_lazy("Two different staff members visit the household."),
        button=gettext_lazy("Save"),
    ),
    Step(
        "verification_request",
        "verification/request/",
        INVESTIGATE,
        {Stage.VERIFICATION: Who.INVESTIGATOR},
        StepForm,
        services.programme_case_verification_request,
        gettext_lazy("The economic verification is requested."),
        title=gettext_lazy("Request the economic verification"),
        button=gettext_lazy("Request"),
        when=_not_requested,
    ),
    Step(
        "verification_result",
        "verification/result/",
        INVESTIGATE,
        {Stage.VERIFICATION: Who.INVESTIGATOR},
        VerificationResultForm,
        services.programme_case_verification_result,
        gettext_lazy("The verification result is recorded."),
        title=gettext_lazy("Record the verification result"),
        button=gettext_lazy("Save"),
        when=_awaiting_result,
    ),
    Step(
        "initial_review",
        "initial-review/",
        REVIEW,
        {Stage.INITIAL_REVIEW: Who.REVIEWER},
        InitialReviewForm,
        services.programme_case_initial_review,
        gettext_lazy("The initial review is recorded with the means test."),
        title=gettext_lazy("Initial review"),
        help=gettext_lazy("The means test runs on the household's latest economic status when you save."),
        button=gettext_lazy("Save"),
    ),
    Step(
        "publicity_start",
        "publicity/",
        REVIEW,
        {Stage.PUBLICITY: Who.REVIEWER},
        PublicityForm,
        services.programme_case_publicity_start,
        gettext_lazy("The public notice is posted."),
        title=gettext_lazy("Post the public notice"),
        help=lazy(_publicity_help, str)(),
        button=gettext_lazy("Post"),
        when=_publicity_not_posted,
    ),
    Step(
        "objection",
        "objection/",
        INVESTIGATE,
        {Stage.PUBLICITY: Who.INVESTIGATOR},
        ObjectionForm,
        services.programme_case_objection,
        gettext_lazy("The objection is recorded."),
        title=gettext_lazy("Record an objection"),
        button=gettext_lazy("Save"),
        button_class="btn-outline-warning",
        when=_publicity_running,
    ),
    Step(
        "publicity_close",
        "publicity/close/",
        REVIEW,
        {Stage.PUBLICITY: Who.REVIEWER},
        PublicityCloseForm,
        services.programme_case_publicity_close,
        gettext_lazy("The public notice is closed."),
        title=gettext_lazy("Close the public notice"),
        help=gettext_lazy(
            "Without objections the case goes to confirmation; an objected case goes to democratic review (tick the "
            "box) or back to investigation."
        ),
        button=gettext_lazy("Close"),
        when=_publicity_over,
    ),
    Step(
        "democratic_review",
        "democratic-review/",
        REVIEW,
        {Stage.DEMOCRATIC_REVIEW: Who.REVIEWER},
        RecordForm,
        services.programme_case_democratic_review,
        gettext_lazy("The democratic review is recorded; the case goes to confirmation."),
        title=gettext_lazy("Record the democratic review"),
        button=gettext_lazy("Save"),
    ),
    Step(
        "county_visit",
        "county-visit/",
        APPROVE,
        {Stage.COUNTY_REVIEW: Who.COUNTY},
        VisitForm,
        services.programme_case_county_visit,
        gettext_lazy("The county's visit is recorded."),
        title=gettext_lazy("Record the county's own visit"),
        button=gettext_lazy("Save"),
    ),
    Step(
        "approve",
        "approve/",
        APPROVE,
        {Stage.COUNTY_REVIEW: Who.DECIDER},
        ApproveForm,
        services.programme_case_approve,
        gettext_lazy("Approved: the benefit is entered and is paid from the month after today."),
        title=gettext_lazy("Approve and enrol"),
        help=gettext_lazy("Paid from the month after today, with the amount of the means test above."),
        button=gettext_lazy("Approve"),
        button_class="btn-success",
        when=_publicly_posted,
    ),
    Step(
        "refuse",
        "refuse/",
        VIEW,  # the township (an ineligible verification) or the approving level: the service checks which
        {Stage.VERIFICATION: Who.REVIEWER, Stage.COUNTY_REVIEW: Who.DECIDER},
        ReasonForm,
        services.programme_case_refuse,
        gettext_lazy("Refused; give the applicant the written reasons by the date shown."),
        title=gettext_lazy("Refuse"),
        help=gettext_lazy("The applicant receives the written reasons within 3 working days."),
        button=gettext_lazy("Refuse"),
        button_class="btn-danger",
        when=_ineligible_if_verifying,
    ),
    Step(
        "reinvestigate",
        "reinvestigate/",
        VIEW,  # who may send a case back depends on its stage: the service checks
        {
            Stage.VERIFICATION: Who.INVESTIGATOR,  # the applicant disputes an ineligible verification
            Stage.PUBLICITY: Who.REVIEWER,
            Stage.DEMOCRATIC_REVIEW: Who.REVIEWER,
            Stage.COUNTY_REVIEW: Who.DECIDER,
        },
        ReasonForm,
        services.programme_case_reinvestigate,
        gettext_lazy("The case is back for home investigation."),
        title=gettext_lazy("Send back for investigation"),
        button=gettext_lazy("Send back"),
        button_class="btn-outline-secondary",
        when=_ineligible_if_verifying,
    ),
    Step(
        "relative",
        "relative/",
        INVESTIGATE,
        dict.fromkeys(sorted(OPEN_STAGES), Who.INVESTIGATOR),
        RelativeForm,
        services.programme_case_flag_relative,
        gettext_lazy("The case is registered as a relative of staff; the county must visit before approval."),
        title=gettext_lazy("Register as a relative of staff"),
        help=gettext_lazy(
            "A member is a close relative of case staff or of a village committee member: the county must visit "
            "before approval."
        ),
        button=gettext_lazy("Register"),
        button_class="btn-outline-info",
        when=_not_registered_relative,
    ),
)
STEP_BY_KEY: dict[str, Step] = {step.key: step for step in STEPS}


def steps_offered(user: User, case: ProgrammeCase, today: dt.date) -> list[Step]:
    """The steps ``user`` may take on the case now, in the page's order (the services check again)."""
    held = powers(user, case)
    return [step for step in STEPS if step.offered(case, held, today)]
