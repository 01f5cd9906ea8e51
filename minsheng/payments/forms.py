"""Forms of the payroll pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from minsheng.areas.models import Division
from minsheng.assistance.models import Programme
from minsheng.core.forms import MonthField, StyledForm

MONTHLY_PROGRAMMES = [(value, label) for value, label in Programme.choices if value != Programme.TEMPORARY]


class PrepareForm(StyledForm):
    county = forms.ChoiceField(label=gettext_lazy("County"))
    programme = forms.ChoiceField(label=gettext_lazy("Programme"), choices=MONTHLY_PROGRAMMES)
    period = MonthField(label=gettext_lazy("Month paid"))

    def __init__(self, *args: Any, counties: list[Division], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.counties = {c.code: c for c in counties}
        county = self.fields["county"]
        assert isinstance(county, forms.ChoiceField)
        county.choices = [(c.code, c.name) for c in counties]


class ReturnFileForm(StyledForm):
    file = forms.FileField(label=gettext_lazy("Bank's return file (CSV or Excel)"))
