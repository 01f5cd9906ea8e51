"""The payment ledger of a person, for the person page (shown only to users who may view payment lines)."""

from __future__ import annotations

from typing import Any

from django import template

from minsheng.payments import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def payment_ledger(context: Any, person: Any) -> list[Any]:
    """The person's payment lines by month (newest first, at most 60), through the scoping door."""
    return list(selectors.person_ledger(user=context["request"].user, person=person)[:60])
