from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from minsheng.catalog.models import Department, Item
from minsheng.core.forms import StyledForm
from minsheng.core.limits import LIST_MAX, TEXT_MAX
from minsheng.core.numbers import parse_int
from minsheng.intake.models import Consultation, ItemCase


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
    materials_provided = forms.MultipleChoiceField(
        label=_("Materials brought"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Tick what the applicant brought; anything missing goes on the one-time list."),
    )
    beneficiaries = forms.CharField(
        label=_("Items for another member of the household"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("One a line: the item's number and the member's ID number, e.g. 30 321302200801010012."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        listed = Item.objects.filter(active=True).order_by("number").values_list("materials", flat=True)
        names = dict.fromkeys(m for materials in listed for m in materials)
        field = self.fields["materials_provided"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(m, m) for m in names]

    def clean_beneficiaries(self) -> dict[int, str]:
        """Item number → the member's ID number, one line each."""
        found: dict[int, str] = {}
        for line in self.cleaned_data["beneficiaries"].splitlines():
            parts = line.split()
            if not parts:
                continue
            number = parse_int(parts[0], minimum=1, maximum=10_000) if len(parts) == 2 else None
            if number is None:
                raise ValidationError(_("Write the item's number and the member's ID number on each line."))
            if number in found:
                raise ValidationError(_("Item %(number)d is named twice.") % {"number": number})
            found[number] = parts[1]
        if len(found) > LIST_MAX:
            raise ValidationError(_("At most %(count)d lines.") % {"count": LIST_MAX})
        return found

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        chosen = {item.number for item in cleaned.get("items") or []}
        unchosen = sorted(set(cleaned.get("beneficiaries") or {}) - chosen)
        if unchosen and "items" in cleaned:
            self.add_error(
                "beneficiaries",
                _("Not among the items chosen: %(numbers)s") % {"numbers": "、".join(map(str, unchosen))},
            )
        return cleaned


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


class ApplicationSearchForm(StyledForm):
    """The window's application list: any of receipt number, name, ID number, item, status and dates."""

    receipt = forms.CharField(label=_("Receipt number"), max_length=24, required=False)
    name = forms.CharField(label=_("Name"), max_length=50, required=False)
    id_number = forms.CharField(label=_("ID number"), max_length=20, required=False)
    item = forms.ModelChoiceField(
        label=_("Item"), queryset=Item.objects.order_by("number"), required=False, empty_label=_("Any item")
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status")), *ItemCase.Status.choices], required=False
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data


DATE_INPUT = forms.DateInput(attrs={"type": "date"})


class InboxFilterForm(StyledForm):
    """The inbox: open items (the default) or those decided since a day (by default the last 90 days)."""

    show = forms.ChoiceField(
        label=_("Show"),
        choices=[("open", _("Open items")), ("decided", _("Decided items"))],
        required=False,
    )
    since = forms.DateField(label=_("Decided since"), required=False, widget=DATE_INPUT)


class WindowForm(StyledForm):
    """A list whose history grows: from which day it shows (by default the last 90 days)."""

    since = forms.DateField(label=pgettext_lazy("list window", "Since"), required=False, widget=DATE_INPUT)
