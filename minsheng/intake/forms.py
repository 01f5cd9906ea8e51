from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from minsheng.catalog.models import Department, Item
from minsheng.core.forms import StyledForm
from minsheng.intake.models import Consultation


class ConsultationForm(StyledForm):
    id_number = forms.CharField(label=_("ID number (optional)"), max_length=20, required=False)
    asker_name = forms.CharField(label=_("Name (optional)"), max_length=50, required=False)
    topic = forms.CharField(label=_("Question"), widget=forms.Textarea(attrs={"rows": 3}))
    items = forms.ModelMultipleChoiceField(
        label=_("Items explained"), queryset=Item.objects.filter(active=True), required=False
    )
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Consultation.Outcome.choices)
    referred_to = forms.ModelChoiceField(label=_("Referred to"), queryset=Department.objects.all(), required=False)
