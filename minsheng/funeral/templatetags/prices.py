"""Price changes shown as per cent: a filed price against the one in force before it."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def change(permille: Any) -> str:
    """−125 → "↓12.5%", 40 → "↑4.0%", 0 → "±0.0%", None → "new"."""
    if permille is None or permille == "":
        return _("new")
    value = int(permille)
    arrow = "↓" if value < 0 else "↑" if value > 0 else "±"
    return f"{arrow}{abs(value) / 10:.1f}%"
