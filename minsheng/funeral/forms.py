"""Forms of funeral services. Prices are entered in yuan and cleaned to whole fen."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from minsheng.core.forms import MonthField, StyledForm, YuanField
from minsheng.funeral.models import Complaint, Facility, PriceItem

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class FacilityForm(StyledForm):
    area = forms.CharField(label=_("Area code (12 digits)"), max_length=12)
    kind = forms.ChoiceField(label=_("Kind"), choices=Facility.Kind.choices)
    name = forms.CharField(label=_("Name"), max_length=100)
    operator = forms.CharField(label=_("Operator"), max_length=100)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    approval_number = forms.CharField(label=_("Approval document number"), max_length=100, required=False)
    approved_by = forms.CharField(label=_("Approved by"), max_length=100, required=False)
    approved_on = forms.DateField(label=_("Approved on"), widget=DATE, required=False)
    phone = forms.CharField(label=_("Public phone"), max_length=30, required=False)


class ItemForm(StyledForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=PriceItem.Kind.choices)
    name = forms.CharField(label=_("Name"), max_length=100)
    unit = forms.CharField(label=_("Unit"), max_length=20, initial="个")


class FilingForm(StyledForm):
    """One price per item of the catalogue (empty: not filed this time)."""

    effective_from = forms.DateField(label=_("Effective from"), widget=DATE)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args: Any, items: list[PriceItem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            self.fields[f"price_{item.pk}"] = YuanField(
                label=_("%(item)s (yuan per %(unit)s)") % {"item": item.name, "unit": item.unit}, required=False
            )
        for name in self.fields:  # the price fields are added after StyledForm styled the others
            if name.startswith("price_"):
                self.fields[name].widget.attrs["class"] = "form-control"

    def prices(self) -> dict[int, int]:
        return {
            item.pk: self.cleaned_data[f"price_{item.pk}"]
            for item in self.items
            if self.cleaned_data.get(f"price_{item.pk}") is not None
        }


class ReviewForm(StyledForm):
    decision = forms.ChoiceField(label=_("Decision"), choices=[("accept", _("Accept")), ("return", _("Return"))])
    note = forms.CharField(label=pgettext_lazy("price filing review", "Opinion"), max_length=500, required=False)


class CaseForm(StyledForm):
    # unscoped: an empty placeholder; __init__ sets the facilities the user may work on
    facility = forms.ModelChoiceField(label=_("Facility"), queryset=Facility.objects.unscoped().none())
    name = forms.CharField(label=_("Name of the deceased"), max_length=50)
    id_number = forms.CharField(label=_("ID number"), max_length=24)
    died_on = forms.DateField(label=_("Date of death"), widget=DATE)

    def __init__(self, *args: Any, facilities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["facility"].queryset = facilities  # type: ignore[attr-defined]


class CremationForm(StyledForm):
    cremated_on = forms.DateField(label=_("Cremated on"), widget=DATE)
    certificate = forms.CharField(label=_("Cremation certificate number"), max_length=40)


class WaiverForm(StyledForm):
    services = forms.MultipleChoiceField(
        label=_("Basic services given"), choices=(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, offered: dict[str, tuple[str, int]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["services"].choices = [  # type: ignore[attr-defined]
            (code, f"{label}（{fen / 100:.2f} 元）") for code, (label, fen) in offered.items()
        ]


class SettlementForm(StyledForm):
    # unscoped: an empty placeholder; __init__ sets the facilities the user may work on
    facility = forms.ModelChoiceField(label=_("Funeral home"), queryset=Facility.objects.unscoped().none())
    period = MonthField(label=_("Month"))

    def __init__(self, *args: Any, facilities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["facility"].queryset = facilities  # type: ignore[attr-defined]


class AnswerForm(StyledForm):
    answer = forms.CharField(label=_("Answer"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))


class ReportForm(StyledForm):
    """The public report form: which cemetery, what happened, and how to reach the person who reports."""

    # unscoped: an empty placeholder; __init__ sets the facilities the user may work on
    facility = forms.ModelChoiceField(
        label=_("Cemetery or funeral facility"), queryset=Facility.objects.unscoped().none()
    )
    kind = forms.ChoiceField(label=_("The problem"), choices=Complaint.Kind.choices)
    text = forms.CharField(label=_("What happened"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
    charged = YuanField(label=_("Amount charged (yuan)"), required=False)
    contact_name = forms.CharField(label=_("Your name"), max_length=50)
    contact_phone = forms.CharField(label=_("Your phone"), max_length=20)

    def __init__(self, *args: Any, facilities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["facility"].queryset = facilities  # type: ignore[attr-defined]
