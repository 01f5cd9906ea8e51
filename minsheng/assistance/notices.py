"""Printable notices in Chinese, as PDF (DOMAIN §1.2 points 5 and 7).

* The decision notice (确认通知书 / 不予确认通知书) of a programme case, and the notice of a benefit's latest
  decision (enrolment, reduction, taper, stop), with the amount and the steps of the means test, or the reasons.
* The 公示 list of a village or township: for each case in public notice, **only** the name, the household size
  and the amount — never an ID number or an address.

The data is built first (plain dataclasses, tested with exact values), then drawn with reportlab in its built-in
CID font STSong-Light, so that no font file is needed on the server. Printing a notice is a view of personal data
and is audited.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from django.db import models
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from minsheng.areas.models import Division
from minsheng.assistance.models import AssessmentResult, Benefit, BenefitChange, Programme, ProgrammeCase
from minsheng.audit.models import AuditEvent
from minsheng.audit.services import audit_record
from minsheng.core.scoping import scope_prefix
from minsheng.core.templatetags.money import yuan

FONT = "STSong-Light"
ROW_HEIGHT = 8 * mm


def money(fen: int | None) -> str:
    """¥1,560.00, as the explanations of the means test and the pages write amounts."""
    if fen is None:
        return "—"
    return f"¥{yuan(fen)}"


def month_label(month: dt.date | None) -> str:
    return "—" if month is None else f"{month.year}年{month.month}月"


@dataclass(frozen=True)
class Notice:
    """One notice: a title, the addressee, labelled facts, the explanation steps and the written reasons."""

    title: str
    addressee: str
    facts: list[tuple[str, str]]
    steps: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    closing: str = ""


@dataclass(frozen=True)
class PublicityRow:
    """One line of the 公示 list. Nothing else of the family may be published."""

    name: str
    household_size: int
    monthly_fen: int | None


@dataclass(frozen=True)
class PublicitySection:
    programme: str
    rows: list[PublicityRow]
    period_from: dt.date | None
    period_to: dt.date | None


def _programme_label(code: str) -> str:
    return str(Programme(code).label)


def decision_notice_for_case(case: ProgrammeCase) -> Notice | None:
    """The notice of the county's decision on a case: approval with amount, first month and the steps of the means
    test; refusal with the written reasons. ``None`` while the case is undecided."""
    with translation.override("zh-hans"):
        if case.stage == ProgrammeCase.Stage.ENROLLED:
            benefit = case.benefits.select_related("payee", "assessment_result").order_by("id").first()
            if benefit is not None:
                return _approval(benefit, case)
            return None
        if case.stage == ProgrammeCase.Stage.REFUSED:
            return _refusal(case)
    return None


def _approval(benefit: Benefit, case: ProgrammeCase | None) -> Notice:
    result = benefit.assessment_result
    facts = [
        (_("Full name"), benefit.payee.name),
        (_("Persons covered"), str(benefit.covered)),
        (_("Programme"), _programme_label(benefit.programme)),
        (_("Monthly amount"), money(benefit.monthly_fen)),
        (_("Paid from"), month_label(benefit.first_month)),
        (_("Review every"), _("%(n)s months") % {"n": benefit.review_months}),
    ]
    if case is not None:
        facts.append((_("Receipt number"), case.case.application.receipt_number))
    return Notice(
        title=_("Notice of approval (确认通知书)"),
        addressee=benefit.payee.name,
        facts=facts,
        steps=list(result.explanation) if result is not None else [],
        closing=_(
            "Report any change in the household, its income or assets. If you disagree with this decision you may "
            "apply for administrative reconsideration or bring an administrative lawsuit."
        ),
    )


def _case_result(case: ProgrammeCase) -> AssessmentResult | None:
    if case.assessment_id is None:
        return None
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
            (_("Programme"), _programme_label(case.programme)),
            (_("Receipt number"), case.case.application.receipt_number),
        ],
        reasons=reasons,
        closing=_(
            "If you disagree with this decision you may apply for administrative reconsideration or bring an "
            "administrative lawsuit."
        ),
    )


_CHANGE_TITLES: dict[str, str] = {
    BenefitChange.Kind.RECOMPUTE: gettext_noop("Notice of a changed amount"),
    BenefitChange.Kind.REDUCE: gettext_noop("Notice of a reduced amount"),
    BenefitChange.Kind.TAPER: gettext_noop("Notice of the taper period (渐退)"),
    BenefitChange.Kind.STOP: gettext_noop("Notice of stopping (停发通知书)"),
}


def notice_for_benefit(benefit: Benefit) -> Notice:
    """The notice of the benefit's latest decision: its change (amount, month, reasons), or its approval."""
    with translation.override("zh-hans"):
        change = (
            benefit.changes.exclude(kind__in=[BenefitChange.Kind.ENROL, BenefitChange.Kind.REVIEW])
            .order_by("-created_at", "-id")
            .first()
        )
        if change is None:
            return _approval(benefit, benefit.programme_case)
        facts = [
            (_("Full name"), benefit.payee.name),
            (_("Programme"), _programme_label(benefit.programme)),
            (_("Amount until now"), money(change.old_fen)),
            (_("New monthly amount"), money(change.new_fen)),
            (_("From month"), month_label(change.effective_month)),
        ]
        if change.kind == BenefitChange.Kind.TAPER:
            facts.append((_("Last month paid"), month_label(benefit.taper_until)))
        return Notice(
            title=_(_CHANGE_TITLES[change.kind]),
            addressee=benefit.payee.name,
            facts=facts,
            reasons=[change.reason],
            closing=_(
                "If you disagree with this decision you may apply for administrative reconsideration or bring an "
                "administrative lawsuit."
            ),
        )


def publicity_sections(*, user: Any, area: Division) -> list[PublicitySection]:
    """The cases in public notice (公示) in ``area`` that ``user`` may see, by programme: name, household size
    (the persons the proposed benefit covers) and proposed monthly amount only."""
    cases = list(
        ProgrammeCase.objects.restrict(user, "view")
        .filter(stage=ProgrammeCase.Stage.PUBLICITY, area_code__startswith=scope_prefix(area.code, area.level))
        .select_related("applicant")
        .only("id", "programme", "assessment_id", "applicant_id", "applicant__name", "publicity_start", "publicity_end")
        .order_by("programme", "publicity_start", "id")
    )
    # The results of all the cases' assessments in one read; they belong to the cases just loaded through the door.
    results: dict[tuple[int, str], list[AssessmentResult]] = {}
    assessment_ids = {c.assessment_id for c in cases if c.assessment_id is not None}
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


def notice_viewed(*, actor: Any, obj: models.Model, area_code: str, what: str) -> None:
    """Printing a notice shows personal data: one audit event per print."""
    audit_record(
        actor=actor,
        action=f"assistance.{what}_printed",
        kind=AuditEvent.Kind.VIEW,
        obj=obj,
        area_code=area_code,
    )


# --- Drawing ------------------------------------------------------------------------------------------------------


def _styles() -> dict[str, ParagraphStyle]:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    base = ParagraphStyle("base", fontName=FONT, fontSize=11, leading=17, wordWrap="CJK")
    return {
        "base": base,
        "title": ParagraphStyle("title", parent=base, fontSize=18, leading=26, alignment=1, spaceAfter=6 * mm),
        "heading": ParagraphStyle("heading", parent=base, fontSize=12, leading=18, spaceBefore=4 * mm),
        "small": ParagraphStyle("small", parent=base, fontSize=9, leading=13, textColor=colors.grey),
    }


def _document(buffer: io.BytesIO, title: str) -> SimpleDocTemplate:
    # invariant=1: the same notice gives the same bytes (no creation time or random id in the file).
    return SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=title,
        author="民生",
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        invariant=1,
    )


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def render_notice(notice: Notice) -> bytes:
    with translation.override("zh-hans"):
        styles = _styles()
        story: list[Any] = [_p(notice.title, styles["title"]), _p(f"{notice.addressee}：", styles["base"])]
        table = Table(
            [[_p(label, styles["base"]), _p(value, styles["base"])] for label, value in notice.facts],
            colWidths=[45 * mm, 120 * mm],
        )
        table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        story += [Spacer(1, 3 * mm), table]
        if notice.steps:
            story.append(_p(_("How the amount was worked out"), styles["heading"]))
            story += [_p(f"{i}. {step}", styles["base"]) for i, step in enumerate(notice.steps, 1)]
        if notice.reasons:
            story.append(_p(_("Reasons"), styles["heading"]))
            story += [_p(reason, styles["base"]) for reason in notice.reasons]
        if notice.closing:
            story += [Spacer(1, 6 * mm), _p(notice.closing, styles["small"])]
        story += [Spacer(1, 12 * mm), _p(_("Civil affairs bureau (seal)"), styles["base"])]
        buffer = io.BytesIO()
        _document(buffer, notice.title).build(story)
        return buffer.getvalue()


def render_publicity(*, area: Division, sections: list[PublicitySection]) -> bytes:
    with translation.override("zh-hans"):
        styles = _styles()
        title = _("Public notice (公示): %(area)s") % {"area": area.name}
        story: list[Any] = [_p(title, styles["title"])]
        if not sections:
            story.append(_p(_("No case is in public notice."), styles["base"]))
        for section in sections:
            story.append(_p(_programme_label(section.programme), styles["heading"]))
            if section.period_from and section.period_to:
                period = _("Public notice from %(start)s to %(end)s.") % {
                    "start": f"{section.period_from:%Y-%m-%d}",
                    "end": f"{section.period_to:%Y-%m-%d}",
                }
                story.append(_p(period, styles["small"]))
            # Plain cells (one line each, fixed height): a village list of a hundred families stays short.
            data: list[list[str]] = [[_("No."), _("Full name"), _("Household size"), _("Monthly amount")]]
            for i, row in enumerate(section.rows, 1):
                data.append([str(i), row.name, str(row.household_size), money(row.monthly_fen)])
            table = Table(data, colWidths=[15 * mm, 60 * mm, 35 * mm, 45 * mm], rowHeights=ROW_HEIGHT, repeatRows=1)
            table.setStyle(
                TableStyle(
                    [
                        ("FONTNAME", (0, 0), (-1, -1), FONT),
                        ("FONTSIZE", (0, 0), (-1, -1), 11),
                        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                        ("ALIGN", (2, 0), (-1, -1), "RIGHT"),
                        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                        ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                    ]
                )
            )
            story += [Spacer(1, 2 * mm), table]
        story += [
            Spacer(1, 6 * mm),
            _p(
                _(
                    "Anyone who knows of facts that contradict this list may tell the township or the civil affairs "
                    "bureau during the public notice period."
                ),
                styles["small"],
            ),
        ]
        buffer = io.BytesIO()
        _document(buffer, title).build(story)
        return buffer.getvalue()
