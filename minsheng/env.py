"""Typed readers for settings that come from the environment.

Every helper names the variable in its error, so a mistyped value stops the process at start-up with a message
an operator can act on, instead of surfacing later as a strange behaviour. Nothing here imports Django settings,
so the module is safe to use from ``settings.py`` itself.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_SUPPORTED_DB_ENGINES = {"django.db.backends.postgresql", "django.db.backends.sqlite3"}


def _raw(name: str, environ: Mapping[str, str] | None) -> str | None:
    value = (environ if environ is not None else os.environ).get(name)
    if value is None:
        return None
    value = value.strip()
    return value or None


def env_str(name: str, default: str | None = None, *, environ: Mapping[str, str] | None = None) -> str | None:
    """A string, with surrounding blanks removed; an empty value counts as unset."""
    value = _raw(name, environ)
    return default if value is None else value


def env_required(name: str, *, why: str, environ: Mapping[str, str] | None = None) -> str:
    value = _raw(name, environ)
    if value is None:
        raise ImproperlyConfigured(f"{name} must be set: {why}")
    return value


def env_bool(name: str, default: bool, *, environ: Mapping[str, str] | None = None) -> bool:
    value = _raw(name, environ)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean; use one of 1/0, true/false, yes/no, on/off")


def env_int(
    name: str,
    default: int,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    value = _raw(name, environ)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={number} is below the minimum {minimum}")
    if maximum is not None and number > maximum:
        raise ImproperlyConfigured(f"{name}={number} is above the maximum {maximum}")
    return number


def env_list(name: str, default: list[str], *, environ: Mapping[str, str] | None = None) -> list[str]:
    """A comma-separated list; blanks around items are dropped, empty items rejected."""
    value = _raw(name, environ)
    if value is None:
        return list(default)
    items = [item.strip() for item in value.split(",")]
    if any(not item for item in items):
        raise ImproperlyConfigured(f"{name}={value!r} has an empty item; separate values with single commas")
    return items


def env_choice(name: str, default: str, choices: set[str], *, environ: Mapping[str, str] | None = None) -> str:
    value = _raw(name, environ)
    if value is None:
        return default
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r} is not one of {sorted(choices)}")
    return value


def env_database(name: str, default_sqlite_path: Path, *, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """``DATABASE_URL`` parsed into a Django ``DATABASES`` entry; SQLite at the given path when unset."""
    value = _raw(name, environ)
    if value is None:
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(default_sqlite_path), "OPTIONS": sqlite_options()}
    try:
        config: dict[str, Any] = dict(dj_database_url.parse(value, conn_max_age=60, conn_health_checks=True))
    except (ValueError, KeyError) as exc:
        raise ImproperlyConfigured(f"{name} is not a usable database URL: {exc}") from None
    if config.get("ENGINE") not in _SUPPORTED_DB_ENGINES:
        raise ImproperlyConfigured(
            f"{name} points at {config.get('ENGINE')!r}; Minsheng runs on postgresql:// or sqlite:// only"
        )
    if config["ENGINE"] == "django.db.backends.postgresql" and not config.get("NAME"):
        raise ImproperlyConfigured(f"{name} names no database (postgresql://user@host:port/DATABASE)")
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {**sqlite_options(), **config.get("OPTIONS", {})}
    return config


def sqlite_options() -> dict[str, Any]:
    """SQLite as several users share it (the embedded default, or a ``sqlite://`` URL).

    - ``journal_mode=WAL``: readers go on while one connection writes, and a writer does not wait for readers;
      ``synchronous=NORMAL`` is WAL's usual pairing (a commit is durable at the next checkpoint, never corrupt).
    - ``transaction_mode=IMMEDIATE``: every transaction takes the write lock when it begins. A transaction that
      read first and then wants to write (what every service does) would otherwise get "database is locked" at
      once when another wrote meanwhile: SQLite cannot wait there without a deadlock, so the busy timeout is not
      used. Taking the lock at BEGIN turns that into an ordinary wait.
    - ``timeout`` (seconds) is the busy timeout: how long a connection waits for the write lock before it gives up.
    """
    return {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    }


def parse_aes_key(name: str, value: str) -> bytes:
    """A 256-bit key written as URL-safe or standard base64 (``openssl rand -base64 32``)."""
    try:
        key = base64.b64decode(value.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        raise ImproperlyConfigured(f"{name} is not base64; generate one with `openssl rand -base64 32`") from None
    if len(key) != 32:
        raise ImproperlyConfigured(f"{name} must decode to 32 bytes (AES-256), not {len(key)}")
    return key


def env_keys(name: str, file_name: str, *, required: bool, environ: Mapping[str, str] | None = None) -> list[bytes]:
    """Encryption keys from ``NAME`` or from the file named by ``FILE_NAME`` (one key a line).

    The first key encrypts; every key decrypts, so an old key stays listed after the current one while data
    is being re-encrypted (see docs/deployment.md, "Key rotation").
    """
    raw = _raw(name, environ)
    path = _raw(file_name, environ)
    if raw and path:
        raise ImproperlyConfigured(f"set {name} or {file_name}, not both")
    if path:
        try:
            raw = ",".join(line.strip() for line in Path(path).read_text().splitlines() if line.strip())
        except OSError as exc:
            raise ImproperlyConfigured(f"{file_name}={path!r} cannot be read: {exc.strerror}") from None
    if not raw:
        if required:
            raise ImproperlyConfigured(f"{name} (or {file_name}) must be set: personal data is encrypted at rest")
        return []
    return [parse_aes_key(name, item.strip()) for item in raw.split(",") if item.strip()]


def load_env_file(path: Path, environ: dict[str, str] | None = None) -> None:
    """Read ``KEY=VALUE`` lines into the environment without overriding what is already set."""
    target = os.environ if environ is None else environ
    if not path.is_file():
        return
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        key, sep, value = stripped.partition("=")
        if not sep or not key.strip():
            raise ImproperlyConfigured(f"{path}:{number}: expected KEY=VALUE")
        target.setdefault(key.strip(), value.strip())
