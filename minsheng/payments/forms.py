"""Forms of the payroll pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext, gettext_lazy

from minsheng.areas.models import Division
from minsheng.assistance.programmes import MONTHLY_PROGRAMMES, Programme
from minsheng.core.forms import MonthField, StyledForm
from minsheng.core.limits import REASON_MAX
from minsheng.core.templatetags.money import yuan
from minsheng.payments.models import PaymentLine, PayrollBatch

MONTHLY_CHOICES = [(value, label) for value, label in Programme.choices if value in MONTHLY_PROGRAMMES]


class PrepareForm(StyledForm):
    county = forms.ChoiceField(label=gettext_lazy("County"))
    programme = forms.ChoiceField(label=gettext_lazy("Programme"), choices=MONTHLY_CHOICES)
    period = MonthField(
        label=gettext_lazy("Month paid"),
        months_ahead=0,
        too_late=gettext_lazy("A payroll is prepared for the current month or an earlier one."),
    )

    def __init__(self, *args: Any, counties: list[Division], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.counties = {c.code: c for c in counties}
        county = self.fields["county"]
        assert isinstance(county, forms.ChoiceField)
        county.choices = [(c.code, c.name) for c in counties]


class ReturnFileForm(StyledForm):
    file = forms.FileField(label=gettext_lazy("Bank's return file (CSV or Excel)"))


class ApproveForm(StyledForm):
    """The approval: an opinion (审核意见) and the explicit confirmation of the lines and total shown."""

    opinion = forms.CharField(
        label=gettext_lazy("Approval opinion"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": gettext_lazy("Write the approval opinion.")},
    )
    confirm = forms.BooleanField(
        error_messages={"required": gettext_lazy("Tick the box to confirm the lines and the total.")}
    )
    count = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    total_fen = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args: Any, batch: PayrollBatch, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"count": batch.payable_count, "total_fen": batch.payable_fen})
        super().__init__(*args, **kwargs)
        confirm = self.fields["confirm"]
        confirm.label = gettext(
            "I have checked this payroll: %(count)s lines to be paid, ¥%(total)s in total (%(held)s lines held back)."
        ) % {"count": batch.payable_count, "total": yuan(batch.payable_fen), "held": batch.held_count}


class BatchFilterForm(StyledForm):
    """The batches list's window (GET): reconciled batches paying a month from this day's month on."""

    since = forms.DateField(
        label=gettext_lazy("Reconciled ones since"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class LineFilterForm(StyledForm):
    """The filter of a batch's lines (GET)."""

    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        choices=[("", gettext_lazy("All")), *PaymentLine.Status.choices],
        required=False,
    )
