from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from minsheng.catalog.models import Department, Item
from minsheng.core.forms import StyledForm
from minsheng.core.limits import REASON_MAX, TEXT_MAX


class ItemForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=80)
    owners = forms.ModelMultipleChoiceField(label=_("Owner departments"), queryset=Department.objects.all())
    kind = forms.ChoiceField(label=_("Kind"), choices=Item.Kind.choices)
    legal_basis = forms.CharField(
        label=_("Legal basis"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    materials = forms.CharField(
        label=_("Required materials"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("One a line; the window prints them as the one-time list of missing materials."),
    )
    time_limit_days = forms.IntegerField(label=_("Time limit (working days)"), min_value=1, max_value=365)
    time_limit_is_demo = forms.BooleanField(label=_("The limit is a demo value"), required=False)
    deciding_level = forms.ChoiceField(label=_("Level that decides"), choices=Item.Level.choices)
    target_groups = forms.CharField(
        label=_("Target groups"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    needs_verification = forms.BooleanField(label=_("Needs economic verification (核对)"), required=False)
    follow_on = forms.ModelMultipleChoiceField(label=_("Follow-on items"), queryset=Item.objects.all(), required=False)
    active = forms.BooleanField(label=_("In use"), required=False)
    reason = forms.CharField(label=_("Reason for the change"), max_length=REASON_MAX)

    def __init__(self, *args: Any, item: Item, **kwargs: Any) -> None:
        initial = {
            "name": item.name,
            "owners": list(item.owners.all()),
            "kind": item.kind,
            "legal_basis": item.legal_basis,
            "materials": "\n".join(item.materials),
            "time_limit_days": item.time_limit_days,
            "time_limit_is_demo": item.time_limit_is_demo,
            "deciding_level": item.deciding_level,
            "target_groups": item.target_groups,
            "needs_verification": item.needs_verification,
            "follow_on": list(item.follow_on.all()),
            "active": item.active,
        }
        super().__init__(*args, initial=initial, **kwargs)

    def changes(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("reason")
        data["materials"] = data["materials"].splitlines()
        data["owners"] = list(data["owners"])
        data["follow_on"] = list(data["follow_on"])
        return data
