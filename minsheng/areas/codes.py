"""12-digit statistical division codes (统计用区划代码, DOMAIN §8.2).

A code is 2 (province) + 2 (city) + 2 (county) + 3 (township) + 3 (village) digits. Shorter published forms
are right-padded with zeros: 宿迁市 ``3213`` is ``321300000000``.
"""

from __future__ import annotations

from minsheng.core.scoping import LEVEL_DIGITS, scope_prefix

LEVELS = ("province", "city", "county", "township", "village")
LEVEL_DEPTH = {level: depth for depth, level in enumerate(LEVELS)}


class InvalidCode(ValueError):
    """A code that is not a division code; the message says why, for an import report or a form."""


def normalize_code(raw: str) -> str:
    """The 12-digit form of a published code of 2, 4, 6, 9 or 12 digits."""
    code = raw.strip()
    if not code:
        raise InvalidCode("empty code")
    if not code.isascii() or not code.isdigit():
        raise InvalidCode(f"{code!r} is not all digits")
    if len(code) not in LEVEL_DIGITS.values():
        raise InvalidCode(f"{code!r} has {len(code)} digits; a division code has 2, 4, 6, 9 or 12")
    return code.ljust(12, "0")


def level_of(code: str) -> str:
    """The level a 12-digit code denotes: the last non-zero segment decides."""
    if len(code) != 12 or not code.isascii() or not code.isdigit():
        raise InvalidCode(f"{code!r} is not a 12-digit code")
    if code[:2] == "00":
        raise InvalidCode(f"{code!r} has no province part")
    level = "province"
    for candidate in LEVELS[1:]:
        start = LEVEL_DIGITS[LEVELS[LEVEL_DEPTH[candidate] - 1]]
        if code[start : LEVEL_DIGITS[candidate]].strip("0"):
            level = candidate
    return level


def check_code_level(code: str, level: str) -> None:
    """Reject a code whose digits do not fit its stated level (``321302001000`` is no county)."""
    if level not in LEVEL_DIGITS:
        raise InvalidCode(f"unknown level {level!r}; expected one of {', '.join(LEVELS)}")
    digits = LEVEL_DIGITS[level]
    if code[digits:].strip("0"):
        raise InvalidCode(f"{code} has digits beyond the {level} part")
    if level != "province":
        previous = LEVEL_DIGITS[LEVELS[LEVEL_DEPTH[level] - 1]]
        if not code[previous:digits].strip("0"):
            raise InvalidCode(f"{code} has an all-zero {level} part")


# The significant digits of a code at its level; the scoping door uses the same function.
prefix_of = scope_prefix
