"""Forms of proactive discovery."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minsheng.catalog.models import Item
from minsheng.core.forms import StyledForm
from minsheng.core.limits import REASON_MAX
from minsheng.exchange.models import DataSource
from minsheng.monitoring.models import Alert, WarningRule
from minsheng.monitoring.rules import DEADLINE_RANGE, OBJECT_RULES


def _source_choices() -> list[tuple[Any, Any]]:
    feeds = [(s.code, str(s)) for s in DataSource.objects.all()]
    objects = [(code, label) for code, label in OBJECT_RULES.items()]
    return [(_("Department feeds"), feeds), (_("The programmes' own data"), objects)]


class RuleForm(StyledForm):
    code = forms.SlugField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=60)
    source = forms.ChoiceField(label=_("Source"))
    amount_at_least = forms.DecimalField(
        label=_("Amount at least (yuan; empty: any)"),
        required=False,
        min_value=Decimal("0.01"),
        max_value=Decimal("1000000000"),
        decimal_places=2,
    )
    column = forms.CharField(label=_("Choice column (empty: any)"), max_length=40, required=False)
    values = forms.CharField(label=_("Its values, separated by commas"), max_length=200, required=False)
    severity = forms.ChoiceField(label=_("Severity"), choices=WarningRule.Severity.choices)
    deadline_days = forms.IntegerField(
        label=_("Visit within (working days)"), min_value=DEADLINE_RANGE[0], max_value=DEADLINE_RANGE[1]
    )
    recipients = forms.ChoiceField(label=_("Sent to"), choices=WarningRule.Recipients.choices)
    area_prefix = forms.RegexField(
        label=_("Area (code prefix; empty: the whole city)"), regex=r"^\d{0,12}$", max_length=12, required=False
    )
    valid_from = forms.DateField(label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"}))
    active = forms.BooleanField(
        label=_("Switched on"), required=False, widget=forms.CheckboxInput(attrs={"class": "form-check-input"})
    )
    note = forms.CharField(label=_("Reason for the change"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = _source_choices()  # type: ignore[attr-defined]

    @property
    def kind(self) -> str:
        return "object" if self.cleaned_data.get("source") in OBJECT_RULES else "feed"

    def condition(self) -> dict[str, Any]:
        data = self.cleaned_data
        condition: dict[str, Any] = {}
        if data.get("amount_at_least") is not None:
            condition["amount_at_least_fen"] = int(data["amount_at_least"] * 100)
        if data.get("column") or data.get("values"):
            condition["column"] = data.get("column", "")
            condition["in"] = [v.strip() for v in data.get("values", "").replace("，", ",").split(",") if v.strip()]
        return condition


class MultiplePhotos(forms.ClearableFileInput):
    allow_multiple_selected = True


class VisitForm(StyledForm):
    """The visit recorded at a desk (the phone page posts the same fields)."""

    checked_in_at = forms.DateTimeField(
        label=_("Visited at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Alert.Outcome.choices, widget=forms.RadioSelect)
    items = forms.ModelMultipleChoiceField(
        label=_("Items to apply for on the person's behalf"),
        queryset=Item.objects.filter(active=True).order_by("number"),
        required=False,
        to_field_name="number",
    )
    referred_to = forms.CharField(label=_("Referred to"), max_length=100, required=False)
    reason = forms.CharField(
        label=_("Reasons / what the visit found"),
        max_length=REASON_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    photos = forms.FileField(
        label=_("Photos (JPEG or PNG)"),
        required=False,
        widget=MultiplePhotos(attrs={"accept": "image/jpeg,image/png"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["checked_in_at"].initial = timezone.localtime().strftime("%Y-%m-%dT%H:%M")


class ConfirmForm(StyledForm):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=(("confirm", _("Confirm: handled")), ("back", _("Send back to the village"))),
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note"), max_length=REASON_MAX, required=False)
