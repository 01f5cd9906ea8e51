"""Identity numbers: the resident ID (公民身份号码, GB 11643-1999) and the numbers built the same way (DOMAIN §8.1).

An 18-character number is a 6-digit address code, an 8-digit birth date (YYYYMMDD), a 3-digit sequence number
whose parity gives the gender (odd = male), and a check character (ISO 7064 MOD 11-2, ``X`` standing for 10).
Three kinds of document share that layout and that check character:

* 居民身份证 (resident identity card): the address code is the county of first registration. Codes of
  abolished counties stay in people's numbers for life, so unknown address codes are never rejected.
* 港澳台居民居住证 (residence permit for Hong Kong, Macao and Taiwan residents): address code 810000, 820000
  or 830000.
* 外国人永久居留身份证, 2023 edition (foreigner's permanent residence ID): ``9`` + 2-digit issuing-province
  code + 3-digit nationality code, then the birth date, sequence and check character at the resident-ID
  positions. No citizen's number starts with 9 (province codes begin with 1 to 8), so the first digit decides.

Legacy 15-digit resident IDs (6 + YYMMDD + 3, issued before 1999) are converted by inserting "19" before the
year and appending the check character; the 18-character form is the canonical one everywhere (storage,
blind index, display).

Everything here is pure Python so it can run in imports of millions of rows and in form validation alike.
"""

from __future__ import annotations

import datetime
import enum
import operator
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext

__all__ = [
    "EARLIEST_BIRTH_DATE",
    "IdKind",
    "IdNumber",
    "InvalidIdNumber",
    "check_character",
    "convert_15_to_18",
    "normalize_for_index",
    "parse_id_number",
    "synthesize_id_number",
]

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
# Index = weighted sum mod 11; the character is the one that makes the full MOD 11-2 sum congruent to 1.
CHECK_CHARACTERS = "10X98765432"
# Nobody alive was born earlier; an earlier date is a typing error (e.g. 1809 for 1989), not an old person.
EARLIEST_BIRTH_DATE = datetime.date(1890, 1, 1)
HMT_ADDRESS_CODES = frozenset({"810000", "820000", "830000"})  # 香港, 澳门, 台湾
FOREIGN_PERMANENT_PREFIX = "9"

# People type IDs with a Chinese input method switched on; full-width digits and X are the same characters.
_FULL_WIDTH = str.maketrans({**{chr(0xFF10 + n): str(n) for n in range(10)}, "Ｘ": "X", "ｘ": "X", "x": "X"})
_DIGITS = frozenset("0123456789")


class IdKind(enum.StrEnum):
    """The document a number belongs to; the values match ``Person.IdKind``."""

    RESIDENT = "resident"  # 居民身份证
    HMT_RESIDENCE_PERMIT = "hmt_residence_permit"  # 港澳台居民居住证
    FOREIGN_PERMANENT = "foreign_permanent"  # 外国人永久居留身份证 (2023 edition)


class InvalidIdNumber(ValueError):
    """A number that cannot be an ID number.

    ``str(exc)`` is a translated sentence for the person at the window; ``code`` is stable for programs
    (``empty``, ``length``, ``characters``, ``checksum``, ``date``, ``future``, ``too_early``) and ``params``
    holds the values named in the sentence.
    """

    def __init__(self, message: str, *, code: str, params: dict[str, str | int] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.params = params or {}


@dataclass(frozen=True)
class IdNumber:
    """A parsed, valid ID number and what it encodes."""

    # Kept out of repr so a logged or printed IdNumber does not leak the full number.
    number: str = field(repr=False)
    kind: IdKind
    birth_date: datetime.date
    gender: str  # "M" or "F", as in Person.Gender
    address_code: str  # for a foreigner's card: 9 + issuing province + nationality
    converted_from_15: bool


def check_character(first17: str) -> str:
    """The MOD 11-2 check character (``0``–``9`` or ``X``) of the first 17 digits of a number."""
    if len(first17) != 17 or not _DIGITS.issuperset(first17):
        raise ValueError("check_character needs exactly 17 ASCII digits")
    return CHECK_CHARACTERS[sum(map(operator.mul, map(int, first17), WEIGHTS)) % 11]


def _clean(raw: str) -> str:
    """The entered text without whitespace (anywhere), with full-width characters and a small x made plain."""
    return "".join(raw.split()).translate(_FULL_WIDTH)


def _bad_character_error(number: str, *, legacy: bool) -> InvalidIdNumber | None:
    """The error for the first character that may not stand where it stands, or None if all are allowed."""
    if _DIGITS.issuperset(number[:-1]) and (number[-1] in _DIGITS or (number[-1] == "X" and len(number) == 18)):
        return None
    for position, char in enumerate(number, start=1):
        if char in _DIGITS or (char == "X" and position == 18):
            continue
        params: dict[str, str | int] = {"char": char, "position": position}
        if legacy:
            message = gettext(
                "An old 15-digit ID number contains only digits; “%(char)s” at position %(position)d is not allowed."
            )
        else:
            message = gettext(
                "An ID number contains only digits, with X allowed only as the last character; "
                "“%(char)s” at position %(position)d is not allowed."
            )
        return InvalidIdNumber(message % params, code="characters", params=params)
    return None


def convert_15_to_18(raw15: str) -> str:
    """The 18-character form of a legacy 15-digit number: "19" goes before the 2-digit year, a check character after.

    Raises InvalidIdNumber if ``raw15`` is not 15 digits. The date is not checked here; ``parse_id_number`` does.
    """
    number = _clean(raw15)
    if len(number) != 15:
        params: dict[str, str | int] = {"count": len(number)}
        raise InvalidIdNumber(
            gettext("An old ID number has 15 digits; the number entered has %(count)d.") % params,
            code="length",
            params=params,
        )
    error = _bad_character_error(number, legacy=True)
    if error is not None:
        raise error
    first17 = number[:6] + "19" + number[6:]
    return first17 + check_character(first17)


def _kind_of(number: str) -> IdKind:
    if number.startswith(FOREIGN_PERMANENT_PREFIX):
        return IdKind.FOREIGN_PERMANENT
    if number[:6] in HMT_ADDRESS_CODES:
        return IdKind.HMT_RESIDENCE_PERMIT
    return IdKind.RESIDENT


def parse_id_number(raw: str, *, today: datetime.date | None = None) -> IdNumber:
    """Check an entered ID number and decode it; raises InvalidIdNumber naming the first problem found.

    Accepted input: spaces anywhere, a lower-case or full-width x, full-width digits, and legacy 15-digit
    numbers. The checks run from the coarsest to the finest — length, characters, check character, calendar
    date, not after ``today`` (default: today in the configured time zone, Asia/Shanghai), not before 1890 —
    so the message names the most basic mistake. The address code is deliberately not checked against a code
    list (see the module docstring).
    """
    number = _clean(raw)
    if not number:
        raise InvalidIdNumber(gettext("Enter an ID number."), code="empty")
    converted = len(number) == 15
    if converted:
        number = convert_15_to_18(number)
    elif len(number) != 18:
        params: dict[str, str | int] = {"count": len(number)}
        raise InvalidIdNumber(
            gettext("An ID number has 18 characters (15 for an old one); the number entered has %(count)d.") % params,
            code="length",
            params=params,
        )
    else:
        error = _bad_character_error(number, legacy=False)
        if error is not None:
            raise error
        expected = check_character(number[:17])
        if number[17] != expected:
            params = {"expected": expected, "given": number[17]}
            raise InvalidIdNumber(
                gettext(
                    "The check character (the last one) should be %(expected)s, not %(given)s; "
                    "the number probably has a typing error."
                )
                % params,
                code="checksum",
                params=params,
            )

    date_text = f"{number[6:10]}-{number[10:12]}-{number[12:14]}"
    date_params: dict[str, str | int] = {"date": date_text}
    try:
        birth_date = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidIdNumber(
            gettext("The date of birth in the number, %(date)s, is not a real date.") % date_params,
            code="date",
            params=date_params,
        ) from None
    if birth_date > (today or timezone.localdate()):
        raise InvalidIdNumber(
            gettext("The date of birth in the number, %(date)s, is in the future.") % date_params,
            code="future",
            params=date_params,
        )
    if birth_date < EARLIEST_BIRTH_DATE:
        raise InvalidIdNumber(
            gettext("The date of birth in the number, %(date)s, is before 1890; check the number.") % date_params,
            code="too_early",
            params=date_params,
        )
    return IdNumber(
        number=number,
        kind=_kind_of(number),
        birth_date=birth_date,
        gender="M" if int(number[16]) % 2 else "F",
        address_code=number[:6],
        converted_from_15=converted,
    )


def normalize_for_index(raw: str) -> str:
    """The canonical text to hash into a blind index: the checked 18-character form.

    A 15-digit number and its 18-character form, or the same number typed with spaces or a small x, therefore
    find the same person. Raises InvalidIdNumber for anything that is not a valid number.
    """
    return parse_id_number(raw).number


# --- Synthetic numbers -------------------------------------------------------------------------------------
# Demo and load-test data need millions of valid numbers (never real ones). The weighted sum is linear in the
# digits, so each part's string and partial sum is computed once and a number costs a few lookups and one join.


def _part(text: str, first_weight: int) -> tuple[str, int]:
    """A run of digits and its share of the weighted sum, the run starting at weight index ``first_weight``."""
    return text, sum(int(digit) * weight for digit, weight in zip(text, WEIGHTS[first_weight:], strict=False))


_SEQUENCE_PARTS = tuple(_part(f"{sequence:03d}", 14) for sequence in range(1000))
# Indexed [month][day]; day 0 and month 0 are unused padding, and impossible days never reach the table.
_MONTH_DAY_PARTS = tuple(tuple(_part(f"{month:02d}{day:02d}", 10) for day in range(32)) for month in range(13))
_YEAR_PARTS: dict[int, tuple[str, int]] = {}
_ADDRESS_SUMS: dict[str, int] = {}
_ADDRESS_CACHE_LIMIT = 100_000  # bounds memory if a caller feeds endless distinct codes


def _address_sum(address_code: str) -> int:
    if len(address_code) != 6 or not _DIGITS.issuperset(address_code):
        raise ValueError(f"an address code has 6 ASCII digits, got {address_code!r}")
    if len(_ADDRESS_SUMS) >= _ADDRESS_CACHE_LIMIT:
        _ADDRESS_SUMS.clear()
    total = _ADDRESS_SUMS[address_code] = _part(address_code, 0)[1]
    return total


def synthesize_id_number(*, address_code: str, birth_date: datetime.date, sequence: int) -> str:
    """A valid 18-character number for synthetic data: odd ``sequence`` (0–999) gives a man, even a woman.

    ``address_code`` is any 6 digits (810000 for a Hong Kong permit, ``9`` + province + nationality for a
    foreigner's card). Raises ValueError for a malformed address code, a sequence outside 0–999, or a birth
    date before 1890, so the result always passes ``parse_id_number`` for a ``today`` on or after the birth
    date. About 0.4 µs a call once an address code has been seen.
    """
    address_total = _ADDRESS_SUMS.get(address_code)
    if address_total is None:
        address_total = _address_sum(address_code)
    if not 0 <= sequence <= 999:
        raise ValueError(f"sequence must be 0 to 999, got {sequence}")
    if birth_date < EARLIEST_BIRTH_DATE:
        raise ValueError(f"birth date {birth_date} is before {EARLIEST_BIRTH_DATE}")
    year = birth_date.year
    year_text, year_total = _YEAR_PARTS.get(year) or _YEAR_PARTS.setdefault(year, _part(f"{year:04d}", 6))
    month_day_text, month_day_total = _MONTH_DAY_PARTS[birth_date.month][birth_date.day]
    sequence_text, sequence_total = _SEQUENCE_PARTS[sequence]
    total = address_total + year_total + month_day_total + sequence_total
    return f"{address_code}{year_text}{month_day_text}{sequence_text}{CHECK_CHARACTERS[total % 11]}"
