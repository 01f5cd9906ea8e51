"""Forms of the volunteers' pages: every input bounded, errors in Chinese (the services' own errors are shown under
the field they name, ``core.forms.add_service_errors``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minsheng.core.forms import StyledForm
from minsheng.volunteers.models import ServiceRecord

HOURS = {
    "min_value": Decimal("0.1"),
    "max_value": Decimal("24"),
    "decimal_places": 1,
    "max_digits": 3,
}


def tenths(value: Decimal) -> int:
    return int(value * 10)


class SearchForm(StyledForm):
    q = forms.CharField(label=_("Name, pinyin or ID number"), max_length=50, required=False)
    area = forms.RegexField(label=_("Area code"), regex=r"^\d{2,12}$", max_length=12, required=False)
    page = forms.IntegerField(min_value=1, max_value=200, required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].error_messages["invalid"] = _("An area code is 2 to 12 digits.")


class VolunteerForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=50)
    id_number = forms.CharField(label=_("ID number"), max_length=22)
    area = forms.RegexField(label=_("Area (township or village code)"), regex=r"^\d{12}$", max_length=12)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    guardian_name = forms.CharField(label=_("Guardian (for a minor)"), max_length=50, required=False)
    guardian_phone = forms.CharField(label=_("Guardian's phone"), max_length=20, required=False)
    guardian_consent_on = forms.DateField(
        label=_("Guardian's consent given on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].error_messages["invalid"] = _("Enter the 12-digit code of a township or village.")


class TeamForm(StyledForm):
    name = forms.CharField(label=_("Team name"), max_length=100)
    area = forms.RegexField(label=_("Area code (12 digits)"), regex=r"^\d{12}$", max_length=12)
    founding_organisation = forms.IntegerField(
        label=_("Founding social organisation (number)"), min_value=1, max_value=2**53, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].error_messages["invalid"] = _("Enter the 12-digit code of a county, township or village.")


class JoinForm(StyledForm):
    id_number = forms.CharField(label=_("Volunteer's ID number"), max_length=22)


class ActivityForm(StyledForm):
    title = forms.CharField(label=_("Activity"), max_length=100)
    held_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    place = forms.CharField(label=_("Place"), max_length=100)
    hours = forms.DecimalField(label=_("Hours"), **HOURS)  # type: ignore[arg-type]

    def clean_held_on(self) -> dt.date:
        held_on: dt.date = self.cleaned_data["held_on"]
        if held_on.year < 2000 or held_on > timezone.localdate() + dt.timedelta(days=366):
            raise forms.ValidationError(_("Enter a date between 2000 and next year."))
        return held_on


class HoursForm(StyledForm):
    """The hours of the team's volunteers chosen, each the same hours and content (one activity or task)."""

    volunteers = forms.TypedMultipleChoiceField(
        label=_("Volunteers who served"), coerce=int, widget=forms.CheckboxSelectMultiple
    )
    hours = forms.DecimalField(label=_("Hours each"), **HOURS)  # type: ignore[arg-type]
    content = forms.CharField(label=_("What was done"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    evaluation = forms.ChoiceField(label=_("Evaluation"), choices=ServiceRecord.Evaluation.choices, initial="good")

    def __init__(self, *args: Any, members: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["volunteers"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.choices = members
        field.error_messages["invalid_choice"] = _("Choose volunteers of the team.")


class TakeForm(StyledForm):
    """Who takes the task: one of the actor's teams serving the task's area, or a registered social organisation of
    the area (values ``team-<id>`` and ``organisation-<id>``, grouped)."""

    taker = forms.ChoiceField(label=_("Team or social organisation that takes it"))

    def __init__(
        self,
        *args: Any,
        teams: Sequence[tuple[int, str]],
        organisations: Sequence[tuple[int, str]] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["taker"]
        assert isinstance(field, forms.ChoiceField)
        choices: list[Any] = []
        if teams:
            choices.append((_("Volunteer teams"), [(f"team-{pk}", name) for pk, name in teams]))
        if organisations:
            choices.append((_("Social organisations"), [(f"organisation-{pk}", name) for pk, name in organisations]))
        field.choices = choices
        field.error_messages["invalid_choice"] = _(
            "Choose one of your teams, or a registered social organisation, of the task's area."
        )

    def chosen(self) -> tuple[str, int]:
        """The kind chosen (``team`` or ``organisation``) and its id."""
        kind, _sep, pk = self.cleaned_data["taker"].partition("-")
        return kind, int(pk)


class CompleteForm(HoursForm):
    served_on = forms.DateField(label=_("Done on"), widget=forms.DateInput(attrs={"type": "date"}))
    outcome = forms.CharField(label=_("What came of it"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, members: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, members=members, **kwargs)
        for name in ("volunteers", "hours", "content"):
            self.fields[name].required = False


class VerifyForm(StyledForm):
    code = forms.CharField(label=_("Verification code"), max_length=24)
