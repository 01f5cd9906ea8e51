from __future__ import annotations

import pytest

from minsheng.areas.codes import InvalidCode, check_code_level, level_of, normalize_code, prefix_of


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("32", "320000000000"),
        ("3213", "321300000000"),
        ("321302", "321302000000"),
        ("321302001", "321302001000"),
        ("321302001001", "321302001001"),
        (" 321302 ", "321302000000"),
    ],
)
def test_published_codes_are_right_padded_to_twelve_digits(raw: str, expected: str) -> None:
    assert normalize_code(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "empty"),
        ("32130", "5 digits"),
        ("3213x2", "not all digits"),
        ("３２１３", "not all digits"),
        ("3213020010011", "13 digits"),
    ],
)
def test_malformed_codes_are_rejected_with_a_reason(raw: str, message: str) -> None:
    with pytest.raises(InvalidCode, match=message):
        normalize_code(raw)


@pytest.mark.parametrize(
    ("code", "level"),
    [
        ("320000000000", "province"),
        ("321300000000", "city"),
        ("321302000000", "county"),
        ("321302001000", "township"),
        ("321302001001", "village"),
        ("441900003000", "township"),  # 东莞: towns directly under a city, county part 00
    ],
)
def test_level_is_read_from_the_last_non_zero_segment(code: str, level: str) -> None:
    assert level_of(code) == level
    check_code_level(code, level)


@pytest.mark.parametrize(
    ("code", "level", "message"),
    [
        ("321302001000", "county", "beyond the county part"),
        ("321300000000", "county", "all-zero county part"),
        ("321302000000", "hamlet", "unknown level"),
    ],
)
def test_a_code_that_does_not_fit_its_level_is_rejected(code: str, level: str, message: str) -> None:
    with pytest.raises(InvalidCode, match=message):
        check_code_level(code, level)


def test_prefix_keeps_the_significant_digits_of_the_level() -> None:
    assert prefix_of("321302001001", "village") == "321302001001"
    assert prefix_of("321302001000", "township") == "321302001"
    assert prefix_of("321302000000", "county") == "321302"
    assert prefix_of("321300000000", "city") == "3213"
