"""Re-encryption of stored values after a new key was put first in ``ENCRYPTION_KEYS`` (key rotation).

``reencrypt_all`` walks every model with an ``EncryptedCharField`` and rewrites, with the current key, each
token that another key made. It is a system job: it reads whole tables past the scoping door, and it never
decrypts through the ORM, it reads and writes the tokens themselves. It can be interrupted and rerun at any
time: each batch is one transaction, and a rerun only finds what is still to do.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol, cast

from django.apps import apps
from django.db import connections, router, transaction
from django.db.models import ExpressionWrapper, F, Model, Q, TextField
from django.db.models.query import QuerySet

from minsheng.core.crypto import (
    TOKEN_VERSION,
    DecryptionError,
    current_key_id,
    decrypt,
    encrypt_many,
    needs_reencryption,
)
from minsheng.core.fields import EncryptedCharField
from minsheng.core.scoping import ScopedQuerySet

DEFAULT_BATCH_SIZE = 2000


class Writer(Protocol):
    """Where progress goes: a management command's ``self.stdout`` or any text stream."""

    def write(self, text: str, /) -> Any: ...


class RotationError(RuntimeError):
    """A stored value could not be decrypted, so it cannot be re-encrypted. Nothing of its batch was written.

    ``position`` is the index of the value in the list given to ``reencrypt_tokens``.
    """

    def __init__(self, message: str, *, position: int | None = None) -> None:
        super().__init__(message)
        self.position = position


def reencrypt_tokens(tokens: Sequence[str | None]) -> dict[int, str]:
    """The new tokens of the values in ``tokens`` that a key other than the current one made, by position.

    ``None`` and ``""`` (no value) and tokens of the current key are left out. Raises ``RotationError`` naming
    the position when a token cannot be decrypted, before anything is encrypted.
    """
    positions: list[int] = []
    plaintexts: list[str] = []
    for position, token in enumerate(tokens):
        if token is None or token == "":
            continue
        try:
            if needs_reencryption(token):
                plaintexts.append(decrypt(token))
                positions.append(position)
        except DecryptionError as exc:
            raise RotationError(f"value {position}: {exc}", position=position) from exc
    return dict(zip(positions, encrypt_many(plaintexts), strict=True))


def encrypted_fields(model: type[Model]) -> list[EncryptedCharField]:
    """The encrypted columns of ``model``'s own table (inherited ones belong to the parent's table)."""
    return [field for field in model._meta.local_concrete_fields if isinstance(field, EncryptedCharField)]


def encrypted_models() -> list[type[Model]]:
    """Every installed model with an encrypted column in its own table, proxies left out (they share it)."""
    return [model for model in apps.get_models() if not model._meta.proxy and encrypted_fields(model)]


def reencrypt_all(
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    dry_run: bool = False,
    stdout: Writer | None = None,
    models: Iterable[type[Model]] | None = None,
) -> dict[str, int]:
    """Re-encrypt with the current key every stored value another key made; the count per model label.

    ``models`` defaults to every installed model with an ``EncryptedCharField``, so the result is ``{}`` when
    there is none. Each batch of ``batch_size`` rows is read, re-encrypted and written in one transaction with
    the rows locked (PostgreSQL ``SELECT ... FOR UPDATE``; SQLite has one writer at a time), so an edit made
    meanwhile is never overwritten with an old value.
    ``dry_run`` reads and decrypts everything the same way, which proves every old key is still configured,
    and writes nothing. Raises ``RotationError`` naming the model, field and row of a value that cannot be
    decrypted; the batches before it stay committed, and a rerun continues from there.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    counts: dict[str, int] = {}
    for model in encrypted_models() if models is None else models:
        counts[model._meta.label] = _reencrypt_model(model, batch_size=batch_size, dry_run=dry_run, stdout=stdout)
    return counts


def _reencrypt_model(model: type[Model], *, batch_size: int, dry_run: bool, stdout: Writer | None) -> int:
    label = model._meta.label
    fields = encrypted_fields(model)
    if not fields:
        return 0
    using = router.db_for_write(model)
    # System job: the whole table, past the scoping door. _base_manager is Django's plain manager unless a model
    # names another one, in which case a scoped queryset is opened explicitly.
    table: QuerySet[Any] = model._base_manager.db_manager(using).all()
    if isinstance(table, ScopedQuerySet):
        # unscoped: system job: key rotation re-encrypts every row of the table
        table = table.unscoped()
    # The wrapper's output field is a plain TextField, which has no from_db_value: the query returns the tokens
    # as stored instead of decrypting them, and string lookups (forbidden on the field itself) work on them.
    aliases = {field.attname: f"_token_{field.attname}" for field in fields}
    raw = table.annotate(
        **{alias: ExpressionWrapper(F(attname), output_field=TextField()) for attname, alias in aliases.items()}
    )
    current_prefix = f"{TOKEN_VERSION}${current_key_id()}$"
    stale = Q()
    for alias in aliases.values():
        stale |= Q(**{f"{alias}__isnull": False}) & ~Q(**{alias: ""}) & ~Q(**{f"{alias}__startswith": current_prefix})
    pending = raw.filter(stale).order_by("pk")

    done = 0
    last_pk: Any = None
    while True:
        page = pending if last_pk is None else pending.filter(pk__gt=last_pk)
        with transaction.atomic(using=using):
            if not dry_run:
                page = page.select_for_update()
            rows = list(page.values_list("pk", *aliases.values())[:batch_size])
            if not rows:
                break
            last_pk = rows[-1][0]
            updates: list[tuple[EncryptedCharField, list[tuple[str, Any]]]] = []
            for column, field in enumerate(fields, start=1):
                try:
                    new_tokens = reencrypt_tokens([row[column] for row in rows])
                except RotationError as exc:
                    row_pk = rows[exc.position or 0][0]
                    raise RotationError(f"{label}.{field.name} (pk={row_pk}): {exc.__cause__}") from exc
                if new_tokens:
                    updates.append((field, [(token, rows[position][0]) for position, token in new_tokens.items()]))
            batch_count = sum(len(tokens) for _field, tokens in updates)
            if updates and not dry_run:
                _write_batch(model, updates, using)
        done += batch_count
        if stdout is not None:
            verb = "to re-encrypt" if dry_run else "re-encrypted"
            stdout.write(f"  {label}: {done} values {verb} so far (up to pk {last_pk})\n")
    if stdout is not None:
        verb = "would be re-encrypted (dry run)" if dry_run else "re-encrypted"
        stdout.write(f"{label}: {done} values {verb}\n")
    return done


def _write_batch(
    model: type[Model], updates: list[tuple[EncryptedCharField, list[tuple[str, Any]]]], using: str
) -> None:
    """Write the new tokens of one batch, one statement per row and field; nothing else of a row is touched.

    Plain UPDATEs sent with ``executemany`` (pipelined by psycopg) instead of ``bulk_update``, whose CASE
    expression of a few thousand branches takes Django longer to build than the database to run: on PostgreSQL,
    100,000 rows of two fields took 23 s with ``bulk_update`` and 4 s this way. The tokens are written as they
    are, which is what ``EncryptedCharField.get_prep_value`` would do with them too.
    """
    connection = connections[using]
    quote = connection.ops.quote_name
    pk_field = model._meta.pk
    assert pk_field is not None, f"{model._meta.label} has no primary key"
    table = quote(model._meta.db_table)
    # A field bound to a model always has its column (django-stubs types it optional for unbound fields).
    pk_column = quote(cast(str, pk_field.column))
    with connection.cursor() as cursor:
        for field, tokens in updates:
            cursor.executemany(
                f"UPDATE {table} SET {quote(cast(str, field.column))} = %s WHERE {pk_column} = %s",
                [(token, pk_field.get_db_prep_value(pk, connection)) for token, pk in tokens],
            )
