"""Forms of the social-organisation registry and social work. Amounts are typed in yuan and cleaned to fen; the
services validate the rest (credit code, divisions, dates) and their errors are shown under the field they name."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from minsheng.areas.models import Division
from minsheng.core.forms import StyledForm, YuanField
from minsheng.social.models import AnnualReport, Donation, Organisation, ServiceField, SocialWorker, Station

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
AREA_HELP = _("The 12-digit statistical division code.")


def _blank(choices: list[tuple[str, Any]], label: Any) -> list[tuple[str, Any]]:
    return [("", label), *choices]


class OrganisationForm(StyledForm):
    kind = forms.ChoiceField(label=_("Type"), choices=Organisation.Kind.choices)
    name = forms.CharField(label=_("Name"), max_length=100)
    credit_code = forms.CharField(
        label=_("Unified social credit code"),
        max_length=30,
        required=False,
        help_text=_("18 characters; a community social organisation filed with a township may have none."),
    )
    service_field = forms.ChoiceField(label=_("Service field"), choices=ServiceField.choices)
    registrar = forms.ChoiceField(label=_("Registered by"))
    area = forms.CharField(label=_("Domicile (division code)"), max_length=12, help_text=AREA_HELP)
    registered_on = forms.DateField(label=_("Registered on"), widget=DATE)
    legal_representative = forms.CharField(label=_("Legal representative"), max_length=50, required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    phone = forms.CharField(label=_("Public phone"), max_length=30, required=False)

    def __init__(self, *args: Any, registrars: list[Division], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["registrar"].choices = [(d.code, d.name) for d in registrars]  # type: ignore[attr-defined]


class FilterForm(StyledForm):
    """The search of the registry (GET): every part optional, bounded."""

    name = forms.CharField(label=_("Name contains"), max_length=50, required=False)
    credit_code = forms.CharField(label=_("Credit code"), max_length=18, required=False)
    area = forms.CharField(label=_("Area code"), max_length=12, required=False)
    kind = forms.ChoiceField(label=_("Type"), choices=_blank(Organisation.Kind.choices, _("Any type")), required=False)
    service_field = forms.ChoiceField(
        label=_("Service field"), choices=_blank(ServiceField.choices, _("Any field")), required=False
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[*Organisation.Status.choices, ("all", _("Any status"))], required=False
    )


class GradeForm(StyledForm):
    grade = forms.TypedChoiceField(
        label=_("Evaluation grade"), coerce=int, choices=[(g, f"{g}A") for g in range(5, 0, -1)]
    )
    graded_on = forms.DateField(label=_("Evaluated on"), widget=DATE)


class CharityForm(StyledForm):
    charity_since = forms.DateField(label=_("Recognised as a charity on"), widget=DATE, required=False)
    fundraising_since = forms.DateField(label=_("Public fundraising qualified on"), widget=DATE, required=False)


class EndForm(StyledForm):
    revoked = forms.TypedChoiceField(
        label=_("How it ends"),
        coerce=lambda v: v == "revoked",
        choices=[("deregistered", _("Deregistered (注销)")), ("revoked", _("Registration revoked (撤销)"))],
    )
    ended_on = forms.DateField(label=_("On"), widget=DATE)
    reason = forms.CharField(label=_("Reason"), max_length=500)


class ReportForm(StyledForm):
    year = forms.IntegerField(label=_("Year reported"), min_value=1949, max_value=2100)
    submitted_on = forms.DateField(label=_("Submitted on"), widget=DATE)
    income = YuanField(label=_("Income (yuan)"), allow_zero=True)
    expenditure = YuanField(label=_("Expenditure (yuan)"), allow_zero=True)
    staff = forms.IntegerField(label=_("Full-time staff"), min_value=0, max_value=100_000)


class InspectForm(StyledForm):
    result = forms.ChoiceField(
        label=_("Inspection result"),
        choices=[c for c in AnnualReport.Result.choices if c[0] != AnnualReport.Result.PENDING],
    )
    note = forms.CharField(label=_("Inspection note"), max_length=500, required=False)


class StationForm(StyledForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=Station.Kind.choices)
    area = forms.CharField(
        label=_("Community or township (division code)"),
        max_length=12,
        help_text=_("A centre belongs to a village or community, a station to a township."),
    )
    name = forms.CharField(label=_("Name"), max_length=100)
    opened_on = forms.DateField(label=_("Opened on"), widget=DATE)
    standard = forms.BooleanField(label=_("Meets the standard"), required=False)
    floor_area = forms.IntegerField(label=_("Floor area (m²)"), min_value=0, max_value=100_000, initial=0)
    operator = forms.CharField(label=_("Operated by (credit code)"), max_length=18, required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    phone = forms.CharField(label=_("Public phone"), max_length=30, required=False)


class AssessForm(StyledForm):
    standard = forms.BooleanField(label=_("Meets the standard"), required=False)


class WorkerForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=50)
    level = forms.ChoiceField(label=_("Licence level"), choices=SocialWorker.Level.choices)
    certificate_number = forms.CharField(label=_("Certificate number"), max_length=30, required=False)
    certified_year = forms.IntegerField(label=_("Certified in"), min_value=2008, max_value=2100, required=False)
    area = forms.CharField(label=_("Area (division code)"), max_length=12, help_text=AREA_HELP)
    employer = forms.CharField(
        label=_("Employer"),
        max_length=18,
        required=False,
        help_text=_("An organisation's credit code, or a station's or centre's division code; empty for none."),
    )


class ProjectForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    area = forms.CharField(label=_("Area (division code)"), max_length=12, help_text=AREA_HELP)
    service_field = forms.ChoiceField(label=_("Service field"), choices=ServiceField.choices)
    description = forms.CharField(label=_("What it offers"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    organisation = forms.CharField(label=_("Organisation (credit code)"), max_length=18, required=False)
    starts_on = forms.DateField(label=_("Starts on"), widget=DATE)
    ends_on = forms.DateField(label=_("Ends on"), widget=DATE, required=False)
    accepts_referrals = forms.BooleanField(label=_("Accepts referrals"), required=False, initial=True)


class DonationForm(StyledForm):
    donor = forms.CharField(label=_("Donor"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=Donation.Kind.choices)
    amount = YuanField(label=_("Amount or value (yuan)"))
    goods = forms.CharField(label=_("Goods"), max_length=200, required=False)
    received_on = forms.DateField(label=_("Received on"), widget=DATE)
