"""Printable notices in Chinese, as PDF (DOMAIN §1.2 points 5 and 7): the shapes every notice of ``assistance``
is built into (``Notice``, the 公示 list's ``PublicitySection``), their drawing with reportlab in its built-in CID
font STSong-Light (no font file is needed on the server), the response that shows one, and the audit event of a
print. What a notice says is built by the part it belongs to: ``benefits.notices`` (a benefit's decision) and
``procedure.notices`` (a case's decision, the 公示 list). Printing a notice is a view of personal data and is
audited.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from django.db import models
from django.http import HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from minsheng.areas.models import Division
from minsheng.assistance.programmes import Programme
from minsheng.audit.models import AuditEvent
from minsheng.audit.services import audit_record
from minsheng.core.templatetags.money import yuan

if TYPE_CHECKING:
    from minsheng.accounts.models import User

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


def programme_label(code: str) -> str:
    return str(Programme(code).label)


def notice_viewed(*, actor: User, obj: models.Model, area_code: str, what: str) -> None:
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
            story.append(_p(programme_label(section.programme), styles["heading"]))
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


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    """A notice shown in the browser, never kept by it or by a proxy (it holds personal data)."""
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "no-store"  # personal data: not kept by the browser or a proxy
    return response
