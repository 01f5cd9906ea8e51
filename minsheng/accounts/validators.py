"""Password validators of the policy (``AUTH_PASSWORD_VALIDATORS`` in settings; the values come from the environment).

Django's own validators check the length, likeness to the account's name, common and all-digit passwords; these add
the character classes and the history.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.hashers import check_password
from django.contrib.auth.password_validation import MinimumLengthValidator as DjangoMinimumLengthValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from minsheng.accounts.models import User


def character_classes(password: str) -> int:
    """How many of upper case, lower case, digits and symbols ``password`` uses (a Chinese character is none)."""
    return sum(
        (
            any(c.isupper() for c in password),
            any(c.islower() for c in password),
            any(c.isdecimal() for c in password),
            any(not c.isalnum() and not c.isspace() for c in password),
        )
    )


class MinimumLengthValidator(DjangoMinimumLengthValidator):
    """Django's, with a message the catalogue translates (Django 5.2's own changed and its Chinese lags behind)."""

    def get_error_message(self) -> str:
        return _("This password is too short: it must have at least %(count)d characters.") % {"count": self.min_length}

    def get_help_text(self) -> str:
        return _("Your password must have at least %(count)d characters.") % {"count": self.min_length}


class CharacterClassesValidator:
    """At least ``min_classes`` of the four classes: upper case, lower case, digits, symbols."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: User | None = None) -> None:
        if character_classes(password) < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self) -> str:
        return _(
            "Your password must use at least %(count)d of: upper-case letters, lower-case letters, digits, symbols."
        ) % {"count": self.min_classes}


class PasswordHistoryValidator:
    """None of the account's last ``keep`` passwords again, the current one counting as the first.

    The hashes of earlier passwords are in ``PasswordHistory`` (written by ``services.user_password_set``). Each
    comparison costs one hash (Argon2, about 0.2 s here), so ``keep`` stays small.
    """

    def __init__(self, keep: int = 5) -> None:
        self.keep = keep

    def validate(self, password: str, user: User | None = None) -> None:
        if not self.keep or user is None or user.pk is None:
            return
        hashes = [user.password] if user.has_usable_password() else []
        for encoded in user.password_history.order_by("-set_at", "-pk").values_list("password", flat=True)[: self.keep]:
            if encoded not in hashes:
                hashes.append(encoded)
        if any(check_password(password, encoded) for encoded in hashes[: self.keep]):
            raise ValidationError(self.get_help_text(), code="password_reused")

    def get_help_text(self) -> str:
        return _("Your password must differ from your last %(count)d passwords (the current one included).") % {
            "count": self.keep
        }
