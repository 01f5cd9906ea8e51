"""The 公示 list of ``assistance`` as PDF (DOMAIN §1.2 point 7), the programme's name on its papers, and the audit
event of a print. The notices themselves (``core.pdf.Notice``) are built by the part they belong to:
``benefits.notices`` (a benefit's decision), ``procedure.notices`` (a case's decision, the investigation form) and
``temporary.notices`` (the receipt for a payment). Printing a paper is a view of personal data and is audited.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils import translation
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table, TableStyle

from minsheng.areas.models import Division
from minsheng.assistance.programmes import Programme
from minsheng.audit.models import AuditEvent
from minsheng.audit.services import audit_record
from minsheng.core.pdf import FONT, document, money, paragraph, styles

if TYPE_CHECKING:
    from minsheng.accounts.models import User

ROW_HEIGHT = 8 * mm


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


def render_publicity(*, area: Division, sections: list[PublicitySection]) -> bytes:
    with translation.override("zh-hans"):
        s = styles()
        title = _("Public notice (公示): %(area)s") % {"area": area.name}
        story: list[Any] = [paragraph(title, s["title"])]
        if not sections:
            story.append(paragraph(_("No case is in public notice."), s["base"]))
        for section in sections:
            story.append(paragraph(programme_label(section.programme), s["heading"]))
            if section.period_from and section.period_to:
                period = _("Public notice from %(start)s to %(end)s.") % {
                    "start": f"{section.period_from:%Y-%m-%d}",
                    "end": f"{section.period_to:%Y-%m-%d}",
                }
                story.append(paragraph(period, s["small"]))
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
            paragraph(
                _(
                    "Anyone who knows of facts that contradict this list may tell the township or the civil affairs "
                    "bureau during the public notice period."
                ),
                s["small"],
            ),
        ]
        buffer = io.BytesIO()
        document(buffer, title).build(story)
        return buffer.getvalue()
