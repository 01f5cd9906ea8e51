from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minsheng.core.modules import audit_action_labels

# The auditor's list reads this many days back by default, and at most this many days at a time.
WINDOW_DAYS = 90
WINDOW_MAX_DAYS = 366


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
    date_from = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Empty: the last 90 days."),
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}), help_text=_("Empty: today.")
    )

    def clean(self) -> dict[str, Any]:
        """The window the list reads (``date_from`` to ``date_to``, days included): by default the last
        ``WINDOW_DAYS`` days to today; at most ``WINDOW_MAX_DAYS`` days, so that a search reads the months (the
        partitions) of a year at most."""
        data = super().clean() or {}
        if self.errors:
            return data
        today = timezone.localdate()
        date_to = data.get("date_to") or today
        date_from = data.get("date_from") or date_to - dt.timedelta(days=WINDOW_DAYS)
        if date_from > date_to:
            raise forms.ValidationError(_("The start date is after the end date."), code="order")
        if (date_to - date_from).days > WINDOW_MAX_DAYS:
            raise forms.ValidationError(
                _("Search at most %(days)s days at a time.") % {"days": WINDOW_MAX_DAYS}, code="too_long"
            )
        data["date_from"], data["date_to"] = date_from, date_to
        return data
