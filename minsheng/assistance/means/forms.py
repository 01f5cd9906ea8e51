"""Forms of the household economic status, the means test and the policy simulation. Money is entered in yuan."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minsheng.assistance.means.models import AssetLine, Authorisation, ExpenseLine, IncomeLine, MemberCondition
from minsheng.core.forms import StyledForm, YuanField


def _member_choices(members: list[Any], *, blank: bool) -> list[tuple[str, str]]:
    choices = [(str(p.pk), p.name) for p in members]
    return [("", str(_("The household as a whole"))), *choices] if blank else choices


class _MemberForm(StyledForm):
    def __init__(self, *args: Any, members: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.members = {str(p.pk): p for p in members}
        for name in ("person", "supported"):
            if name in self.fields:
                field = self.fields[name]
                assert isinstance(field, forms.ChoiceField)
                field.choices = _member_choices(members, blank=not field.required)

    def _person(self, name: str) -> Any:
        return self.members.get(self.cleaned_data.get(name) or "")

    def line_data(self) -> dict[str, Any]:
        raise NotImplementedError


class IncomeForm(_MemberForm):
    person = forms.ChoiceField(label=_("Member"), required=False)
    kind = forms.ChoiceField(label=_("Type"), choices=IncomeLine.Kind.choices)
    exempt = forms.ChoiceField(label=_("Counted?"), choices=IncomeLine.Exempt.choices, required=False)
    amount = YuanField(label=_("Amount over the 12 months (yuan)"))
    work_cost = YuanField(label=_("Deductible work costs (yuan)"), required=False, allow_zero=True)
    description = forms.CharField(label=_("Description"), max_length=200, required=False)

    def line_data(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "person": self._person("person"),
            "kind": d["kind"],
            "exempt": d["exempt"] or "",
            "amount_fen": d["amount"],
            "work_cost_fen": d["work_cost"] or 0,
            "description": d["description"],
        }


class MaintenanceForm(_MemberForm):
    supported = forms.ChoiceField(label=_("Supported member"))
    name = forms.CharField(label=_("Relative's name"), max_length=50)
    monthly = YuanField(label=_("Maintenance owed per month (yuan)"))

    def line_data(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {"supported": self._person("supported"), "name": d["name"], "monthly_fen": d["monthly"]}


class AssetForm(_MemberForm):
    person = forms.ChoiceField(label=_("Member"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=AssetLine.Kind.choices)
    value = YuanField(label=_("Value (yuan)"), required=False, allow_zero=True)
    floor_area = forms.DecimalField(
        label=_("Floor area (m²)"), required=False, min_value=0, max_value=100_000, max_digits=8, decimal_places=2
    )
    exempt_reason = forms.CharField(
        label=_("Exempt because"),
        max_length=200,
        required=False,
        help_text=_("Fill in only when the asset is essential for production or daily life and is not counted."),
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)

    def line_data(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "person": self._person("person"),
            "kind": d["kind"],
            "value_fen": d["value"] or 0,
            "floor_area_m2": d["floor_area"],
            "exempt_reason": d["exempt_reason"],
            "description": d["description"],
        }


class ExpenseForm(_MemberForm):
    person = forms.ChoiceField(label=_("Member"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=ExpenseLine.Kind.choices)
    amount = YuanField(label=_("Amount over the 12 months (yuan)"))
    description = forms.CharField(label=_("Description"), max_length=200, required=False)

    def line_data(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "person": self._person("person"),
            "kind": d["kind"],
            "amount_fen": d["amount"],
            "description": d["description"],
        }


class ConditionForm(_MemberForm):
    person = forms.ChoiceField(label=_("Member"))
    self_care_assessed = forms.BooleanField(label=_("The six self-care indicators were assessed"), required=False)
    eats = forms.BooleanField(label=_("Eats unaided"), required=False)
    dresses = forms.BooleanField(label=_("Dresses unaided"), required=False)
    gets_up = forms.BooleanField(label=_("Gets in and out of bed unaided"), required=False)
    uses_toilet = forms.BooleanField(label=_("Uses the toilet unaided"), required=False)
    walks_indoors = forms.BooleanField(label=_("Walks indoors unaided"), required=False)
    bathes = forms.BooleanField(label=_("Bathes unaided"), required=False)
    no_able_supporter = forms.BooleanField(
        label=_("No relative with a duty of support, or none able to support"), required=False
    )
    orphanhood = forms.ChoiceField(label=_("Orphanhood"), choices=MemberCondition.Orphanhood.choices, required=False)
    studying = forms.BooleanField(label=_("In full-time education"), required=False)
    returned_overseas = forms.BooleanField(label=_("Returned overseas Chinese (归侨)"), required=False)
    veteran = forms.BooleanField(label=_("Veteran (退役军人)"), required=False)
    single_category = forms.CharField(
        label=_("County category for applying alone"),
        max_length=30,
        required=False,
        help_text=_("A code of the county's list of members who may be covered alone (rule dibao.single_categories)."),
    )
    refused_job_offers = forms.IntegerField(
        label=_("Suitable job offers refused without good reason"), min_value=0, max_value=99, required=False
    )
    refused_job_reasons = forms.CharField(
        label=_("Written reasons for the refusals"), max_length=2000, required=False, widget=forms.Textarea
    )

    FLAGS = ("self_care_assessed", *MemberCondition.SELF_CARE_FIELDS, "studying", "returned_overseas", "veteran")

    def line_data(self) -> dict[str, Any]:
        d = self.cleaned_data
        data = {name: d[name] for name in self.FLAGS}
        data.update(person=self._person("person"), no_able_supporter=d["no_able_supporter"])
        data["orphanhood"] = d["orphanhood"] or ""
        data["single_category"] = d["single_category"].strip()
        data["refused_job_offers"] = d["refused_job_offers"] or 0
        data["refused_job_reasons"] = d["refused_job_reasons"].strip()
        return data


LINE_FORMS: dict[str, type[_MemberForm]] = {
    "income": IncomeForm,
    "maintenance": MaintenanceForm,
    "asset": AssetForm,
    "expense": ExpenseForm,
    "condition": ConditionForm,
}


class StatusNewForm(StyledForm):
    window_end = forms.DateField(
        label=_("12-month window up to (first day of a month)"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("E.g. 2026-12-01 for December 2025 to November 2026."),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


class AuthorisationForm(StyledForm):
    serial = forms.CharField(label=_("Serial number"), max_length=30)
    signed_on = forms.DateField(label=_("Signed on"), widget=forms.DateInput(attrs={"type": "date"}))
    channel = forms.ChoiceField(label=_("Channel"), choices=Authorisation.Channel.choices)
    signers = forms.MultipleChoiceField(
        label=_("Members who signed"), widget=forms.CheckboxSelectMultiple, required=True
    )

    def __init__(self, *args: Any, members: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.members = {str(p.pk): p for p in members}
        field = self.fields["signers"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(str(p.pk), p.name) for p in members]

    def clean_signed_on(self) -> dt.date:
        signed_on: dt.date = self.cleaned_data["signed_on"]
        if signed_on > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return signed_on


class SimulationForm(StyledForm):
    area = forms.ChoiceField(label=_("Area"))
    from_month = forms.DateField(label=_("From month (first day)"), widget=forms.DateInput(attrs={"type": "date"}))
    standard = YuanField(label=_("New 低保 standard per person per month (yuan)"))

    def __init__(self, *args: Any, areas: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["area"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(a.code, a.name) for a in areas]
