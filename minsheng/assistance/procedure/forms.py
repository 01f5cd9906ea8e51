"""Forms of the steps of the 低保 / 特困 procedure."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy

from minsheng.accounts.models import User
from minsheng.assistance.procedure import selectors
from minsheng.assistance.procedure.models import ProgrammeCase
from minsheng.core.forms import StyledForm

DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class RelativeForm(StyledForm):
    note = forms.CharField(label=gettext_lazy("Whose relative (name, post)"), max_length=200)


class InvestigationForm(StyledForm):
    investigated_on = forms.DateField(label=gettext_lazy("Visited on"), widget=DATE)
    investigator_1 = forms.ModelChoiceField(label=gettext_lazy("First investigator"), queryset=User.objects.none())
    investigator_2 = forms.ModelChoiceField(label=gettext_lazy("Second investigator"), queryset=User.objects.none())
    findings = forms.CharField(label=gettext_lazy("Findings"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, case: ProgrammeCase, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        candidates = selectors.investigator_candidates(case)
        for name in ("investigator_1", "investigator_2"):
            self.fields[name].queryset = candidates  # type: ignore[attr-defined]
        self.fields["investigated_on"].initial = timezone.localdate()


class VerificationResultForm(StyledForm):
    result = forms.ChoiceField(
        label=gettext_lazy("Result"),
        choices=[(c.value, c.label) for c in ProgrammeCase.VerificationResult if c.value],
    )
    report = forms.CharField(label=gettext_lazy("Report"), widget=forms.Textarea(attrs={"rows": 3}))


class InitialReviewForm(StyledForm):
    proposal = forms.ChoiceField(
        label=gettext_lazy("Proposal"),
        choices=[("approve", gettext_lazy("Propose approval")), ("refuse", gettext_lazy("Propose refusal"))],
    )
    opinion = forms.CharField(label=gettext_lazy("Opinion"), widget=forms.Textarea(attrs={"rows": 3}))


class PublicityForm(StyledForm):
    start = forms.DateField(label=gettext_lazy("Public notice from"), widget=DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["start"].initial = timezone.localdate()


class ObjectionForm(StyledForm):
    received_on = forms.DateField(label=gettext_lazy("Received on"), widget=DATE)
    text = forms.CharField(label=gettext_lazy("Objection"), widget=forms.Textarea(attrs={"rows": 2}))


class PublicityCloseForm(StyledForm):
    democratic_review = forms.BooleanField(label=gettext_lazy("Hold a democratic review"), required=False)


class RecordForm(StyledForm):
    record = forms.CharField(label=gettext_lazy("Record"), widget=forms.Textarea(attrs={"rows": 3}))


class VisitForm(StyledForm):
    visited_on = forms.DateField(label=gettext_lazy("Visited on"), widget=DATE)
    note = forms.CharField(label=gettext_lazy("Findings"), widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(StyledForm):
    reason = forms.CharField(label=gettext_lazy("Reasons"), widget=forms.Textarea(attrs={"rows": 2}))


class ApproveForm(StyledForm):
    reason = forms.CharField(
        label=gettext_lazy("Reasons (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
