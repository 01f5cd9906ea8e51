"""Encryption at rest, blind indexes and masking of personal numbers (ID, phone, bank account).

Tokens
    ``encrypt`` turns a string into ``1$<key id>$<data>``: ``1`` is the format version, ``<key id>`` the first
    8 hex digits of SHA-256 of the key that encrypted it, ``<data>`` URL-safe base64 without padding of the
    12-byte random nonce followed by the AES-256-GCM ciphertext and its 16-byte tag. A token is plain ASCII, so
    it fits any text column and survives CSV exports and logs intact.

Keys
    ``settings.ENCRYPTION_KEYS`` is read at every call, so ``override_settings`` and a restarted process with a
    new key list take effect at once. The first key encrypts; every listed key decrypts, chosen by the key id
    in the token. Rotation is: put the new key first, keep the old ones after it, run
    ``manage.py rotate_encryption_keys``, then drop the old keys (docs/deployment.md, "Key rotation").

No associated data
    Tokens are not bound to a table, column or row (no AAD). A person with write access to the database can
    therefore move a token from one row to another undetected; that person could as well change the
    unencrypted columns, so binding would add complexity (and block copying a value between tables) without
    closing a real hole. The encryption protects against reading a dump, a backup or a replica.

Nonces
    Nonces are random. AES-GCM with random 96-bit nonces stays within NIST's bound (2**32 messages per key)
    for far more values than a city holds; rotating the key resets the count anyway.

Blind indexes
    ``blind_index`` is a keyed hash (HMAC-SHA256 with ``settings.BLIND_INDEX_KEY``) for exact lookup and unique
    constraints on encrypted values. It is deterministic, so the caller must normalize the value first (strip
    blanks, upper-case the ID check letter, ...): ``blind_index`` hashes exactly the string it is given.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import os
import re
from collections.abc import Callable, Iterable
from typing import NamedTuple

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

TOKEN_VERSION = "1"
NONCE_BYTES = 12
KEY_BYTES = 32
BLIND_INDEX_HEX_DIGITS = 32

# Version, key id, then at least nonce + tag (28 bytes, 38 base64 characters): a shorter value cannot be ours.
_TOKEN_RE = re.compile(r"1\$([0-9a-f]{8})\$([A-Za-z0-9_-]{38,})")
# Bulk encryption draws nonces for this many values per system call.
_NONCES_PER_DRAW = 4096


class DecryptionError(ValueError):
    """A token cannot be decrypted: not a token, made with a key that is not configured, corrupt or tampered.

    The message never contains the token or any part of the value, only the key id.
    """

    def __init__(self, message: str, *, key_id: str | None = None) -> None:
        super().__init__(message)
        self.key_id = key_id


class _Keyring(NamedTuple):
    current_id: str
    current: AESGCM
    by_id: dict[str, tuple[AESGCM, ...]]


@functools.lru_cache(maxsize=64)
def key_id(key: bytes) -> str:
    """The public name of a key in tokens: the first 8 hex digits of its SHA-256."""
    return hashlib.sha256(key).hexdigest()[:8]


@functools.lru_cache(maxsize=64)
def _cipher(key: bytes) -> AESGCM:
    # Building an AESGCM object sets up the OpenSSL key schedule; doing it once per key instead of once per
    # value is most of the speed of a bulk import.
    return AESGCM(key)


@functools.lru_cache(maxsize=16)
def _keyring(keys: tuple[bytes, ...]) -> _Keyring:
    if not keys:
        raise ImproperlyConfigured("ENCRYPTION_KEYS is empty: personal data cannot be encrypted")
    by_id: dict[str, tuple[AESGCM, ...]] = {}
    for position, key in enumerate(keys):
        if not isinstance(key, bytes) or len(key) != KEY_BYTES:
            size = len(key) if isinstance(key, bytes) else type(key).__name__
            raise ImproperlyConfigured(f"ENCRYPTION_KEYS[{position}] must be {KEY_BYTES} bytes (AES-256), not {size}")
        # Two keys sharing a key id (a 1 in 4 billion chance) both get tried; GCM's tag tells which one fits.
        by_id[key_id(key)] = (*by_id.get(key_id(key), ()), _cipher(key))
    return _Keyring(current_id=key_id(keys[0]), current=_cipher(keys[0]), by_id=by_id)


def _current_keyring() -> _Keyring:
    return _keyring(tuple(settings.ENCRYPTION_KEYS))


def current_key_id() -> str:
    """The key id that ``encrypt`` writes into new tokens now."""
    return _current_keyring().current_id


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def encrypt(value: str) -> str:
    """Encrypt ``value`` with the current key (``settings.ENCRYPTION_KEYS[0]``) into an ASCII token.

    Two encryptions of one value differ (random nonce); use ``blind_index`` to find equal values.
    """
    if not isinstance(value, str):
        raise TypeError(f"encrypt() takes a str, not {type(value).__name__}")
    keyring = _current_keyring()
    nonce = os.urandom(NONCE_BYTES)
    sealed = keyring.current.encrypt(nonce, value.encode("utf-8"), None)
    return f"{TOKEN_VERSION}${keyring.current_id}${_encode(nonce + sealed)}"


def encrypt_many(values: Iterable[str]) -> list[str]:
    """``[encrypt(v) for v in values]``, faster: one key lookup and one nonce draw per 4096 values."""
    keyring = _current_keyring()
    prefix = f"{TOKEN_VERSION}${keyring.current_id}$"
    seal = keyring.current.encrypt
    b64 = base64.urlsafe_b64encode
    tokens: list[str] = []
    append = tokens.append
    nonces = b""
    offset = 0
    for value in values:
        if not isinstance(value, str):
            raise TypeError(f"encrypt_many() takes str values, not {type(value).__name__}")
        if offset == len(nonces):
            nonces = os.urandom(NONCE_BYTES * _NONCES_PER_DRAW)
            offset = 0
        nonce = nonces[offset : offset + NONCE_BYTES]
        offset += NONCE_BYTES
        append(prefix + b64(nonce + seal(nonce, value.encode("utf-8"), None)).rstrip(b"=").decode("ascii"))
    return tokens


def is_token(value: object) -> bool:
    """Whether ``value`` has the shape of a token of ours (it may still fail to decrypt)."""
    return isinstance(value, str) and value.startswith("1$") and _TOKEN_RE.fullmatch(value) is not None


def _parse(token: str) -> tuple[str, str]:
    match = _TOKEN_RE.fullmatch(token) if isinstance(token, str) else None
    if match is None:
        # Never echo the value: it may be plaintext personal data stored by mistake.
        raise DecryptionError("not an encrypted value (expected a token of the form 1$<key id>$<data>)")
    return match.group(1), match.group(2)


def decrypt(token: str) -> str:
    """The plaintext of a token made by ``encrypt`` with any key listed in ``settings.ENCRYPTION_KEYS``.

    Raises ``DecryptionError`` naming the key id when that key is not configured, or when the token is corrupt
    or was altered (GCM authenticates every byte).
    """
    kid, data = _parse(token)
    ciphers = _current_keyring().by_id.get(kid)
    if not ciphers:
        raise DecryptionError(
            f"unknown encryption key id {kid!r}: the key that encrypted this value is not in ENCRYPTION_KEYS",
            key_id=kid,
        )
    try:
        raw = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
    except (binascii.Error, ValueError):
        raise DecryptionError(f"value encrypted with key id {kid!r} is corrupt (bad base64)", key_id=kid) from None
    nonce, sealed = raw[:NONCE_BYTES], raw[NONCE_BYTES:]
    for cipher in ciphers:
        try:
            return cipher.decrypt(nonce, sealed, None).decode("utf-8")
        except InvalidTag:
            continue
    raise DecryptionError(f"value encrypted with key id {kid!r} is corrupt or was tampered with", key_id=kid)


def needs_reencryption(token: str) -> bool:
    """Whether ``token`` was made with a key other than the current first key (so rotation must rewrite it).

    Looks at the key id only and does not decrypt; raises ``DecryptionError`` when ``token`` is not a token.
    """
    kid, _data = _parse(token)
    return kid != current_key_id()


def blind_indexer() -> Callable[[str], str]:
    """``blind_index`` with the key read and checked once, for loops over many values (an import's rows)."""
    key = settings.BLIND_INDEX_KEY
    if not isinstance(key, bytes) or len(key) != KEY_BYTES:
        raise ImproperlyConfigured(f"BLIND_INDEX_KEY must be {KEY_BYTES} bytes")
    digest, size = hmac.digest, BLIND_INDEX_HEX_DIGITS // 2

    def index(value: str) -> str:
        return digest(key, value.encode("utf-8"), "sha256")[:size].hex()

    return index


def blind_index(value: str) -> str:
    """HMAC-SHA256 of ``value`` under ``settings.BLIND_INDEX_KEY``, as 32 hex digits (the first 16 bytes).

    Deterministic: equal strings give equal indexes, for exact lookup and unique constraints on encrypted
    columns. The caller normalizes first (one spelling per value, e.g. ``id_number.strip().upper()``); the
    value is hashed exactly as given.
    """
    if not isinstance(value, str):
        raise TypeError(f"blind_index() takes a str, not {type(value).__name__}")
    return blind_indexer()(value)


def mask(value: str, *, keep_start: int, keep_end: int, fill: str = "*") -> str:
    """``value`` with every character but the first ``keep_start`` and last ``keep_end`` replaced by ``fill``.

    A value too short to hide at least one character while keeping both ends is masked completely: showing
    all of a short number would defeat the mask.
    """
    if keep_start < 0 or keep_end < 0:
        raise ValueError("keep_start and keep_end cannot be negative")
    if len(fill) != 1:
        raise ValueError("fill must be one character")
    hidden = len(value) - keep_start - keep_end
    if hidden < 1:
        return fill * len(value)
    return value[:keep_start] + fill * hidden + value[len(value) - keep_end :]


def mask_id_number(value: str) -> str:
    """A resident ID number for lists: ``321302********123X`` (first 6, 8 stars, last 4) for 18 characters.

    Any other length (a 15-digit first-generation number, a passport) keeps the first 3 and last 4.
    """
    if len(value) == 18:
        return mask(value, keep_start=6, keep_end=4)
    return mask(value, keep_start=3, keep_end=4)


def mask_name(value: str) -> str:
    """A name where the log names a person to people who need not know who: the family name kept, ``张**``
    (the given name always one star or more, a one-character name all stars)."""
    if len(value) < 2:
        return "*" * len(value)
    return value[:1] + "*" * (len(value) - 1)


def mask_phone(value: str) -> str:
    """A phone number for lists: ``138****5678`` (first 3, always 4 stars, last 4).

    The star count is fixed so a landline and a mobile number look alike; 7 characters or fewer are all stars.
    """
    if len(value) <= 7:
        return "*" * len(value)
    return f"{value[:3]}****{value[-4:]}"


def mask_bank_account(value: str) -> str:
    """A bank account for lists: ``**** **** **** 1234``, whatever the length of the number.

    Blanks and hyphens (grouping written by people) are ignored; 4 significant characters or fewer are all
    stars (``**** **** **** ****``); an empty value stays empty.
    """
    digits = value.replace(" ", "").replace("-", "")
    if not digits:
        return ""
    last = digits[-4:] if len(digits) > 4 else "****"
    return f"**** **** **** {last}"
