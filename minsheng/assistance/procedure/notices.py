"""The notices of the 低保 / 特困 procedure (DOMAIN §1.2 points 5 and 7), drawn by ``core.pdf``:

* the decision notice (确认通知书 / 不予确认通知书) of a programme case: approval with the amount and the steps of the
  means test (the benefit's approval notice), refusal with the written reasons;
* the 公示 list of a village or township: for each case in public notice, **only** the name, the household size
  and the amount — never an ID number or an address.

The data is built here (plain dataclasses, tested with exact values) and drawn by ``core.pdf``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils import translation
from django.utils.translation import gettext as _

from minsheng.areas.models import Division
from minsheng.assistance.benefits.notices import approval_notice
from minsheng.assistance.means.models import AssessmentResult
from minsheng.assistance.pdf import PublicityRow, PublicitySection, programme_label
from minsheng.assistance.procedure.models import ProgrammeCase
from minsheng.core.pdf import Block, Notice
from minsheng.core.scoping import scope_prefix

if TYPE_CHECKING:
    from minsheng.accounts.models import User


def decision_notice_for_case(case: ProgrammeCase) -> Notice | None:
    """The notice of the county's decision on a case: approval with amount, first month and the steps of the means
    test; refusal with the written reasons. ``None`` while the case is undecided."""
    with translation.override("zh-hans"):
        if case.stage == ProgrammeCase.Stage.ENROLLED:
            benefit = case.benefits.select_related("payee", "assessment_result").order_by("id").first()
            if benefit is not None:
                return approval_notice(benefit, case.case.application.receipt_number)
            return None
        if case.stage == ProgrammeCase.Stage.REFUSED:
            return _refusal(case)
    return None


def _case_result(case: ProgrammeCase) -> AssessmentResult | None:
    if case.assessment_id is None:
        return None
    # unscoped: the results of the assessment of a case the caller loaded through the door
    results = AssessmentResult.objects.unscoped().filter(assessment_id=case.assessment_id, programme=case.programme)
    return _applicants_result(list(results), case.applicant_id)


def _applicants_result(results: list[AssessmentResult], applicant_id: int) -> AssessmentResult | None:
    """The applicant's own result (特困, 单人保) if the engine gave one, else the household's."""
    own = [r for r in results if r.person_id == applicant_id]
    household = [r for r in results if r.person_id is None]
    return (own + household)[0] if own or household else None


def _refusal(case: ProgrammeCase) -> Notice:
    result = _case_result(case)
    reasons = [line.strip() for line in case.decision_reason.splitlines() if line.strip()]
    if result is not None:
        reasons += [r for r in result.refusal_reasons if r not in reasons]
    return Notice(
        title=_("Notice of refusal (不予确认通知书)"),
        addressee=case.applicant.name,
        facts=[
            (_("Full name"), case.applicant.name),
            (_("Programme"), programme_label(case.programme)),
            (_("Receipt number"), case.case.application.receipt_number),
        ],
        reasons=reasons,
        closing=_(
            "If you disagree with this decision you may apply for administrative reconsideration or bring an "
            "administrative lawsuit."
        ),
    )


def publicity_sections(*, user: User, area: Division) -> list[PublicitySection]:
    """The cases in public notice (公示) in ``area`` that ``user`` may see, by programme: name, household size
    (the persons the proposed benefit covers) and proposed monthly amount only."""
    cases = list(
        ProgrammeCase.objects.restrict(user, "view")
        .filter(stage=ProgrammeCase.Stage.PUBLICITY, area_code__startswith=scope_prefix(area.code, area.level))
        .select_related("applicant")
        .only("id", "programme", "assessment_id", "applicant_id", "applicant__name", "publicity_start", "publicity_end")
        .order_by("programme", "publicity_start", "id")
    )
    results: dict[tuple[int, str], list[AssessmentResult]] = {}
    assessment_ids = {c.assessment_id for c in cases if c.assessment_id is not None}
    # unscoped: the results of the cases just loaded through the door, in one read
    for result in AssessmentResult.objects.unscoped().filter(assessment_id__in=assessment_ids):
        results.setdefault((result.assessment_id, result.programme), []).append(result)
    sections: dict[str, list[ProgrammeCase]] = {}
    for case in cases:
        sections.setdefault(case.programme, []).append(case)
    out = []
    for programme, group in sections.items():
        rows = []
        for case in group:
            found = results.get((case.assessment_id or 0, programme), [])
            chosen = _applicants_result(found, case.applicant_id)
            eligible = chosen is not None and chosen.eligible
            rows.append(
                PublicityRow(
                    name=case.applicant.name,
                    household_size=chosen.covered if chosen is not None else 0,
                    monthly_fen=chosen.monthly_fen if eligible and chosen is not None else None,
                )
            )
        starts = [c.publicity_start for c in group if c.publicity_start]
        ends = [c.publicity_end for c in group if c.publicity_end]
        out.append(
            PublicitySection(
                programme=programme,
                rows=rows,
                period_from=min(starts) if starts else None,
                period_to=max(ends) if ends else None,
            )
        )
    return out


def investigation_form(case: ProgrammeCase, members: list[Any]) -> Notice:
    """The household investigation form (入户调查表) the two investigators take to the home: the family as the
    registry knows it, the points to look at, the findings when already recorded, and the lines to sign."""
    with translation.override("zh-hans"):
        household = case.household
        rows = [[_("Name"), _("Relation"), _("Born"), _("ID number"), _("Labour capacity"), _("Living together")]]
        for m in members:
            rows.append(
                [
                    m.person.name,
                    str(m.get_relation_display()),
                    f"{m.person.birth_date:%Y-%m-%d}",
                    m.person.id_masked,
                    str(m.person.get_labour_capacity_display()),
                    _("yes") if m.living_together else _("no"),
                ]
            )
        points = [[_("What was looked at"), _("Findings")]]
        points += [
            [str(point), ""]
            for point in (
                _("Housing and living conditions"),
                _("Income of each member"),
                _("Property: deposits, vehicles, houses"),
                _("Rigid expenses: illness, education, disability"),
                _("Health and labour capacity"),
                _("Supporting relatives and maintenance"),
            )
        ]
        return Notice(
            title=_("Household investigation form (入户调查表)"),
            addressee="",
            facts=[
                (_("Programme"), programme_label(case.programme)),
                (_("Receipt number"), case.case.application.receipt_number),
                (_("Applicant"), f"{case.applicant.name}（{case.applicant.id_masked}）"),
                (_("Household number"), household.number),
                (_("Address"), f"{household.area.name} {household.address}".strip()),
                (_("Investigated on"), f"{case.investigated_on:%Y-%m-%d}" if case.investigated_on else ""),
            ],
            blocks=[
                Block(_("Household members"), rows, widths=(28, 22, 25, 45, 28, 22)),
                Block(_("Investigation"), points, widths=(60, 110)),
            ],
            reasons=[case.investigation_findings] if case.investigation_findings else [],
            signatures=[
                _("Investigators (two, signatures): ____________  ____________  Date: ____________"),
                _("Applicant or member of the household (signature): ____________  Date: ____________"),
            ],
            issuer=_("Township (sub-district) office (seal)"),
        )
