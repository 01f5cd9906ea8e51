from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import forms as auth_forms
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
    password = forms.CharField(
        label=_("Initial password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("The holder must replace it at the first sign-in."),
    )

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


class _PolicyInService:
    """Django's password forms, with the policy checked once, by the service their ``save()`` calls.

    The form keeps what is its own (the two entries match, the old password is right); the policy
    (``AUTH_PASSWORD_VALIDATORS``, the history among them: one Argon2 hash per remembered password) is checked by
    ``services.user_password_change``, whose ValidationError the view shows on the form.
    """

    user: Any
    cleaned_data: dict[str, Any]
    fields: dict[str, Any]
    reset = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control"

    def validate_password_for_user(self, user: Any, password_field_name: str = "password2") -> None:
        return None

    def save(self, commit: bool = True) -> Any:
        from minsheng.accounts.services import user_password_change

        return user_password_change(
            user=self.user,
            password=self.cleaned_data["new_password1"],
            keep_session_key=getattr(self, "session_key", None),
            reset=self.reset,
        )


class PasswordChangeForm(_PolicyInService, auth_forms.PasswordChangeForm):
    session_key: str | None = None


class SetPasswordForm(_PolicyInService, auth_forms.SetPasswordForm):
    reset = True
