"""Model fields of the project."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core import checks
from django.core.exceptions import FieldError
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.lookups import IsNull, Lookup, Transform
from django.utils.translation import gettext_lazy as _

from minsheng.core.crypto import decrypt, encrypt, is_token


# Left unparameterised (its values read as Any): Django's fields cannot be subscripted at run time without
# django-stubs-ext, which is not a run-time dependency.
class EncryptedCharField(models.TextField):  # type: ignore[type-arg]
    """A short text (ID, phone or bank number) stored encrypted with AES-256-GCM (see ``minsheng.core.crypto``).

    In Python the value is the plaintext; in the database it is a token ``1$<key id>$<data>``. ``None`` and the
    empty string are stored as they are, so "no value" needs no key and stays visible to ``__isnull`` and
    ``blank``. A value that already is a token is stored unchanged, so a bulk import may encrypt with
    ``encrypt_many`` and assign the tokens. Key rotation: ``manage.py rotate_encryption_keys``.

    Each encryption uses a random nonce, so the database cannot compare values: every lookup except
    ``__isnull`` raises ``FieldError``. Exact search and uniqueness go through a blind-index column next to
    this one (``crypto.blind_index``); lists show a masked copy (``crypto.mask_*``) so they never decrypt.
    """

    description = _("Encrypted text")

    def from_db_value(self, value: str | None, expression: Any, connection: BaseDatabaseWrapper) -> str | None:
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "" or is_token(value):
            return value
        return encrypt(value)

    def value_to_string(self, obj: models.Model) -> str:
        # dumpdata and other serializers write the token, not the plaintext: a fixture file must not become a
        # second, unencrypted copy of personal data. Loading it back stores the token unchanged.
        prepared = self.get_prep_value(self.value_from_object(obj))
        return "" if prepared is None else str(prepared)

    def get_lookup(self, lookup_name: str) -> type[Lookup] | None:
        if lookup_name == IsNull.lookup_name:
            return super().get_lookup(lookup_name)
        raise FieldError(self._unsearchable(lookup_name))

    def get_transform(self, lookup_name: str) -> type[Transform] | None:
        raise FieldError(self._unsearchable(lookup_name))

    def _unsearchable(self, lookup_name: str) -> str:
        model = getattr(self, "model", None)
        where = f"{model._meta.label}.{self.name}" if model is not None else self.name or "EncryptedCharField"
        return (
            f"{where} is encrypted and cannot be searched with __{lookup_name}: filter on its blind index "
            "(minsheng.core.crypto.blind_index) instead; only __isnull works on the field itself"
        )

    def formfield(self, **kwargs: Any) -> Any:
        # A number is one line; TextField would offer a textarea.
        return super().formfield(**{"widget": forms.TextInput, **kwargs})

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        errors = super().check(**kwargs)
        # getattr: django-stubs does not declare Field.db_index.
        if self.primary_key or self.unique or getattr(self, "db_index", False):
            errors.append(
                checks.Error(
                    "An EncryptedCharField cannot be a primary key, unique or indexed: its tokens differ for equal "
                    "values.",
                    hint="Add a blind-index column (crypto.blind_index) and make that unique or indexed.",
                    obj=self,
                    id="core.E001",
                )
            )
        return errors

    def deconstruct(self) -> tuple[str, str, Any, dict[str, Any]]:
        # The field has no options of its own: TextField's arguments and this class's import path
        # (minsheng.core.fields.EncryptedCharField) are all a migration needs to rebuild it.
        name, path, args, kwargs = super().deconstruct()
        return name, path, args, kwargs
