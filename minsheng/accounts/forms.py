from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.apps import apps
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from minsheng.accounts.roles import role_choices, role_specs
from minsheng.areas.forms import DivisionCodeField
from minsheng.catalog.models import Department
from minsheng.core.forms import StyledForm

if TYPE_CHECKING:
    from minsheng.accounts.models import User

    _SetPasswordForm = auth_forms.SetPasswordForm[User]
else:
    _SetPasswordForm = auth_forms.SetPasswordForm  # Django's forms are not subscriptable at run time


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
    organisation = forms.ChoiceField(
        label=pgettext_lazy("account", "Organisation"),
        required=False,
        help_text=_("Only for the staff of a facility or provider (a funeral home, a care provider …)."),
    )

    def __init__(self, *args: Any, divisions: Any, areas: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["division"].divisions = divisions  # type: ignore[attr-defined]
        self.fields["organisation"].choices = [("", "---------"), *organisation_choices(areas or [])]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        chosen = cleaned.pop("organisation", "") or ""
        cleaned["organisation_id"] = None
        if chosen:
            label, _sep, pk = chosen.rpartition(":")
            spec = role_specs().get(cleaned.get("role", ""))
            if spec is None or spec.organisation != label:
                self.add_error("organisation", _("This role is not bound to an organisation of this kind."))
            else:
                cleaned["organisation_id"] = int(pk)
        return cleaned


def organisation_choices(prefixes: list[str]) -> list[tuple[str, list[tuple[str, str]]]]:
    """The organisations of the organisation-bound roles inside the areas of ``prefixes``, grouped by kind (the value
    is ``<model label>:<id>``)."""
    groups = []
    for label in sorted({s.organisation for s in role_specs().values() if s.organisation}):
        model = apps.get_model(label)
        # unscoped: organisation names inside the administrator's own area prefixes, filtered below
        rows = model.objects.unscoped() if hasattr(model.objects, "unscoped") else model.objects
        condition = Q(pk__in=[])
        for prefix in prefixes:
            condition |= Q(area_code__startswith=prefix)
        options = [(f"{label}:{row.pk}", str(row)) for row in rows.filter(condition).order_by("area_code", "pk")[:500]]
        groups.append((str(model._meta.verbose_name), options))
    return groups


class ReasonForm(StyledForm):
    reason = forms.CharField(label=_("Reason"), max_length=500)


class _PolicyInService:
    """Django's password forms, with the policy checked once, by the service their ``save()`` calls.

    The form keeps what is its own (the two entries match, the old password is right); the policy
    (``AUTH_PASSWORD_VALIDATORS``, the history among them: one Argon2 hash per remembered password) is checked by
    ``services.user_password_change``, whose ValidationError the view shows on the form.
    """

    user: User
    cleaned_data: dict[str, Any]
    fields: dict[str, Any]
    reset = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control"

    def validate_password_for_user(self, user: User, password_field_name: str = "password2") -> None:
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


class SetPasswordForm(_PolicyInService, _SetPasswordForm):
    reset = True
