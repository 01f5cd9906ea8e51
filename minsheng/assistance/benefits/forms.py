"""Forms of the benefit pages: the changes a county approver makes (review, recompute, reduce, taper, stop) and the
list's filter. Money is entered in yuan."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from minsheng.assistance.benefits.models import Benefit
from minsheng.assistance.benefits.services import ReviewOutcome
from minsheng.assistance.programmes import Programme
from minsheng.core.forms import MonthField, StyledForm, YuanField

REASON_REQUIRED = gettext_lazy("Write down the reasons: the family receives them in writing.")


class _ChangeForm(StyledForm):
    reason = forms.CharField(
        label=gettext_lazy("Reasons"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": REASON_REQUIRED},
    )
    from_month = MonthField(
        label=gettext_lazy("From month"), required=False, help_text=gettext_lazy("Empty: from next month.")
    )


class StopForm(_ChangeForm):
    pass


class ReduceForm(_ChangeForm):
    monthly_yuan = YuanField(label=gettext_lazy("New monthly amount (yuan)"))


class TaperForm(_ChangeForm):
    monthly_yuan = YuanField(
        label=gettext_lazy("Tapered monthly amount (yuan)"),
        required=False,
        help_text=gettext_lazy("Empty: the current amount."),
    )


class RecomputeForm(StyledForm):
    reason = forms.CharField(
        label=gettext_lazy("What changed in the household"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": REASON_REQUIRED},
    )


class ReviewForm(StyledForm):
    outcome = forms.ChoiceField(
        label=gettext_lazy("Outcome"),
        choices=[
            (ReviewOutcome.CONTINUE, gettext_lazy("Still eligible: continue")),
            (ReviewOutcome.TAPER, gettext_lazy("A member found work: taper off (渐退)")),
            (ReviewOutcome.STOP, gettext_lazy("Stop")),
        ],
    )
    reason = forms.CharField(
        label=gettext_lazy("Reasons"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=gettext_lazy("Required to stop or taper."),
    )
    from_month = MonthField(
        label=gettext_lazy("Stop or taper from month"), required=False, help_text=gettext_lazy("Empty: next month.")
    )
    taper_yuan = YuanField(
        label=gettext_lazy("Tapered monthly amount (yuan)"),
        required=False,
    )


class BenefitFilterForm(StyledForm):
    programme = forms.ChoiceField(
        label=gettext_lazy("Programme"), choices=[("", gettext_lazy("All")), *list(Programme.choices)], required=False
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"), choices=[("", gettext_lazy("All")), *list(Benefit.Status.choices)], required=False
    )
    review_due = forms.BooleanField(label=gettext_lazy("Review due"), required=False)
    since = forms.DateField(
        label=gettext_lazy("Stopped ones since"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
