"""Whole numbers from requests: one reader, so a digit to isdigit() that int() refuses never reaches int()."""

from __future__ import annotations

import pytest

from minsheng.core.numbers import BIGINT_MAX, parse_id, parse_int


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", 0),
        ("12", 12),
        ("-7", -7),
        ("007", 7),
        (str(BIGINT_MAX), BIGINT_MAX),
        ("²", None),  # a digit to isdigit(), not to int()
        ("①", None),
        ("١٢", None),  # Arabic-Indic digits: int() reads them, a form should not
        (" 12", None),
        ("1_000", None),
        ("1e3", None),
        ("", None),
        ("-", None),
        (str(BIGINT_MAX + 1), None),
        ("9" * 4000, None),
        (None, None),
        (12, None),
    ],
)
def test_parse_int_reads_ascii_digits_within_64_bits_only(text: object, expected: int | None) -> None:
    assert "²".isdigit()
    assert parse_int(text) == expected


def test_parse_int_keeps_the_bounds_it_is_given() -> None:
    assert parse_int("5", minimum=1, maximum=5) == 5
    assert parse_int("6", minimum=1, maximum=5) is None
    assert parse_int("0", minimum=1) is None


@pytest.mark.parametrize(("text", "expected"), [("1", 1), ("0", None), ("-1", None), ("²", None), ("", None)])
def test_parse_id_is_a_positive_key(text: str, expected: int | None) -> None:
    assert parse_id(text) == expected
