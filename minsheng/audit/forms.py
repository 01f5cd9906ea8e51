from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from minsheng.core.modules import audit_action_labels


def _action_choices() -> list[tuple[str, Any]]:
    """Every declared action by its words, grouped by module (sorted by code)."""
    return [("", _("Any action")), *((code, label) for code, label in sorted(audit_action_labels().items()))]


class ActionField(forms.ChoiceField):
    """A declared action chosen by its words; a code prefix (``accounts.``: every action of a module) is taken too."""

    def valid_value(self, value: Any) -> bool:
        return any(code.startswith(str(value)) for code in audit_action_labels())


class AuditSearchForm(forms.Form):
    person = forms.CharField(
        label=_("Person or object"),
        required=False,
        max_length=100,
        help_text=_("An ID number or a person's record number finds everything about that person."),
    )
    actor = forms.CharField(label=_("Actor account"), required=False, max_length=150)
    action = ActionField(
        label=_("Action"),
        required=False,
        choices=_action_choices,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
