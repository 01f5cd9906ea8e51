"""Forms of the data exchange pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from minsheng.core.forms import StyledForm
from minsheng.core.limits import REASON_MAX
from minsheng.exchange.models import DataSource


class FeedUploadForm(StyledForm):
    source = forms.ModelChoiceField(label=_("Data source"), queryset=DataSource.objects.all())
    batch = forms.CharField(label=_("Batch number"), max_length=40)
    file = forms.FileField(label=_("File (CSV in UTF-8, or Excel .xlsx)"))


class ClientForm(StyledForm):
    name = forms.CharField(label=_("Name of the department's system"), max_length=100)
    area = forms.CharField(label=_("Area code (city)"), max_length=12)
    sources = forms.ModelMultipleChoiceField(
        label=_("Data sources it sends"), queryset=DataSource.objects.all(), widget=forms.CheckboxSelectMultiple
    )


class RevokeForm(StyledForm):
    reason = forms.CharField(label=_("Reason"), max_length=REASON_MAX)
