"""Forms of the steps of the 低保 / 特困 procedure (``steps.STEPS`` names each step's form).

Every form takes the case (``case=``) and gives the keyword arguments of its step's service (``arguments()``), so
that one view serves every step."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy, pgettext_lazy

from minsheng.accounts.models import User
from minsheng.assistance.procedure import selectors
from minsheng.assistance.procedure.models import ProgrammeCase
from minsheng.core.forms import StyledForm

DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class StepForm(StyledForm):
    """A step's form; with no fields of its own, the form of a step that needs nothing but the click."""

    def __init__(self, *args: Any, case: ProgrammeCase, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.case = case

    def arguments(self) -> dict[str, Any]:
        """The service's keyword arguments besides ``actor`` and ``case``: by default the cleaned fields."""
        return dict(self.cleaned_data)


class RelativeForm(StepForm):
    note = forms.CharField(label=gettext_lazy("Whose relative (name, post)"), max_length=200)


class InvestigationForm(StepForm):
    investigated_on = forms.DateField(label=gettext_lazy("Visited on"), widget=DATE)
    investigator_1 = forms.ModelChoiceField(label=gettext_lazy("First investigator"), queryset=User.objects.none())
    investigator_2 = forms.ModelChoiceField(label=gettext_lazy("Second investigator"), queryset=User.objects.none())
    findings = forms.CharField(label=gettext_lazy("Findings"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, case: ProgrammeCase, **kwargs: Any) -> None:
        super().__init__(*args, case=case, **kwargs)
        candidates = selectors.investigator_candidates(case)
        for name in ("investigator_1", "investigator_2"):
            self.fields[name].queryset = candidates  # type: ignore[attr-defined]
        self.fields["investigated_on"].initial = timezone.localdate()


class VerificationResultForm(StepForm):
    result = forms.ChoiceField(
        label=gettext_lazy("Result"),
        choices=[(c.value, c.label) for c in ProgrammeCase.VerificationResult if c.value],
    )
    report = forms.CharField(label=gettext_lazy("Report"), widget=forms.Textarea(attrs={"rows": 3}))


class InitialReviewForm(StepForm):
    proposal = forms.ChoiceField(
        label=gettext_lazy("Proposal"),
        choices=[("approve", gettext_lazy("Propose approval")), ("refuse", gettext_lazy("Propose refusal"))],
    )
    opinion = forms.CharField(
        label=pgettext_lazy("initial review", "Opinion"), widget=forms.Textarea(attrs={"rows": 3})
    )

    def arguments(self) -> dict[str, Any]:
        return {"approve": self.cleaned_data["proposal"] == "approve", "opinion": self.cleaned_data["opinion"]}


class PublicityForm(StepForm):
    start = forms.DateField(label=gettext_lazy("Public notice from"), widget=DATE)

    def __init__(self, *args: Any, case: ProgrammeCase, **kwargs: Any) -> None:
        super().__init__(*args, case=case, **kwargs)
        self.fields["start"].initial = timezone.localdate()


class ObjectionForm(StepForm):
    received_on = forms.DateField(label=gettext_lazy("Received on"), widget=DATE)
    text = forms.CharField(label=gettext_lazy("Objection"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, case: ProgrammeCase, **kwargs: Any) -> None:
        super().__init__(*args, case=case, **kwargs)
        self.fields["received_on"].initial = timezone.localdate()


class PublicityCloseForm(StepForm):
    democratic_review = forms.BooleanField(label=gettext_lazy("Hold a democratic review"), required=False)


class RecordForm(StepForm):
    record = forms.CharField(
        label=pgettext_lazy("procedure record", "Record"), widget=forms.Textarea(attrs={"rows": 3})
    )


class VisitForm(StepForm):
    visited_on = forms.DateField(label=gettext_lazy("Visited on"), widget=DATE)
    note = forms.CharField(label=gettext_lazy("Findings"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, case: ProgrammeCase, **kwargs: Any) -> None:
        super().__init__(*args, case=case, **kwargs)
        self.fields["visited_on"].initial = timezone.localdate()


class ReasonForm(StepForm):
    reason = forms.CharField(label=gettext_lazy("Reasons"), widget=forms.Textarea(attrs={"rows": 2}))


class ApproveForm(StepForm):
    reason = forms.CharField(
        label=gettext_lazy("Reasons (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
