"""Template filters for money (fen shown as yuan) and dictionary lookups."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

register = template.Library()


@register.filter
def yuan(fen: Any) -> str:
    """12345 → "123.45"; thousands are separated so that a tired eye reads them right: 1234567 → "12,345.67".
    Fractions of a fen (a per-capita income) are rounded to the fen for display only."""
    if fen is None or fen == "":
        return ""
    return f"{Decimal(fen) / 100:,.2f}"


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    return mapping.get(key) if hasattr(mapping, "get") else None
