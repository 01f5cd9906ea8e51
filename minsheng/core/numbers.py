"""Whole numbers from outside (a URL, a query string, a form, a file): the one place that reads them.

``str.isdigit()`` is true for characters ``int()`` refuses (``²``, ``①``), and ``int()`` accepts what no form should
(``" 12 "``, ``"1_000"``, Arabic-Indic digits, 4,000 digits that overflow every database column). Every id or number
taken from a request goes through ``parse_int`` or ``parse_id``; an answer of ``None`` becomes a 404 or a 400 in the
caller, never a 500.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.http import Http404

# The largest value a BigAutoField (every primary key here) or a 64-bit SQL integer holds.
BIGINT_MAX = 2**63 - 1
_DIGITS = re.compile(r"-?[0-9]{1,19}")  # ASCII only; 19 digits hold every 64-bit value


def parse_int(text: object, *, minimum: int | None = None, maximum: int | None = None) -> int | None:
    """The whole number ``text`` writes in ASCII digits (an optional leading minus), if it lies within
    ``minimum``..``maximum`` and within 64 bits; else ``None``."""
    if not isinstance(text, str) or not _DIGITS.fullmatch(text):
        return None
    number = int(text)
    if not -BIGINT_MAX <= number <= BIGINT_MAX:
        return None
    if minimum is not None and number < minimum:
        return None
    if maximum is not None and number > maximum:
        return None
    return number


def parse_id(text: object) -> int | None:
    """A primary key: a positive whole number that fits the key column; else ``None`` (the caller answers 404)."""
    return parse_int(text, minimum=1, maximum=BIGINT_MAX)


def id_or_404(text: object) -> int:
    """``parse_id`` for a view's URL argument: a key that cannot be one is a page that does not exist."""
    number = parse_id(str(text))
    if number is None:
        raise Http404
    return number


def ids_of(texts: Iterable[object]) -> list[int]:
    """The ids among ``texts`` (an audit event's object ids, a list of checkboxes); anything else is left out."""
    return [pk for pk in map(parse_id, texts) if pk is not None]
