"""The 核对报告 as a paper (``core.pdf.Notice``): the request's facts, the 家庭经济状况对比 table, the conclusion
and the findings. Printing it shows the family's verified figures: the view that serves it audits the print."""

from __future__ import annotations

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from minsheng.core.pdf import Block, Notice, money, render_notice
from minsheng.exchange.models import Verification, VerificationItem
from minsheng.exchange.selectors import purpose_label, verification_members


def _figure(item: VerificationItem, value: int) -> str:
    return money(value) if item.unit == VerificationItem.Unit.FEN else str(value)


def report_notice(verification: Verification, items: list[VerificationItem]) -> Notice:
    """What the paper says (in Chinese, as the report itself is kept)."""
    with translation.override("zh-hans"):
        members = "、".join(f"{name}（{id_masked}）" for name, id_masked in verification_members(verification))
        reported = timezone.localtime(verification.reported_at) if verification.reported_at else None
        facts = [
            (_("Report number"), verification.number),
            (_("Household"), verification.household.number),
            (_("Members verified"), members or "—"),
            (_("Purpose"), purpose_label(verification.purpose)),
            (_("Authorisation serial"), verification.authorisation.serial),
            (_("Requested at"), f"{timezone.localtime(verification.requested_at):%Y-%m-%d}"),
            (_("Reported at"), f"{reported:%Y-%m-%d}" if reported else "—"),
            (_("Valid until"), f"{verification.valid_until:%Y-%m-%d}" if verification.valid_until else "—"),
            (_("Conclusion"), verification.get_conclusion_display()),
        ]
        if verification.recheck_of_id is not None and verification.recheck_of is not None:
            facts.append((_("Re-check of"), verification.recheck_of.number))
        rows = [[_("Item"), _("Declared"), _("Verified"), _("Sources"), _("Difference")]]
        for item in items:
            rows.append(
                [
                    item.get_kind_display(),
                    _figure(item, item.declared),
                    _figure(item, item.verified),
                    item.sources or "—",
                    _("Differs") if item.differs else "—",
                ]
            )
        return Notice(
            title=_("Household economic status verification report"),
            addressee="",
            facts=facts,
            blocks=[Block(_("Declared and verified figures"), rows, widths=(30, 30, 30, 55, 25))],
            reasons=[line for line in verification.findings.splitlines() if line.strip()],
            closing=_(
                "Amounts over the 12 months before the report; financial assets at their latest balance; vehicles, "
                "property, company roles and public pay counted. The household may object within the report's "
                "validity; the township then requests a re-check."
            ),
            issuer=_("Verification centre (seal)"),
        )


def report_pdf(verification: Verification, items: list[VerificationItem]) -> bytes:
    return render_notice(report_notice(verification, items))
