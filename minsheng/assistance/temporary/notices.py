"""The receipt for a temporary-assistance payment (临时救助金签收单), signed by the person who takes the money; built
here, drawn by ``core.pdf``."""

from __future__ import annotations

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from minsheng.assistance.temporary.models import TemporaryAid
from minsheng.core.pdf import Notice, money


def payment_receipt(aid: TemporaryAid) -> Notice:
    """What was paid, to whom, when and by whom, with the lines for the recipient's and the worker's signatures."""
    with translation.override("zh-hans"):
        paid_at = f"{timezone.localtime(aid.paid_at):%Y-%m-%d %H:%M}" if aid.paid_at else ""
        paid_by = aid.paid_by.get_full_name() or aid.paid_by.get_username() if aid.paid_by else ""
        return Notice(
            title=_("Receipt for temporary assistance (临时救助金签收单)"),
            addressee="",
            facts=[
                (_("Receipt number"), aid.item_case.application.receipt_number),
                (_("Recipient"), f"{aid.person.name}（{aid.person.id_masked}）"),
                (_("Type"), str(aid.get_kind_display())),
                (_("What happened"), aid.event),
                (_("Amount paid"), money(aid.paid_fen)),
                (_("Paid at"), paid_at),
                (_("Paid by"), paid_by),
            ],
            signatures=[
                _("Received by (signature or fingerprint): ____________  Date: ____________"),
                _("Worker (signature): ____________"),
            ],
            issuer=_("Township (sub-district) office (seal)"),
        )
