"""The committed OpenAPI schema (docs/openapi.yaml) is what the code generates; regenerate with `make schema`."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

from django.core.management import call_command

SCHEMA = Path(__file__).resolve().parent.parent / "docs" / "openapi.yaml"


def test_the_committed_schema_matches_the_code() -> None:
    generated = StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=generated)
    assert generated.getvalue() == SCHEMA.read_text(encoding="utf-8"), "the API changed: run `make schema`"
