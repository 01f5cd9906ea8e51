from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from minsheng.areas.forms import DivisionCodeField
from minsheng.core.forms import StyledForm
from minsheng.core.limits import LABEL_MAX, NAME_MAX, REASON_MAX
from minsheng.people.idnumbers import InvalidIdNumber, parse_id_number
from minsheng.people.models import Membership, Person
from minsheng.people.selectors import PersonIllnesses, person_illnesses

DATE = forms.DateInput(attrs={"type": "date"})


class PersonSearchForm(StyledForm):
    id_number = forms.CharField(label=_("ID number"), required=False, max_length=20)
    name = forms.CharField(label=_("Name or pinyin"), required=False, max_length=NAME_MAX)
    area = forms.CharField(label=_("Area code"), required=False, max_length=12)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any")), *Person.Status.choices])


class PersonForm(StyledForm):
    name = forms.CharField(label=_("Full name"), max_length=NAME_MAX)
    id_number = forms.CharField(
        label=_("ID number"), max_length=20, help_text=_("18 characters; a 15-digit number is converted.")
    )
    hukou_area = DivisionCodeField(label=_("Household registration (village code)"))
    residence_area = DivisionCodeField(
        label=_("Place of residence (village code)"),
        required=False,
        help_text=_("Leave empty when the same as the household registration."),
    )
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    labour_capacity = forms.ChoiceField(label=_("Labour capacity"), choices=Person.LabourCapacity.choices)
    bank_name = forms.CharField(label=_("Bank"), max_length=60, required=False)
    bank_account = forms.CharField(label=_("Bank account"), max_length=40, required=False)

    def __init__(self, *args: Any, divisions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["hukou_area"].divisions = divisions  # type: ignore[attr-defined]
        self.fields["residence_area"].divisions = divisions  # type: ignore[attr-defined]

    def clean_id_number(self) -> str:
        """Checked here too, so a wrong ID shows together with the form's other errors."""
        try:
            return parse_id_number(self.cleaned_data["id_number"]).number
        except InvalidIdNumber as exc:
            raise forms.ValidationError(str(exc)) from None


class PersonChangeForm(StyledForm):
    """Every field starts with the current value; only fields the clerk changed are submitted as changes."""

    name = forms.CharField(label=_("Full name"), max_length=NAME_MAX)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=Person.Status.choices)
    status_date = forms.DateField(label=_("Date of death or move"), required=False, widget=DATE)
    hukou_area = forms.CharField(label=_("Household registration (village code)"), max_length=12)
    residence_area = forms.CharField(label=_("Place of residence (village code)"), max_length=12)
    labour_capacity = forms.ChoiceField(label=_("Labour capacity"), choices=Person.LabourCapacity.choices)
    illnesses = forms.MultipleChoiceField(label=_("Serious illnesses"), required=False, widget=forms.SelectMultiple)
    bank_name = forms.CharField(label=_("Bank"), max_length=60, required=False)
    bank_account = forms.CharField(
        label=_("Bank account (full number, only to change it)"), max_length=40, required=False
    )
    reason = forms.CharField(label=_("Reason for the change"), max_length=REASON_MAX)

    def __init__(self, *args: Any, person: Person, illnesses: PersonIllnesses | None = None, **kwargs: Any) -> None:
        """``illnesses``: the person's and those in use, when the page has read them already (else read here)."""
        if illnesses is None:
            illnesses = person_illnesses(person)
        initial = {
            "name": person.name,
            "status": person.status,
            "status_date": person.status_date,
            "hukou_area": person.hukou_area_id,
            "residence_area": person.residence_area_id,
            "labour_capacity": person.labour_capacity,
            "illnesses": sorted(i.code for i in illnesses.held),
            "bank_name": person.bank_name,
        }
        super().__init__(*args, initial=initial, **kwargs)
        illness_field: forms.MultipleChoiceField = self.fields["illnesses"]  # type: ignore[assignment]
        illness_field.choices = [(i.code, i.name) for i in illnesses.in_use]
        self.fields["phone"].help_text = _("Now: %(masked)s. Leave empty to keep it.") % {
            "masked": person.phone_masked or "—"
        }

    def changes(self) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        for name in ("name", "status", "status_date", "hukou_area", "residence_area", "labour_capacity", "bank_name"):
            value = self.cleaned_data.get(name)
            if value != self.initial.get(name) and not (value in ("", None) and self.initial.get(name) in ("", None)):
                changes[name] = value
        if sorted(self.cleaned_data.get("illnesses") or []) != self.initial["illnesses"]:
            changes["illnesses"] = sorted(self.cleaned_data["illnesses"])
        for name in ("phone", "bank_account"):
            if self.cleaned_data.get(name):
                changes[name] = self.cleaned_data[name]
        if "status" in changes and "status_date" not in changes and self.cleaned_data.get("status_date"):
            changes["status_date"] = self.cleaned_data["status_date"]
        return changes


class HouseholdCreateForm(StyledForm):
    area = DivisionCodeField(label=_("Village or community"))
    head_id_number = forms.CharField(label=_("ID number of the head"), max_length=20)
    address = forms.CharField(label=_("Address"), max_length=LABEL_MAX, required=False)
    joined_on = forms.DateField(label=_("Since"), widget=DATE)

    def __init__(self, *args: Any, divisions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].divisions = divisions  # type: ignore[attr-defined]


class MemberAddForm(StyledForm):
    id_number = forms.CharField(label=_("ID number"), max_length=20)
    relation = forms.ChoiceField(
        label=_("Relation to the head"), choices=[c for c in Membership.Relation.choices if c[0] != "head"]
    )
    living_together = forms.BooleanField(label=_("Counts as living together"), required=False, initial=True)
    exclusion = forms.ChoiceField(
        label=_("If not, why"), required=False, choices=[("", "—"), *Membership.Exclusion.choices]
    )
    joined_on = forms.DateField(label=_("Since"), widget=DATE)
    reason = forms.CharField(label=_("Reason"), max_length=LABEL_MAX, required=False)


class MemberRemoveForm(StyledForm):
    left_on = forms.DateField(label=_("Left on"), widget=DATE)
    reason = forms.CharField(label=_("Reason"), max_length=LABEL_MAX)


class HeadChangeForm(StyledForm):
    new_head = forms.TypedChoiceField(label=_("New head"), coerce=int)
    former_head_relation = forms.ChoiceField(
        label=_("Former head's relation to the new head"),
        choices=[c for c in Membership.Relation.choices if c[0] != "head"],
    )
    on = forms.DateField(label=_("From"), widget=DATE)
    reason = forms.CharField(label=_("Reason"), max_length=LABEL_MAX)

    def __init__(self, *args: Any, members: list[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        head_field: forms.TypedChoiceField = self.fields["new_head"]  # type: ignore[assignment]
        head_field.choices = [
            (m.person_id, m.person.name)
            for m in members
            if m.left_on is None and m.relation != Membership.Relation.HEAD
        ]


class DecisionForm(StyledForm):
    note = forms.CharField(label=_("Note"), max_length=REASON_MAX, required=False)


class ImportForm(StyledForm):
    file = forms.FileField(label=_("Excel (.xlsx) or CSV file"))
