"""Printed papers in Chinese, as PDF: the shape every paper a window hands out is built into (``Notice``: a title, the
addressee, labelled facts, tables, numbered steps, reasons, signature lines), its drawing with reportlab in the
built-in CID font STSong-Light (no font file is needed on the server), and the response that shows one. What a
paper says is built by the module it belongs to (the one window's receipt, a programme's decision notice); printing
one is a view of personal data, which the module audits.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

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

from minsheng.core.templatetags.money import yuan

FONT = "STSong-Light"
WIDTH_MM = 170  # A4 less the margins


def money(fen: int | None) -> str:
    """¥1,560.00, as the explanations of the means test and the pages write amounts."""
    if fen is None:
        return "—"
    return f"¥{yuan(fen)}"


def month_label(month: dt.date | None) -> str:
    return "—" if month is None else f"{month.year}年{month.month}月"


@dataclass(frozen=True)
class Block:
    """A table on a paper under its heading: the first row holds the column titles; ``widths`` in millimetres
    (shared equally when empty); ``blank_rows`` empty rows to fill in by hand (an investigation form)."""

    heading: str
    rows: list[list[str]]
    widths: tuple[float, ...] = ()
    blank_rows: int = 0


@dataclass(frozen=True)
class Notice:
    """One paper: a title, the addressee, labelled facts, tables, the explanation steps, the written reasons, a
    closing text and the lines to sign."""

    title: str
    addressee: str
    facts: list[tuple[str, str]]
    steps: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    closing: str = ""
    blocks: list[Block] = field(default_factory=list)
    signatures: list[str] = field(default_factory=list)
    issuer: str = ""  # who signs or seals it; the civil affairs bureau when empty


def styles() -> dict[str, ParagraphStyle]:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    base = ParagraphStyle("base", fontName=FONT, fontSize=11, leading=17, wordWrap="CJK")
    return {
        "base": base,
        "title": ParagraphStyle("title", parent=base, fontSize=18, leading=26, alignment=1, spaceAfter=6 * mm),
        "heading": ParagraphStyle("heading", parent=base, fontSize=12, leading=18, spaceBefore=4 * mm),
        "small": ParagraphStyle("small", parent=base, fontSize=9, leading=13, textColor=colors.grey),
    }


def document(buffer: io.BytesIO, title: str) -> SimpleDocTemplate:
    # invariant=1: the same paper gives the same bytes (no creation time or random id in the file).
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


def paragraph(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def _block(block: Block, style: ParagraphStyle) -> Table:
    columns = max((len(row) for row in block.rows), default=1)
    widths = [w * mm for w in block.widths] if block.widths else [WIDTH_MM / columns * mm] * columns
    rows: list[list[Any]] = [[paragraph(cell, style) for cell in row] for row in block.rows]
    rows += [[""] * columns for _ in range(block.blank_rows)]
    heights = [None] * len(block.rows) + [10 * mm] * block.blank_rows
    table = Table(rows, colWidths=widths, rowHeights=heights, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
            ]
        )
    )
    return table


def render_notice(notice: Notice) -> bytes:
    with translation.override("zh-hans"):
        s = styles()
        story: list[Any] = [paragraph(notice.title, s["title"])]
        if notice.addressee:
            story.append(paragraph(f"{notice.addressee}：", s["base"]))
        table = Table(
            [[paragraph(label, s["base"]), paragraph(value, s["base"])] for label, value in notice.facts],
            colWidths=[45 * mm, 125 * mm],
        )
        table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        story += [Spacer(1, 3 * mm), table]
        for block in notice.blocks:
            story += [paragraph(block.heading, s["heading"]), Spacer(1, 2 * mm), _block(block, s["base"])]
        if notice.steps:
            story.append(paragraph(_("How the amount was worked out"), s["heading"]))
            story += [paragraph(f"{i}. {step}", s["base"]) for i, step in enumerate(notice.steps, 1)]
        if notice.reasons:
            story.append(paragraph(_("Reasons"), s["heading"]))
            story += [paragraph(reason, s["base"]) for reason in notice.reasons]
        if notice.closing:
            story += [Spacer(1, 6 * mm), paragraph(notice.closing, s["small"])]
        if notice.signatures:
            story.append(Spacer(1, 8 * mm))
            story += [paragraph(line, s["base"]) for line in notice.signatures]
        story += [Spacer(1, 12 * mm), paragraph(notice.issuer or _("Civil affairs bureau (seal)"), s["base"])]
        buffer = io.BytesIO()
        document(buffer, notice.title).build(story)
        return buffer.getvalue()


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    """A paper shown in the browser, never kept by it or by a proxy (it holds personal data)."""
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "no-store"  # personal data: not kept by the browser or a proxy
    return response
