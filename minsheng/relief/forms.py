"""Forms of the relief station. Dates and times are entered as the browser's date and datetime pickers send them."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from minsheng.core.forms import StyledForm
from minsheng.core.numbers import parse_int
from minsheng.relief.models import Admission, Patrol, Station, TracingCheck
from minsheng.relief.services import SERVICES

# Belonging.quantity is a small integer column: a larger number would fail in the database, not in the form.
BELONGING_QUANTITY_MAX = 32767

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DEPARTURES = [(v, label) for v, label in Admission.Departure.choices if v not in ("", Admission.Departure.RESETTLED)]


class AdmissionForm(StyledForm):
    # unscoped: an empty placeholder; __init__ sets the stations the user may work in
    station = forms.ModelChoiceField(label=_("Station"), queryset=Station.objects.unscoped().none())
    admitted_at = forms.DateTimeField(label=_("Admitted at"), widget=DATETIME)
    referral = forms.ChoiceField(label=_("Referred by"), choices=Admission.Referral.choices)
    identity_known = forms.BooleanField(label=_("Identity known"), required=False)
    name = forms.CharField(label=_("Name given"), max_length=50, required=False)
    gender = forms.ChoiceField(label=_("Gender"), choices=Admission.Gender.choices, required=False)
    apparent_age = forms.IntegerField(label=_("Apparent age"), min_value=0, max_value=120, required=False)
    id_number = forms.CharField(label=_("ID number (if known)"), max_length=24, required=False)
    found_at = forms.CharField(label=_("Where found"), max_length=200, required=False)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Height, build, clothing, marks, accent: what helps a family recognise the person."),
    )
    health = forms.ChoiceField(label=_("Health check"), choices=Admission.Health.choices)
    health_note = forms.CharField(label=_("Health check notes"), max_length=500, required=False)
    services = forms.MultipleChoiceField(
        label=_("Services given"), choices=list(SERVICES.items()), required=False, widget=forms.CheckboxSelectMultiple
    )
    stay_days = forms.IntegerField(
        label=_("Stay (days)"),
        min_value=1,
        max_value=365,
        required=False,
        help_text=_("Empty: the limit in force. Longer stays need an extension with its reason."),
    )
    belongings = forms.CharField(
        label=_("Belongings"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One item a line; a quantity after × or * (手机 × 1)."),
    )

    def __init__(self, *args: Any, stations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = stations  # type: ignore[attr-defined]

    def clean_belongings(self) -> tuple[tuple[str, int], ...]:
        items = []
        for line in (self.cleaned_data.get("belongings") or "").splitlines():
            line = line.strip()
            if not line:
                continue
            text, quantity = line, 1
            for mark in ("×", "*", "x "):
                if mark in line:
                    head, _sep, tail = line.rpartition(mark)
                    number = parse_int(tail.strip(), minimum=0)  # ASCII digits: not ² or ٣, not 40 digits
                    if number is not None:
                        text, quantity = head.strip(), number
                    break
            if not text or not 1 <= quantity <= BELONGING_QUANTITY_MAX or len(text) > 200:
                raise forms.ValidationError(_("Write each belonging on its own line, e.g. 手机 × 1."))
            items.append((text, quantity))
        return tuple(items)


class DepartureForm(StyledForm):
    departure = forms.ChoiceField(label=_("How the person left"), choices=DEPARTURES)
    departed_at = forms.DateTimeField(label=_("Left at"), widget=DATETIME, required=False, help_text=_("Empty: now."))
    destination = forms.CharField(label=_("Destination or receiving party"), max_length=200, required=False)
    note = forms.CharField(label=_("Notes"), max_length=500, required=False)


class ExtensionForm(StyledForm):
    until = forms.DateField(label=_("Extend until"), widget=DATE)
    reason = forms.CharField(label=_("Reason"), max_length=500)


class ServicesForm(StyledForm):
    services = forms.MultipleChoiceField(
        label=_("Services given"), choices=list(SERVICES.items()), required=False, widget=forms.CheckboxSelectMultiple
    )


class BelongingForm(StyledForm):
    description = forms.CharField(label=pgettext_lazy("belonging", "Item"), max_length=200)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=999, initial=1)


class CheckForm(StyledForm):
    kind = forms.ChoiceField(label=pgettext_lazy("family tracing", "Check"), choices=TracingCheck.Kind.choices)
    requested_on = forms.DateField(label=_("Requested on"), widget=DATE)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class CheckResultForm(StyledForm):
    result = forms.ChoiceField(label=_("Result"), choices=[c for c in TracingCheck.Result.choices if c[0]])
    result_on = forms.DateField(label=_("Result on"), widget=DATE)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class AnnouncementForm(StyledForm):
    text = forms.CharField(
        label=_("Announcement text"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the public may see: description, where and when found. Never an ID number."),
    )
    photo = forms.FileField(label=_("Photo (JPG or PNG)"), required=False)


class ReuniteForm(StyledForm):
    note = forms.CharField(label=_("Family found"), max_length=500, help_text=_("Who the family is, how found."))


class ResettleForm(StyledForm):
    name = forms.CharField(label=_("Registered name"), max_length=50)
    id_number = forms.CharField(label=_("ID number given by the police"), max_length=24)
    village = forms.CharField(label=_("Village or community of registration (12 digits)"), max_length=12)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class PatrolForm(StyledForm):
    # unscoped: an empty placeholder; __init__ sets the stations the user may work in
    station = forms.ModelChoiceField(label=_("Station"), queryset=Station.objects.unscoped().none())
    kind = forms.ChoiceField(label=_("Kind"), choices=Patrol.Kind.choices)
    on = forms.DateField(label=_("Date"), widget=DATE)
    places = forms.CharField(label=_("Places"), max_length=300)
    persons_reached = forms.IntegerField(label=_("Persons reached"), min_value=0, max_value=100000)
    persons_admitted = forms.IntegerField(
        label=_("Of them brought to the station"), min_value=0, max_value=100000, initial=0
    )
    given = forms.CharField(label=_("What was given"), max_length=500, required=False)

    def __init__(self, *args: Any, stations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = stations  # type: ignore[attr-defined]


class StationForm(StyledForm):
    area = forms.CharField(label=_("Area code (12 digits)"), max_length=12)
    name = forms.CharField(label=_("Name"), max_length=100)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    phone = forms.CharField(label=_("Public phone"), max_length=30, required=False)
