"""Forms of children in difficulty: what a director types, bounded (``core.limits``); the rules live in services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from minsheng.assistance.rules.specs import CHILD_RISK_FACTORS
from minsheng.children.models import (
    RECORDED_CATEGORIES,
    CarePlace,
    Category,
    Child,
    MandatoryReport,
    ParentSituation,
    Referral,
)
from minsheng.core.forms import StyledForm
from minsheng.core.limits import LABEL_MAX, NAME_MAX, REASON_MAX, TEXT_MAX

RECORDED_CHOICES = [(c.value, c.label) for c in Category if c.value in RECORDED_CATEGORIES]


class FileForm(StyledForm):
    guardian = forms.TypedChoiceField(label=_("Guardian"), coerce=int, required=False, empty_value=None)
    guardian_relation = forms.CharField(label=_("Guardian's relation"), max_length=40, required=False)
    school = forms.CharField(label=_("School"), max_length=LABEL_MAX, required=False)
    health = forms.CharField(label=_("Health"), max_length=REASON_MAX, required=False)
    disability = forms.CharField(label=_("Disability"), max_length=REASON_MAX, required=False)
    needs = forms.CharField(
        label=_("Needs"), max_length=TEXT_MAX, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    recorded_categories = forms.MultipleChoiceField(
        label=_("Other categories (recorded)"),
        choices=RECORDED_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, guardians: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["guardian"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "—"), *((p.pk, f"{p.name} · {p.id_masked}") for p in guardians)]


class DeFactoForm(StyledForm):
    father = forms.ChoiceField(label=_("Father's situation"), choices=ParentSituation.choices)
    father_evidence = forms.CharField(label=_("Evidence (father)"), max_length=REASON_MAX)
    mother = forms.ChoiceField(label=_("Mother's situation"), choices=ParentSituation.choices)
    mother_evidence = forms.CharField(label=_("Evidence (mother)"), max_length=REASON_MAX)


class AssessForm(StyledForm):
    factors = forms.MultipleChoiceField(
        label=_("Risk factors found"), choices=CHILD_RISK_FACTORS, required=False, widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(label=_("Note"), max_length=REASON_MAX, required=False)


class VisitForm(StyledForm):
    visited_on = forms.DateField(label=_("Visited on"))
    note = forms.CharField(label=_("Note"), max_length=REASON_MAX, required=False)


class PlanForm(StyledForm):
    goal = forms.CharField(label=_("Goal of the plan"), max_length=REASON_MAX)


class ServiceForm(StyledForm):
    service = forms.CharField(label=_("Service"), max_length=LABEL_MAX)
    responsible = forms.CharField(label=_("Responsible person"), max_length=NAME_MAX)
    follow_up_on = forms.DateField(label=_("Follow up on"))


class ReferralForm(StyledForm):
    to_kind = forms.ChoiceField(label=_("Referred to"), choices=Referral.To.choices)
    to_name = forms.CharField(label=_("Name"), max_length=LABEL_MAX)
    reason = forms.CharField(label=_("Reason"), max_length=REASON_MAX)


class AnswerForm(StyledForm):
    accepted = forms.TypedChoiceField(
        label=_("Answer"), choices=[("1", _("Accepted")), ("0", _("Declined"))], coerce=lambda v: v == "1"
    )
    note = forms.CharField(label=_("Note"), max_length=REASON_MAX, required=False)


class OutcomeForm(StyledForm):
    outcome = forms.CharField(label=_("Outcome"), max_length=REASON_MAX)


class CloseForm(StyledForm):
    closure = forms.ChoiceField(label=_("Closed because"), choices=Child.Closure.choices)
    note = forms.CharField(label=_("Note"), max_length=REASON_MAX, required=False)
    handover = forms.CharField(label=_("Handed over to"), max_length=LABEL_MAX, required=False)


class ReopenForm(StyledForm):
    reason = forms.CharField(label=_("Reason"), max_length=REASON_MAX)


class ReportForm(StyledForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=MandatoryReport.Kind.choices)
    description = forms.CharField(
        label=_("What was seen or heard"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )


class PoliceForm(StyledForm):
    unit = forms.CharField(label=_("Police station"), max_length=LABEL_MAX)
    reference = forms.CharField(label=_("Police reference"), max_length=60, required=False)


class ReviewForm(StyledForm):
    review = forms.CharField(label=_("Supervisor's review"), max_length=REASON_MAX)


class PlaceForm(StyledForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=CarePlace.Kind.choices)
    name = forms.CharField(label=_("Name"), max_length=LABEL_MAX)
    area = forms.CharField(label=_("Area code"), min_length=12, max_length=12)
    opened_on = forms.DateField(label=_("Opened on"))


class ProjectForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=LABEL_MAX)
    area = forms.CharField(label=_("Area code"), min_length=12, max_length=12)
    capacity = forms.IntegerField(label=_("Capacity"), min_value=1, max_value=10000)
    starts_on = forms.DateField(label=_("Starts on"))
    ends_on = forms.DateField(label=_("Ends on"))


class EnrolForm(StyledForm):
    child = forms.IntegerField(label=_("Case number"), min_value=1, max_value=2**62)


class AttendanceForm(StyledForm):
    on = forms.DateField(label=_("Date"))
    children = forms.CharField(label=_("Case numbers present (comma-separated)"), max_length=2000)

    def clean_children(self) -> list[int]:
        parts = [p.strip() for p in self.cleaned_data["children"].replace("，", ",").split(",") if p.strip()]
        if not parts or len(parts) > 200 or not all(p.isdigit() and len(p) < 18 for p in parts):
            raise forms.ValidationError(_("Enter up to 200 case numbers separated by commas."))
        return [int(p) for p in parts]
