"""The unified social credit code (统一社会信用代码, GB 32100-2015) of a civil-affairs registered organisation.

Eighteen characters (DOMAIN §6.6): the registration authority (1: ``5`` for civil affairs), the organisation type
under it (1: ``1`` 社会团体, ``2`` 民办非企业单位, ``3`` 基金会, ``9`` other), the region of the registering authority
(6: a GB/T 2260 division code, ``100000`` for the Ministry), the organisation code (9: GB 11714, eight characters and
its own check character) and the check character over the first seventeen (1).

Both check characters are weighted sums: the code's own over the 31 characters of ``CHARSET`` (I, O, S, V and Z are
never used) with the weights 3^i mod 31, the result ``31 - sum mod 31`` (31 reads as ``0``); the organisation code's
(GB 11714) with the weights 3, 7, 9, 10, 5, 8, 4, 2 mod 11, the result ``11 - sum mod 11`` (10 reads as ``X``, 11 as
``0``). :func:`validate` names every defect, the position of the wrong character included, so a form can say which.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
CIVIL_AFFAIRS = "5"
# The type codes of the civil-affairs authority (GB 32100-2015, table 1).
TYPES = {"1": "social_group", "2": "private_non_enterprise", "3": "foundation", "9": "other"}
NATIONAL_REGION = "100000"  # registered by the Ministry of Civil Affairs
LENGTH = 18


def check_character(first17: str) -> str:
    """The 18th character of a code whose first seventeen are given (all from ``CHARSET``)."""
    total = sum(CHARSET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def organisation_check(first8: str) -> str:
    """The 9th character of a GB 11714 organisation code whose first eight are given (digits or capitals)."""
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(first8, ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    return "X" if value == 10 else "0" if value == 11 else str(value)


def normalize(raw: str) -> str:
    """The code as entered, without spaces, in capitals (a code printed on a certificate is read in capitals)."""
    return "".join(raw.split()).upper()


def validate(code: str, *, region_known: Callable[[str], bool] | None = None) -> list[str]:
    """Every defect of ``code`` as a civil-affairs organisation's credit code, in Chinese; empty when it is valid.

    ``region_known(six_digits)`` says whether the region part is a division code (the service asks the division
    table); without it only its form is checked. Positions are counted from 1, as a person reads the code."""
    errors: list[str] = []
    if len(code) != LENGTH:
        return [_("A unified social credit code has 18 characters; this one has %(n)d.") % {"n": len(code)}]
    for position, char in enumerate(code, start=1):
        if char not in CHARSET:
            errors.append(
                _(
                    "Character %(position)d (%(char)s) is not allowed: a credit code uses digits and the capitals "
                    "other than I, O, S, V and Z."
                )
                % {"position": position, "char": char}
            )
    if errors:
        return errors
    if code[0] != CIVIL_AFFAIRS:
        errors.append(
            _(
                "Character 1 (%(char)s) is the registration authority: an organisation registered by civil affairs "
                "has 5."
            )
            % {"char": code[0]}
        )
    if code[1] not in TYPES:
        errors.append(
            _(
                "Character 2 (%(char)s) is the organisation type: civil affairs uses 1 (social group), 2 (private "
                "non-enterprise unit), 3 (foundation) or 9 (other)."
            )
            % {"char": code[1]}
        )
    region = code[2:8]
    if not region.isdigit():
        errors.append(_("Characters 3–8 (%(region)s) are the region code and must be six digits.") % {"region": region})
    elif region != NATIONAL_REGION and region_known is not None and not region_known(region):
        errors.append(_("Characters 3–8 (%(region)s) are not the code of a known division.") % {"region": region})
    body = code[8:16]
    if body.isalnum():
        expected = organisation_check(body)
        if code[16] != expected:
            errors.append(
                _(
                    "Character 17 (%(char)s) is the check character of the organisation code %(org)s and should be "
                    "%(expected)s."
                )
                % {"char": code[16], "org": code[8:17], "expected": expected}
            )
    expected = check_character(code[:17])
    if code[17] != expected:
        errors.append(
            _(
                "Character 18 (%(char)s) is the check character and should be %(expected)s: a character of the code is "
                "mistyped."
            )
            % {"char": code[17], "expected": expected}
        )
    return errors


def type_of(code: str) -> str | None:
    """The organisation kind the code's type character names (``None`` for a code of another authority)."""
    return TYPES.get(code[1]) if len(code) == LENGTH and code[0] == CIVIL_AFFAIRS else None
