from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from minsheng.accounts.roles import role_choices
from minsheng.areas.forms import DivisionCodeField
from minsheng.catalog.models import Department
from minsheng.core.forms import StyledForm


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("The account name or the password is wrong. Both are case-sensitive."),
        "inactive": _("This account is disabled. Ask your administrator."),
    }


class UserCreateForm(StyledForm):
    username = forms.CharField(label=_("Account name"), max_length=150)
    display_name = forms.CharField(label=_("Name"), max_length=60)
    home_area = DivisionCodeField(label=_("Home area"))
    password = forms.CharField(label=_("Initial password"), widget=forms.PasswordInput, min_length=10)

    def __init__(self, *args: Any, divisions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["home_area"].divisions = divisions  # type: ignore[attr-defined]


class RoleAssignmentForm(StyledForm):
    role = forms.ChoiceField(label=_("Role"), choices=role_choices)
    division = DivisionCodeField(label=_("Area"))
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.all(),
        required=False,
        help_text=_("Only for a department handler."),
    )

    def __init__(self, *args: Any, divisions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["division"].divisions = divisions  # type: ignore[attr-defined]


class ReasonForm(StyledForm):
    reason = forms.CharField(label=_("Reason"), max_length=500)
