"""Forms of temporary assistance. Amounts are entered in yuan and cleaned to whole fen."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from minsheng.assistance.temporary.models import Referral, TemporaryAid
from minsheng.core.forms import StyledForm, YuanField


class TemporaryAidForm(StyledForm):
    """The window's record: who, what happened and the amount proposed."""

    id_number = forms.CharField(label=_("Applicant's ID number"), max_length=20)
    kind = forms.ChoiceField(label=_("Type"), choices=TemporaryAid.Kind.choices)
    event = forms.CharField(
        label=_("What happened"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The event, when it happened and the family's immediate need."),
    )
    amount = YuanField(label=_("Amount proposed (yuan)"))
    special_hardship = forms.BooleanField(label=_("Special hardship (the higher limit applies)"), required=False)
    goods = forms.CharField(label=_("Aid in goods (实物)"), max_length=200, required=False)
    goods_value = YuanField(label=_("Value of the goods (yuan)"), required=False, allow_zero=True)

    def __init__(self, *args: Any, fixed_person: bool = False, fixed_kind: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if fixed_person:
            del self.fields["id_number"]
        if fixed_kind:
            del self.fields["kind"]


class DecisionForm(StyledForm):
    decision = forms.ChoiceField(label=_("Decision"), choices=[("grant", _("Grant")), ("refuse", _("Refuse"))])
    amount = YuanField(label=_("Amount granted (yuan)"), required=False)
    reason = forms.CharField(label=_("Reasons"), widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "grant" and data.get("amount") is None and "amount" not in self.errors:
            self.add_error("amount", _("Enter the amount granted."))
        return data


class PapersForm(StyledForm):
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class ReferralForm(StyledForm):
    kind = forms.ChoiceField(label=_("Referred to"), choices=Referral.Kind.choices)
    organisation = forms.CharField(label=pgettext_lazy("referral", "Organisation"), max_length=100)
    note = forms.CharField(label=_("What is asked"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ReferralOutcomeForm(StyledForm):
    outcome = forms.CharField(label=_("Outcome"), widget=forms.Textarea(attrs={"rows": 2}))


class PromptCloseForm(StyledForm):
    outcome = forms.CharField(label=_("Outcome"), widget=forms.Textarea(attrs={"rows": 2}))
    assessment = forms.TypedChoiceField(label=_("Means test run"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args: Any, assessments: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[Any, Any]] = [("", _("None"))]
        choices += [(a.pk, f"{a.on:%Y-%m-%d} #{a.pk}") for a in assessments or []]
        self.fields["assessment"].choices = choices  # type: ignore[attr-defined]
