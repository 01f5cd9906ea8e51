"""The notice of a benefit's latest decision (enrolment, reduction, taper, stop), with the amount and the steps of
the means test, or the reasons (DOMAIN §1.2 point 5). Drawn by ``assistance.pdf``."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from minsheng.assistance.benefits.models import Benefit, BenefitChange
from minsheng.assistance.pdf import programme_label
from minsheng.core.pdf import Notice, money, month_label


def approval_notice(benefit: Benefit, receipt_number: str | None) -> Notice:
    """The approval notice of a benefit; ``receipt_number`` is the one-window receipt of the case that granted it."""
    result = benefit.assessment_result
    facts = [
        (_("Full name"), benefit.payee.name),
        (_("Persons covered"), str(benefit.covered)),
        (_("Programme"), programme_label(benefit.programme)),
        (_("Monthly amount"), money(benefit.monthly_fen)),
        (_("Paid from"), month_label(benefit.first_month)),
        (_("Review every"), _("%(n)s months") % {"n": benefit.review_months}),
    ]
    if receipt_number is not None:
        facts.append((_("Receipt number"), receipt_number))
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
            case = benefit.programme_case
            return approval_notice(benefit, case.case.application.receipt_number if case is not None else None)
        facts = [
            (_("Full name"), benefit.payee.name),
            (_("Programme"), programme_label(benefit.programme)),
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
