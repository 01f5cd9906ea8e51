from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from minsheng.catalog.models import Department, Item
from minsheng.core.forms import StyledForm
from minsheng.core.limits import TEXT_MAX
from minsheng.intake.models import Consultation


class ConsultationForm(StyledForm):
    id_number = forms.CharField(label=_("ID number (optional)"), max_length=20, required=False)
    asker_name = forms.CharField(label=_("Name (optional)"), max_length=50, required=False)
    topic = forms.CharField(label=_("Question"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3}))
    items = forms.ModelMultipleChoiceField(
        label=_("Items explained"), queryset=Item.objects.filter(active=True), required=False
    )
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Consultation.Outcome.choices)
    referred_to = forms.ModelChoiceField(label=_("Referred to"), queryset=Department.objects.all(), required=False)


class ApplicationForm(StyledForm):
    id_number = forms.CharField(label=_("Applicant's ID number"), max_length=20)
    items = forms.ModelMultipleChoiceField(
        label=_("Items applied for"),
        queryset=Item.objects.filter(active=True).order_by("number"),
        widget=forms.CheckboxSelectMultiple,
    )
    on_behalf = forms.BooleanField(label=_("Applied for by me on the applicant's behalf (帮办代办)"), required=False)
    materials_provided = forms.CharField(
        label=_("Materials brought"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("One a line, as named in the item's list; anything missing goes on the one-time list."),
    )


class DecisionForm(StyledForm):
    decision = forms.ChoiceField(label=_("Decision"), choices=[("grant", _("Grant")), ("refuse", _("Refuse"))])
    reason = forms.CharField(label=_("Reasons"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3}))


class OnlineStartForm(StyledForm):
    id_number = forms.CharField(label=_("ID number"), max_length=20)
    name = forms.CharField(label=_("Name"), max_length=50)
    phone = forms.CharField(label=_("Phone registered with the civil-affairs office"), max_length=20)


class OnlineCodeForm(StyledForm):
    code = forms.CharField(label=_("Code from the text message"), max_length=6, min_length=6)


class OnlineApplicationForm(StyledForm):
    items = forms.ModelMultipleChoiceField(
        label=_("Items applied for"),
        queryset=Item.objects.filter(active=True).order_by("number"),
        widget=forms.CheckboxSelectMultiple,
    )
