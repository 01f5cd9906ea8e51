"""Forms of the payroll pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from minsheng.areas.models import Division
from minsheng.assistance.models import MONTHLY_PROGRAMMES, Programme
from minsheng.core.forms import MonthField, StyledForm

MONTHLY_CHOICES = [(value, label) for value, label in Programme.choices if value in MONTHLY_PROGRAMMES]


class PrepareForm(StyledForm):
    county = forms.ChoiceField(label=gettext_lazy("County"))
    programme = forms.ChoiceField(label=gettext_lazy("Programme"), choices=MONTHLY_CHOICES)
    period = MonthField(label=gettext_lazy("Month paid"))

    def __init__(self, *args: Any, counties: list[Division], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.counties = {c.code: c for c in counties}
        county = self.fields["county"]
        assert isinstance(county, forms.ChoiceField)
        county.choices = [(c.code, c.name) for c in counties]


class ReturnFileForm(StyledForm):
    file = forms.FileField(label=gettext_lazy("Bank's return file (CSV or Excel)"))
