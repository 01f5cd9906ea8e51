from __future__ import annotations

import base64
import hashlib
import hmac
import io
from collections.abc import Iterator
from typing import Any

import pytest
from django import forms
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.management import call_command
from django.db import connection, models
from django.test.utils import isolate_apps

from minsheng.core import rotation
from minsheng.core.crypto import (
    DecryptionError,
    blind_index,
    current_key_id,
    decrypt,
    encrypt,
    encrypt_many,
    is_token,
    key_id,
    mask,
    mask_bank_account,
    mask_id_number,
    mask_phone,
    needs_reencryption,
)
from minsheng.core.fields import EncryptedCharField
from minsheng.core.rotation import RotationError, encrypted_fields, encrypted_models, reencrypt_all, reencrypt_tokens
from minsheng.core.scoping import ScopedModel, ScopeNotApplied

KEY_A = bytes(range(32))
KEY_B = bytes(range(100, 132))
KEY_C = bytes(range(200, 232))
KID_A = hashlib.sha256(KEY_A).hexdigest()[:8]
KID_B = hashlib.sha256(KEY_B).hexdigest()[:8]


@pytest.fixture
def key_a(settings: Any) -> None:
    settings.ENCRYPTION_KEYS = [KEY_A]
    settings.BLIND_INDEX_KEY = KEY_C


def _raw(token: str) -> bytes:
    data = token.split("$")[2]
    return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))


def _with_raw(token: str, raw: bytes) -> str:
    prefix = token.rsplit("$", 1)[0]
    return f"{prefix}${base64.urlsafe_b64encode(raw).rstrip(b'=').decode()}"


# --- encrypt / decrypt -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "plaintext",
    ["", "13812345678", "32130219800101123X", "张三 宿迁市宿城区幸福街道 1 号", "emoji 🙂 and tab\t", "x" * 5000],
)
def test_round_trip_is_exact(key_a: None, plaintext: str) -> None:
    assert decrypt(encrypt(plaintext)) == plaintext


def test_token_shape_names_the_key(key_a: None) -> None:
    token = encrypt("13812345678")
    version, kid, data = token.split("$")
    assert (version, kid) == ("1", KID_A)
    assert kid == key_id(KEY_A) == current_key_id()
    assert token.isascii() and "=" not in data
    # nonce 12 + plaintext 11 + tag 16 bytes
    assert len(_raw(token)) == 12 + 11 + 16
    assert is_token(token)
    assert not is_token("13812345678")
    assert not is_token(None)


def test_each_encryption_uses_a_fresh_nonce(key_a: None) -> None:
    first, second = encrypt("13812345678"), encrypt("13812345678")
    assert first != second
    assert _raw(first)[:12] != _raw(second)[:12]
    assert decrypt(first) == decrypt(second) == "13812345678"


@pytest.mark.parametrize("position", [0, 11, 12, 20, -1])  # nonce, ciphertext, tag
def test_a_flipped_byte_is_detected(key_a: None, position: int) -> None:
    token = encrypt("32130219800101123X")
    raw = bytearray(_raw(token))
    raw[position] ^= 0x01
    with pytest.raises(DecryptionError, match=rf"key id '{KID_A}' is corrupt or was tampered with") as caught:
        decrypt(_with_raw(token, bytes(raw)))
    assert caught.value.key_id == KID_A


def test_truncated_and_malformed_tokens_are_rejected(key_a: None) -> None:
    token = encrypt("32130219800101123X")
    with pytest.raises(DecryptionError, match="tampered"):
        decrypt(token[:-3])
    with pytest.raises(DecryptionError, match="not an encrypted value"):
        decrypt(token[:20])
    with pytest.raises(DecryptionError, match="not an encrypted value"):
        decrypt("2" + token[1:])
    with pytest.raises(DecryptionError, match="not an encrypted value"):
        decrypt(token + "\n")
    with pytest.raises(DecryptionError, match=rf"key id '{KID_A}' is corrupt \(bad base64\)"):
        decrypt(f"1${KID_A}$" + "A" * 41)  # 4n+1 base64 characters cannot be decoded


def test_a_non_token_is_rejected_without_echoing_it(key_a: None) -> None:
    with pytest.raises(DecryptionError) as caught:
        decrypt("32130219800101123X")
    assert "32130219800101123X" not in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_unknown_key_id_is_named(settings: Any) -> None:
    settings.ENCRYPTION_KEYS = [KEY_A]
    token = encrypt("13812345678")
    settings.ENCRYPTION_KEYS = [KEY_B]
    with pytest.raises(DecryptionError, match=rf"unknown encryption key id '{KID_A}'") as caught:
        decrypt(token)
    assert caught.value.key_id == KID_A


def test_rotation_old_key_decrypts_until_reencrypted(settings: Any) -> None:
    settings.ENCRYPTION_KEYS = [KEY_A]
    old = encrypt("张三 32130219800101123X")
    assert needs_reencryption(old) is False

    settings.ENCRYPTION_KEYS = [KEY_B, KEY_A]
    assert decrypt(old) == "张三 32130219800101123X"
    assert needs_reencryption(old) is True
    new = encrypt(decrypt(old))
    assert new.split("$")[1] == KID_B
    assert needs_reencryption(new) is False

    settings.ENCRYPTION_KEYS = [KEY_B]
    assert decrypt(new) == "张三 32130219800101123X"
    assert needs_reencryption(new) is False
    with pytest.raises(DecryptionError, match=KID_A):
        decrypt(old)


def test_needs_reencryption_rejects_a_non_token(key_a: None) -> None:
    with pytest.raises(DecryptionError, match="not an encrypted value"):
        needs_reencryption("13812345678")


def test_keys_are_checked(settings: Any) -> None:
    settings.ENCRYPTION_KEYS = [b"short"]
    with pytest.raises(ImproperlyConfigured, match=r"ENCRYPTION_KEYS\[0\] must be 32 bytes \(AES-256\), not 5"):
        encrypt("x")
    settings.ENCRYPTION_KEYS = []
    with pytest.raises(ImproperlyConfigured, match="ENCRYPTION_KEYS is empty"):
        encrypt("x")
    settings.ENCRYPTION_KEYS = [KEY_A, "not bytes"]
    with pytest.raises(ImproperlyConfigured, match=r"ENCRYPTION_KEYS\[1\] must be 32 bytes \(AES-256\), not str"):
        decrypt("1$00000000$" + "A" * 40)


def test_encrypt_rejects_non_strings(key_a: None) -> None:
    with pytest.raises(TypeError, match="not int"):
        encrypt(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="not bytes"):
        encrypt_many(["a", b"b"])  # type: ignore[list-item]


def test_encrypt_many_matches_encrypt(key_a: None) -> None:
    # More values than one nonce draw holds, to cross a refill.
    values = [f"1380000{number:04d}" for number in range(5000)] + ["李四", ""]
    tokens = encrypt_many(iter(values))
    assert [decrypt(token) for token in tokens] == values
    assert all(token.startswith(f"1${KID_A}$") for token in tokens)
    assert len({_raw(token)[:12] for token in tokens}) == len(values)
    assert encrypt_many([]) == []


# --- blind index -------------------------------------------------------------------------------------------------


def test_blind_index_is_a_truncated_hmac(key_a: None) -> None:
    index = blind_index("32130219800101123X")
    assert index == hmac.new(KEY_C, b"32130219800101123X", hashlib.sha256).hexdigest()[:32]
    assert len(index) == 32 and all(c in "0123456789abcdef" for c in index)
    assert blind_index("32130219800101123X") == index
    assert blind_index("32130219800101123x") != index  # normalizing is the caller's job
    assert blind_index("张三") == hmac.new(KEY_C, "张三".encode(), hashlib.sha256).hexdigest()[:32]


def test_blind_index_depends_on_the_key(settings: Any) -> None:
    settings.BLIND_INDEX_KEY = KEY_A
    first = blind_index("13812345678")
    settings.BLIND_INDEX_KEY = KEY_B
    assert blind_index("13812345678") != first
    settings.ENCRYPTION_KEYS = [KEY_C]  # the encryption keys play no part
    assert blind_index("13812345678") == hmac.new(KEY_B, b"13812345678", hashlib.sha256).hexdigest()[:32]


def test_blind_index_key_is_checked(settings: Any) -> None:
    settings.BLIND_INDEX_KEY = b"short"
    with pytest.raises(ImproperlyConfigured, match="BLIND_INDEX_KEY must be 32 bytes"):
        blind_index("x")


# --- masks -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("32130219800101123X", "321302********123X"),
        ("G12345678", "G12**5678"),
        ("1234567", "*******"),
        ("", ""),
    ],
)
def test_mask_id_number(value: str, expected: str) -> None:
    assert mask_id_number(value) == expected


def test_mask_id_number_15_digits_exactly() -> None:
    assert mask_id_number("321302800101123") == "321********1123"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("13812345678", "138****5678"),
        ("0527-84212345", "052****2345"),
        ("84212345", "842****2345"),
        ("8421234", "*******"),
        ("", ""),
    ],
)
def test_mask_phone(value: str, expected: str) -> None:
    assert mask_phone(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("6222021234567890123", "**** **** **** 0123"),
        ("6222 0212 3456 7890", "**** **** **** 7890"),
        ("6222-0212-3456-7891", "**** **** **** 7891"),
        ("1234", "**** **** **** ****"),
        ("", ""),
    ],
)
def test_mask_bank_account(value: str, expected: str) -> None:
    assert mask_bank_account(value) == expected


def test_mask_generic() -> None:
    assert mask("abcdefgh", keep_start=2, keep_end=1) == "ab*****h"
    assert mask("abcdefgh", keep_start=0, keep_end=0, fill="#") == "########"
    assert mask("张三丰", keep_start=1, keep_end=0) == "张**"
    assert mask("abc", keep_start=2, keep_end=1) == "***"  # nothing would be hidden: hide everything
    with pytest.raises(ValueError, match="negative"):
        mask("abc", keep_start=-1, keep_end=0)
    with pytest.raises(ValueError, match="one character"):
        mask("abc", keep_start=1, keep_end=0, fill="**")


# --- the field ---------------------------------------------------------------------------------------------------


@pytest.fixture
def vault_model() -> Iterator[type[models.Model]]:
    """A scoped model with two encrypted fields, registered in a throw-away app registry only."""
    with isolate_apps("minsheng.core"):

        class Vault(ScopedModel):
            area_code = models.CharField(max_length=12)
            id_number = EncryptedCharField("ID number")
            phone = EncryptedCharField("phone", blank=True, default="", null=True)
            note = models.CharField(max_length=20, default="")

            scope_field = "area_code"

            class Meta:
                app_label = "core"

        yield Vault


def _field(model: type[models.Model], name: str) -> EncryptedCharField:
    field = model._meta.get_field(name)
    assert isinstance(field, EncryptedCharField)
    return field


def test_field_round_trip(key_a: None, vault_model: type[models.Model]) -> None:
    field = _field(vault_model, "id_number")
    stored = field.get_prep_value("32130219800101123X")
    assert stored.startswith(f"1${KID_A}$")
    assert field.from_db_value(stored, None, connection) == "32130219800101123X"
    assert field.get_db_prep_save("张三", connection).startswith(f"1${KID_A}$")


def test_field_never_encrypts_twice(key_a: None, vault_model: type[models.Model]) -> None:
    field = _field(vault_model, "id_number")
    token = encrypt("13812345678")
    assert field.get_prep_value(token) == token
    once = field.get_prep_value("13812345678")
    assert field.get_prep_value(once) == once
    assert decrypt(field.get_db_prep_save(once, connection)) == "13812345678"


def test_field_keeps_none_and_empty(key_a: None, vault_model: type[models.Model]) -> None:
    field = _field(vault_model, "phone")
    assert field.get_prep_value(None) is None
    assert field.get_prep_value("") == ""
    assert field.from_db_value(None, None, connection) is None
    assert field.from_db_value("", None, connection) == ""


def test_field_refuses_to_read_plaintext(key_a: None, vault_model: type[models.Model]) -> None:
    with pytest.raises(DecryptionError, match="not an encrypted value"):
        _field(vault_model, "id_number").from_db_value("32130219800101123X", None, connection)


@pytest.mark.parametrize(
    "lookup", ["id_number", "id_number__exact", "id_number__iexact", "id_number__in", "id_number__startswith"]
)
def test_field_lookups_other_than_isnull_raise(vault_model: type[models.Model], lookup: str) -> None:
    value: Any = ["x"] if lookup.endswith("__in") else "x"
    name = lookup.split("__")[1] if "__" in lookup else "exact"
    with pytest.raises(FieldError, match=rf"core.Vault.id_number is encrypted and cannot be searched with __{name}"):
        vault_model.objects.unscoped().filter(**{lookup: value})  # type: ignore[attr-defined]
    with pytest.raises(FieldError, match="blind index"):
        vault_model.objects.unscoped().filter(id_number__lower="x")  # type: ignore[attr-defined]


def test_field_isnull_lookup_works(vault_model: type[models.Model]) -> None:
    query = str(vault_model.objects.unscoped().filter(phone__isnull=True).query)  # type: ignore[attr-defined]
    assert '"phone" IS NULL' in query


def test_field_deconstructs_for_migrations(vault_model: type[models.Model]) -> None:
    field = _field(vault_model, "phone")
    name, path, args, kwargs = field.deconstruct()
    assert (name, path, args) == ("phone", "minsheng.core.fields.EncryptedCharField", [])
    assert kwargs == {"verbose_name": "phone", "blank": True, "default": "", "null": True}
    rebuilt = EncryptedCharField(*args, **kwargs)
    assert rebuilt.deconstruct()[3] == kwargs


def test_field_form_is_one_line_and_serialization_keeps_the_token(key_a: None, vault_model: type[models.Model]) -> None:
    field = _field(vault_model, "id_number")
    assert isinstance(field.formfield().widget, forms.TextInput)
    person = vault_model(area_code="321302001001", id_number="32130219800101123X")
    serialized = field.value_to_string(person)
    assert serialized.startswith(f"1${KID_A}$") and decrypt(serialized) == "32130219800101123X"


def test_field_check_refuses_unique_and_index() -> None:
    with isolate_apps("minsheng.core"):

        class Bad(models.Model):
            unique_number = EncryptedCharField(unique=True)
            indexed_number = EncryptedCharField(db_index=True)
            plain_number = EncryptedCharField()

            class Meta:
                app_label = "core"

            def __str__(self) -> str:
                return str(self.pk)

        names = ("unique_number", "indexed_number", "plain_number")
        ids = {name: [error.id for error in _field(Bad, name).check()] for name in names}
        assert ids == {"unique_number": ["core.E001"], "indexed_number": ["core.E001"], "plain_number": []}


# --- rotation ----------------------------------------------------------------------------------------------------


def test_reencrypt_tokens_rewrites_only_old_key_values(settings: Any) -> None:
    settings.ENCRYPTION_KEYS = [KEY_A]
    old = [encrypt("13812345678"), encrypt("李四")]
    settings.ENCRYPTION_KEYS = [KEY_B, KEY_A]
    current = encrypt("张三")
    new = reencrypt_tokens([None, old[0], "", current, old[1]])
    assert sorted(new) == [1, 4]
    assert [decrypt(new[1]), decrypt(new[4])] == ["13812345678", "李四"]
    assert all(not needs_reencryption(token) for token in new.values())
    assert reencrypt_tokens([current, None, ""]) == {}
    assert reencrypt_tokens([]) == {}


def test_reencrypt_tokens_names_the_position_of_an_undecryptable_value(settings: Any) -> None:
    settings.ENCRYPTION_KEYS = [KEY_C]
    foreign = encrypt("13812345678")
    settings.ENCRYPTION_KEYS = [KEY_B, KEY_A]
    with pytest.raises(RotationError, match=rf"value 2: unknown encryption key id '{key_id(KEY_C)}'") as caught:
        reencrypt_tokens([encrypt("a"), None, foreign])
    assert caught.value.position == 2
    with pytest.raises(RotationError, match="value 0: not an encrypted value"):
        reencrypt_tokens(["13812345678"])


def test_reencrypt_all_without_encrypted_models_is_empty() -> None:
    from minsheng.areas.models import Division

    assert reencrypt_all(models=[]) == {}
    assert reencrypt_all(models=[Division]) == {"areas.Division": 0}
    with pytest.raises(ValueError, match="batch_size"):
        reencrypt_all(batch_size=0, models=[])


def test_encrypted_models_lists_exactly_the_models_with_encrypted_columns() -> None:
    from django.apps import apps

    found = encrypted_models()
    assert all(encrypted_fields(model) for model in found)
    assert not any(
        encrypted_fields(model) for model in apps.get_models() if model not in found and not model._meta.proxy
    )


def _create_table(model: type[models.Model]) -> None:
    # Inside the test's transaction (rolled back afterwards): the schema editor's context would refuse to run
    # within one on SQLite, so only its CREATE TABLE statement is used.
    sql, params = connection.schema_editor().table_sql(model)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _stored(model: type[models.Model]) -> list[tuple[Any, ...]]:
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, id_number, phone, note FROM {table} ORDER BY id")
        return [tuple(row) for row in cursor.fetchall()]


@pytest.mark.django_db
def test_reencrypt_all_rewrites_a_scoped_table(settings: Any, vault_model: type[models.Model]) -> None:
    _create_table(vault_model)
    settings.ENCRYPTION_KEYS = [KEY_A]
    people = [
        ("32130219800101123X", "13812345678"),
        ("32130219800101124X", ""),
        ("32130219800101125X", None),
        ("张三的证件号", "13900000000"),
        ("32130219800101126X", "13700000000"),
    ]
    manager = vault_model.objects.unscoped()  # type: ignore[attr-defined]
    manager.bulk_create(
        [vault_model(area_code="321302001001", id_number=i, phone=p, note=f"n{n}") for n, (i, p) in enumerate(people)]
    )
    with pytest.raises(ScopeNotApplied):
        list(vault_model.objects.all())  # type: ignore[attr-defined]
    before = _stored(vault_model)
    settings.ENCRYPTION_KEYS = [KEY_B, KEY_A]
    # One row already written with the new key must be left alone.
    manager.filter(pk=before[4][0]).update(id_number="32130219800101126X", phone="13700000000")
    before = _stored(vault_model)
    assert before[4][1].startswith(f"1${KID_B}$")
    pks = [row[0] for row in before]

    # Old-key values: 4 ID numbers and 2 phones (the empty and the missing phone have nothing to encrypt).
    out = io.StringIO()
    assert reencrypt_all(models=[vault_model], batch_size=2, dry_run=True, stdout=out) == {"core.Vault": 6}
    assert _stored(vault_model) == before
    assert out.getvalue().splitlines()[-1] == "core.Vault: 6 values would be re-encrypted (dry run)"

    out = io.StringIO()
    assert reencrypt_all(models=[vault_model], batch_size=2, stdout=out) == {"core.Vault": 6}
    assert out.getvalue().splitlines() == [
        f"  core.Vault: 3 values re-encrypted so far (up to pk {pks[1]})",
        f"  core.Vault: 6 values re-encrypted so far (up to pk {pks[3]})",
        "core.Vault: 6 values re-encrypted",
    ]
    after = _stored(vault_model)
    assert after[4] == before[4]  # nothing to do there: not rewritten
    assert [row[3] for row in after] == ["n0", "n1", "n2", "n3", "n4"]
    assert [(row[2] is None, row[2] == "") for row in after[1:3]] == [(False, True), (True, False)]
    assert all(value.startswith(f"1${KID_B}$") for row in after for value in row[1:3] if value)
    settings.ENCRYPTION_KEYS = [KEY_B]  # key A can go now
    assert [(v.id_number, v.phone) for v in manager.order_by("pk")] == people
    assert reencrypt_all(models=[vault_model]) == {"core.Vault": 0}


@pytest.mark.django_db
def test_reencrypt_all_stops_at_a_value_it_cannot_decrypt(settings: Any, vault_model: type[models.Model]) -> None:
    _create_table(vault_model)
    manager = vault_model.objects.unscoped()  # type: ignore[attr-defined]
    settings.ENCRYPTION_KEYS = [KEY_C]
    manager.bulk_create([vault_model(area_code="321302001001", id_number=f"id{n}") for n in range(2)])
    settings.ENCRYPTION_KEYS = [KEY_A]
    manager.create(area_code="321302001001", id_number="id2")
    settings.ENCRYPTION_KEYS = [KEY_B, KEY_C]  # key A forgotten
    third = _stored(vault_model)[2][0]
    with pytest.raises(
        RotationError, match=rf"core.Vault.id_number \(pk={third}\): unknown encryption key id '{KID_A}'"
    ):
        reencrypt_all(models=[vault_model], batch_size=2)
    # The first batch is written, the failing one is not.
    assert [row[1][:11] for row in _stored(vault_model)] == [f"1${KID_B}$", f"1${KID_B}$", f"1${KID_A}$"]


@pytest.mark.django_db
def test_rotate_encryption_keys_command(
    settings: Any, vault_model: type[models.Model], monkeypatch: pytest.MonkeyPatch
) -> None:
    _create_table(vault_model)
    settings.ENCRYPTION_KEYS = [KEY_A]
    vault_model.objects.unscoped().create(area_code="321302001001", id_number="x", phone="y")  # type: ignore[attr-defined]
    settings.ENCRYPTION_KEYS = [KEY_B, KEY_A]
    monkeypatch.setattr(rotation, "encrypted_models", lambda: [vault_model])

    out = io.StringIO()
    call_command("rotate_encryption_keys", "--dry-run", stdout=out)
    assert out.getvalue().splitlines()[0] == f"Current key id: {KID_B} (dry run, nothing is written)"
    assert "2 values in 1 models would be re-encrypted" in out.getvalue()

    out = io.StringIO()
    call_command("rotate_encryption_keys", "--batch-size", "500", stdout=out)
    assert "core.Vault: 2 values re-encrypted\n" in out.getvalue()
    assert "2 values in 1 models re-encrypted" in out.getvalue()
    assert all(value.startswith(f"1${KID_B}$") for value in _stored(vault_model)[0][1:3])


def test_rotate_encryption_keys_command_without_models(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rotation, "encrypted_models", list)
    out = io.StringIO()
    call_command("rotate_encryption_keys", stdout=out)
    assert "No model has encrypted fields; nothing to do" in out.getvalue()
