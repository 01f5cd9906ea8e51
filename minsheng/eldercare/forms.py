"""Forms of elderly care's pages; every input bounded."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from minsheng.core.forms import StyledForm
from minsheng.core.months import parse_month
from minsheng.eldercare.models import Facility, Inspection, LivenessCheck, Service, ServiceVisit, UncoveredNeed
from minsheng.eldercare.services import RECORDED_CATEGORIES

DATE = forms.DateInput(attrs={"type": "date"})
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class MonthField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=7, **kwargs)

    def clean(self, value: Any) -> Any:
        text = super().clean(value)
        if not text:
            return None
        try:
            return parse_month(text)
        except ValueError:
            raise forms.ValidationError(_("Enter a month as YYYY-MM.")) from None


class FacilityForm(StyledForm):
    area = forms.CharField(label=_("Area code"), max_length=12, min_length=12)
    kind = forms.ChoiceField(label=_("Kind"), choices=Facility.Kind.choices)
    name = forms.CharField(label=_("Name"), max_length=100)
    operator = forms.CharField(label=_("Operator"), max_length=100)
    public = forms.BooleanField(label=_("Publicly run"), required=False)
    permit = forms.ChoiceField(label=_("Licence or filing"), choices=Facility.Permit.choices)
    permit_number = forms.CharField(label=_("Licence or filing number"), max_length=40)
    permit_on = forms.DateField(label=_("Licensed or filed on"), widget=DATE)
    beds = forms.IntegerField(label=_("Beds"), min_value=0, max_value=20000)
    star_rating = forms.IntegerField(label=_("Star rating"), min_value=0, max_value=5, initial=0)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)


class InspectionForm(StyledForm):
    on = forms.DateField(label=_("Inspected on"), widget=DATE)
    result = forms.ChoiceField(label=_("Result"), choices=Inspection.Result.choices)
    findings = forms.CharField(label=_("Findings"), max_length=1000, required=False, widget=forms.Textarea)
    rectify_by = forms.DateField(label=_("Rectify by"), required=False, widget=DATE)


class ResidentForm(StyledForm):
    person = forms.IntegerField(label=_("Person number in the registry"), min_value=1, max_value=2**62)
    admitted_on = forms.DateField(label=_("Admitted on"), widget=DATE)


class CircumstanceForm(StyledForm):
    person = forms.IntegerField(label=_("Person number in the registry"), min_value=1, max_value=2**62)
    kind = forms.ChoiceField(label=_("Circumstance"), choices=[(c.value, c.label) for c in RECORDED_CATEGORIES])
    since = forms.DateField(label=pgettext_lazy("circumstance", "Since"), widget=DATE)


class ProviderForm(StyledForm):
    area = forms.CharField(label=_("Area code"), max_length=12, min_length=12)
    name = forms.CharField(label=_("Name"), max_length=100)
    credit_code = forms.CharField(label=_("Unified social credit code"), max_length=18, min_length=18)
    contact = forms.CharField(label=_("Contact"), max_length=60, required=False)


class ContractForm(StyledForm):
    area = forms.CharField(label=_("Area code (county or township)"), max_length=12, min_length=12)
    number = forms.CharField(label=_("Contract number"), max_length=40)
    valid_from = forms.DateField(label=_("Valid from"), widget=DATE)
    valid_to = forms.DateField(label=_("Valid to"), widget=DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code, label in Service.choices:
            self.fields[f"price_{code}"] = forms.DecimalField(
                label=_("%(service)s: yuan per visit") % {"service": label},
                required=False,
                min_value=0,
                max_value=10000,
                decimal_places=2,
            )

    def prices(self) -> dict[str, int]:
        return {
            code: int(self.cleaned_data[f"price_{code}"] * 100)
            for code in Service.values
            if self.cleaned_data.get(f"price_{code}")
        }


class MonthForm(StyledForm):
    month = MonthField(label=_("Month (YYYY-MM)"))


class NeedFilterForm(StyledForm):
    """The filter of the needs no provider covers: a month and a status, both optional."""

    month = MonthField(label=_("Month (YYYY-MM)"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["status"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("All")), *UncoveredNeed.Status.choices]


class SettlementForm(StyledForm):
    provider = forms.IntegerField(label=_("Provider number"), min_value=1, max_value=2**62)
    month = MonthField(label=_("Month (YYYY-MM)"))


class VisitForm(StyledForm):
    """The visit as the worker records it (the phone page sends the same fields)."""

    client_uuid = forms.UUIDField(widget=forms.HiddenInput)
    checked_in_at = forms.DateTimeField(label=_("Checked in at"), widget=DATETIME)
    checked_out_at = forms.DateTimeField(label=_("Checked out at"), widget=DATETIME)
    latitude = forms.DecimalField(label=_("Latitude"), required=False, min_value=-90, max_value=90, decimal_places=6)
    longitude = forms.DecimalField(
        label=_("Longitude"), required=False, min_value=-180, max_value=180, decimal_places=6
    )
    steps = forms.MultipleChoiceField(label=_("Steps done"), required=False, widget=forms.CheckboxSelectMultiple)
    satisfaction = forms.TypedChoiceField(
        label=_("Satisfaction"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—"), *((str(n), str(n)) for n in range(5, 0, -1))],
    )
    family_note = forms.CharField(label=_("Note to the family"), max_length=300, required=False)
    finding = forms.ChoiceField(label=_("Finding"), choices=ServiceVisit.Finding.choices)
    finding_note = forms.CharField(label=_("What was found"), max_length=300, required=False)

    def __init__(self, *args: Any, steps: tuple[tuple[str, Any], ...] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        steps_field = self.fields["steps"]
        assert isinstance(steps_field, forms.MultipleChoiceField)
        steps_field.choices = list(steps)


class VerifyForm(StyledForm):
    decision = forms.ChoiceField(choices=[("accept", _("Verify")), ("reject", _("Reject"))])
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class LivenessForm(StyledForm):
    method = forms.ChoiceField(label=_("How"), choices=LivenessCheck.Method.choices)
    alive = forms.ChoiceField(label=_("Result"), choices=[("yes", _("Confirmed alive")), ("no", _("Not found"))])


class DeathForm(StyledForm):
    decision = forms.ChoiceField(choices=[("stop", _("Stop the 尊老金")), ("dismiss", _("Dismiss: the person lives"))])
    note = forms.CharField(label=_("Note"), max_length=300)
