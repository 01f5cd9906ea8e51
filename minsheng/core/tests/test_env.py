from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from minsheng.env import (
    env_bool,
    env_choice,
    env_database,
    env_int,
    env_keys,
    env_list,
    env_required,
    load_env_file,
)


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("true", True), ("YES", True), ("off", False), ("0", False)]
)
def test_env_bool_reads_the_usual_spellings(raw: str, expected: bool) -> None:
    assert env_bool("FLAG", not expected, environ={"FLAG": raw}) is expected


def test_env_bool_rejects_anything_else_naming_the_variable() -> None:
    with pytest.raises(ImproperlyConfigured, match=r"DEBUG='maybe' is not a boolean"):
        env_bool("DEBUG", False, environ={"DEBUG": "maybe"})


def test_env_bool_default_when_unset_or_blank() -> None:
    assert env_bool("FLAG", True, environ={}) is True
    assert env_bool("FLAG", True, environ={"FLAG": "  "}) is True


def test_env_int_checks_type_and_bounds() -> None:
    assert env_int("PORT", 8000, environ={"PORT": "9001"}) == 9001
    with pytest.raises(ImproperlyConfigured, match="PORT='80a' is not a whole number"):
        env_int("PORT", 8000, environ={"PORT": "80a"})
    with pytest.raises(ImproperlyConfigured, match="PORT=70000 is above the maximum 65535"):
        env_int("PORT", 8000, maximum=65535, environ={"PORT": "70000"})
    with pytest.raises(ImproperlyConfigured, match="PORT=0 is below the minimum 1"):
        env_int("PORT", 8000, minimum=1, environ={"PORT": "0"})


def test_env_list_and_choice() -> None:
    assert env_list("HOSTS", [], environ={"HOSTS": "a.gov.cn, b.gov.cn"}) == ["a.gov.cn", "b.gov.cn"]
    with pytest.raises(ImproperlyConfigured, match="empty item"):
        env_list("HOSTS", [], environ={"HOSTS": "a.gov.cn,,b"})
    assert env_choice("MODE", "x", {"x", "y"}, environ={"MODE": "y"}) == "y"
    with pytest.raises(ImproperlyConfigured, match="MODE='z' is not one of"):
        env_choice("MODE", "x", {"x", "y"}, environ={"MODE": "z"})


def test_env_required_says_why() -> None:
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY must be set: signs sessions"):
        env_required("SECRET_KEY", why="signs sessions", environ={})


def test_database_defaults_to_sqlite_and_parses_postgres(tmp_path: Path) -> None:
    sqlite = env_database("DATABASE_URL", tmp_path / "db.sqlite3", environ={})
    assert sqlite["ENGINE"] == "django.db.backends.sqlite3"
    assert sqlite["NAME"] == str(tmp_path / "db.sqlite3")
    pg = env_database("DATABASE_URL", tmp_path / "x", environ={"DATABASE_URL": "postgres://ms@127.0.0.1:5432/minsheng"})
    assert (pg["ENGINE"], pg["NAME"], pg["HOST"], pg["PORT"], pg["USER"]) == (
        "django.db.backends.postgresql",
        "minsheng",
        "127.0.0.1",
        5432,
        "ms",
    )


@pytest.mark.parametrize("url", ["mysql://root@localhost/x", "nonsense://", "postgres://127.0.0.1:5432/"])
def test_database_rejects_unsupported_urls(url: str, tmp_path: Path) -> None:
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        env_database("DATABASE_URL", tmp_path / "x", environ={"DATABASE_URL": url})


def test_keys_from_variable_or_file(tmp_path: Path) -> None:
    first, second = b"a" * 32, b"b" * 32
    encoded = [base64.b64encode(k).decode() for k in (first, second)]
    assert env_keys("K", "KF", required=True, environ={"K": ",".join(encoded)}) == [first, second]
    key_file = tmp_path / "keys"
    key_file.write_text("\n".join(encoded) + "\n")
    assert env_keys("K", "KF", required=True, environ={"KF": str(key_file)}) == [first, second]
    assert env_keys("K", "KF", required=False, environ={}) == []


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({}, "must be set"),
        ({"K": "not base64!"}, "not base64"),
        ({"K": base64.b64encode(b"short").decode()}, "32 bytes"),
        ({"K": base64.b64encode(b"a" * 32).decode(), "KF": "/x"}, "not both"),
        ({"KF": "/nonexistent/keys"}, "cannot be read"),
    ],
)
def test_keys_reject_bad_values(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message):
        env_keys("K", "KF", required=True, environ=environ)


def test_env_file_fills_only_what_is_unset(tmp_path: Path) -> None:
    env_file = tmp_path / "demo.env"
    env_file.write_text("# comment\nA=1\nB = two\n")
    environ = {"A": "already"}
    load_env_file(env_file, environ)
    assert environ == {"A": "already", "B": "two"}
    env_file.write_text("no equals sign\n")
    with pytest.raises(ImproperlyConfigured, match=r"demo\.env:1: expected KEY=VALUE"):
        load_env_file(env_file, {})


def test_the_client_address_is_taken_from_a_trusted_proxy_only(settings: Any) -> None:
    from django.test import RequestFactory

    from minsheng.core.middleware import client_ip

    settings.TRUSTED_PROXIES = frozenset({"127.0.0.1"})
    factory = RequestFactory()
    proxied = factory.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="10.20.30.40")
    assert client_ip(proxied) == "10.20.30.40"
    chained = factory.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="1.1.1.1, 10.20.30.41")
    assert client_ip(chained) == "10.20.30.41"
    forged = factory.get("/", REMOTE_ADDR="10.9.9.9", HTTP_X_REAL_IP="1.2.3.4")
    assert client_ip(forged) == "10.9.9.9"
    garbage = factory.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="not-an-ip")
    assert client_ip(garbage) == "127.0.0.1"
