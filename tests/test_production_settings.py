"""MINSHENG_ENV=production: refuses to start without its secrets and passes `check --deploy` with them."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOOD = {
    "MINSHENG_ENV": "production",
    "SECRET_KEY": "k" * 20 + "-production-secret-key-for-the-check-0123456789",
    "ALLOWED_HOSTS": "minsheng.example.gov.cn",
    "MINSHENG_ENCRYPTION_KEYS": base64.b64encode(b"0123456789abcdef0123456789abcdef").decode(),
    "MINSHENG_BLIND_INDEX_KEY": base64.b64encode(b"fedcba9876543210fedcba9876543210").decode(),
}


def _manage(*args: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    inherited = {
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "DEBUG",
        "MINSHENG_ENCRYPTION_KEYS",
        "MINSHENG_ENCRYPTION_KEY_FILE",
        "MINSHENG_BLIND_INDEX_KEY",
        "MINSHENG_BLIND_INDEX_KEY_FILE",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
    }  # and whatever a developer's var/demo.env put into this process (settings load it outside production)
    environ = {k: v for k, v in os.environ.items() if k not in inherited}
    environ.update(env)
    environ["MINSHENG_ENV_FILE"] = str(tmp_path / "absent.env")  # never pick up a developer's demo secrets
    environ["MINSHENG_VAR_DIR"] = str(tmp_path)
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_passes_check_deploy(tmp_path: Path) -> None:
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=GOOD, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_turns_debug_off_and_uses_strong_hashers(tmp_path: Path) -> None:
    code = "from django.conf import settings as s; print(s.DEBUG, s.PASSWORD_HASHERS[0].rsplit('.', 1)[1])"
    result = _manage("shell", "--no-imports", "-c", code, env={**GOOD, "DEBUG": "1"}, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "Argon2PasswordHasher"]


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("SECRET_KEY", "SECRET_KEY must be set"),
        ("ALLOWED_HOSTS", "ALLOWED_HOSTS must be set in production"),
        ("MINSHENG_ENCRYPTION_KEYS", "MINSHENG_ENCRYPTION_KEYS (or MINSHENG_ENCRYPTION_KEY_FILE) must be"),
        ("MINSHENG_BLIND_INDEX_KEY", "MINSHENG_BLIND_INDEX_KEY (or MINSHENG_BLIND_INDEX_KEY_FILE) must be"),
    ],
)
def test_production_refuses_to_start_without(missing: str, message: str, tmp_path: Path) -> None:
    env = {k: v for k, v in GOOD.items() if k != missing}
    result = _manage("check", env=env, tmp_path=tmp_path)
    assert result.returncode != 0
    assert message in result.stderr


def test_a_bad_value_stops_start_up_with_its_name(tmp_path: Path) -> None:
    result = _manage("check", env={**GOOD, "PORT": "eighty"}, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "PORT='eighty' is not a whole number" in result.stderr


def test_static_files_collect_for_production(tmp_path: Path) -> None:
    """WhiteNoise's manifest storage refuses a file that names a missing one (e.g. a source map)."""
    result = _manage("collectstatic", "--no-input", "-v", "0", env=GOOD, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    manifest = (tmp_path / "staticfiles" / "staticfiles.json").read_text()
    assert "vendor/htmx/htmx.min.js" in manifest and "vendor/bootstrap/bootstrap.min.css" in manifest
