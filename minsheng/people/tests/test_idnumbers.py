"""ID-number parsing, conversion and synthesis (DOMAIN §8.1). Pure functions: no database.

Every number here is synthetic or a public textbook example; none belongs to a real person we know of.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterator

import pytest
from django.utils import translation

from minsheng.people.idnumbers import (
    EARLIEST_BIRTH_DATE,
    IdKind,
    IdNumber,
    InvalidIdNumber,
    check_character,
    convert_15_to_18,
    normalize_for_index,
    parse_id_number,
    synthesize_id_number,
)

TODAY = datetime.date(2025, 6, 30)
# GB 11643 textbook example: 110105 (北京朝阳) 19491231, sequence 002, check X. By hand:
# 1·7 + 1·9 + 0·10 + 1·5 + 0·8 + 5·4 + 1·2 + 9·1 + 4·6 + 9·3 + 1·7 + 2·9 + 3·10 + 1·5 + 0·8 + 0·4 + 2·2
# = 7+9+0+5+0+20+2+9+24+27+7+18+30+5+0+0+4 = 167; 167 mod 11 = 2 → "1 0 X 9 …"[2] = X.
TEXTBOOK = "11010519491231002X"


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Messages are English msgids; pin the language so a translation added later does not change them."""
    with translation.override("en"):
        yield


def reference_check_character(first17: str) -> str:
    """ISO 7064 MOD 11-2 by its recursive definition, independent of the weight table in the module."""
    remainder = 0
    for digit in first17:
        remainder = (remainder + int(digit)) * 2 % 11
    value = (12 - remainder) % 11
    return "X" if value == 10 else str(value)


def parse_error(raw: str, *, today: datetime.date = TODAY) -> InvalidIdNumber:
    with pytest.raises(InvalidIdNumber) as caught:
        parse_id_number(raw, today=today)
    return caught.value


def with_check(first17: str) -> str:
    return first17 + reference_check_character(first17)


# --- check character --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first17", "expected"),
    [
        ("11010519491231002", "X"),  # sum 167, see TEXTBOOK above
        # 440524 (广东汕头潮阳) 18800101 001, the other textbook example; by hand:
        # 4·7 + 4·9 + 0 + 5·5 + 2·8 + 4·4 + 1·2 + 8·1 + 8·6 + 0 + 0 + 1·9 + 0 + 1·5 + 0 + 0 + 1·2
        # = 28+36+25+16+16+2+8+48+9+5+2 = 195; 195 mod 11 = 8 → 4
        ("44052418800101001", "4"),
        # Only the last digit set: sum = 2·d, so each remainder maps to one place in "10X98765432".
        ("00000000000000000", "1"),  # 0 → 1
        ("00000000000000001", "X"),  # 2 → X
        ("00000000000000002", "8"),  # 4 → 8
        ("00000000000000003", "6"),  # 6 → 6
        ("00000000000000004", "4"),  # 8 → 4
        ("00000000000000005", "2"),  # 10 → 2
        ("00000000000000006", "0"),  # 12 mod 11 = 1 → 0
        ("00000000000000007", "9"),  # 14 mod 11 = 3 → 9
        ("00000000000000008", "7"),  # 16 mod 11 = 5 → 7
        ("00000000000000009", "5"),  # 18 mod 11 = 7 → 5
        ("01000000000000000", "3"),  # weight 9 → 9 → 3
    ],
)
def test_check_character(first17: str, expected: str) -> None:
    assert check_character(first17) == expected
    assert reference_check_character(first17) == expected


@pytest.mark.parametrize("first17", ["1101051949123100", "110105194912310021", "1101051949123100A", ""])
def test_check_character_needs_17_digits(first17: str) -> None:
    with pytest.raises(ValueError, match="17 ASCII digits"):
        check_character(first17)


# --- valid numbers ----------------------------------------------------------------------------------------


def test_textbook_example_parses_exactly() -> None:
    assert parse_id_number(TEXTBOOK, today=TODAY) == IdNumber(
        number="11010519491231002X",
        kind=IdKind.RESIDENT,
        birth_date=datetime.date(1949, 12, 31),
        gender="F",
        address_code="110105",
        converted_from_15=False,
    )


@pytest.mark.parametrize(
    "raw",
    [
        "11010519491231002x",  # small x
        " 110105 19491231 002X ",  # spaces as printed on forms
        "110105\t19491231\u3000002x",  # tab and ideographic space
        "１１０１０５１９４９１２３１００２ｘ",  # full width, typed with a Chinese input method on
        "１１０１０５１９４９１２３１００２Ｘ",
    ],
)
def test_input_variants_normalize_to_the_same_number(raw: str) -> None:
    parsed = parse_id_number(raw, today=TODAY)
    assert parsed.number == TEXTBOOK
    assert normalize_for_index(raw) == TEXTBOOK


def test_synthesized_resident_id_parses_exactly() -> None:
    number = synthesize_id_number(address_code="321302", birth_date=datetime.date(1990, 1, 1), sequence=123)
    assert number == with_check("32130219900101123")
    assert parse_id_number(number, today=TODAY) == IdNumber(
        number=number,
        kind=IdKind.RESIDENT,
        birth_date=datetime.date(1990, 1, 1),
        gender="M",
        address_code="321302",
        converted_from_15=False,
    )


@pytest.mark.parametrize(("sequence", "gender"), [(0, "F"), (1, "M"), (2, "F"), (123, "M"), (998, "F"), (999, "M")])
def test_gender_is_the_parity_of_the_sequence(sequence: int, gender: str) -> None:
    number = synthesize_id_number(address_code="321322", birth_date=datetime.date(1975, 8, 9), sequence=sequence)
    assert number[14:17] == f"{sequence:03d}"
    assert parse_id_number(number, today=TODAY).gender == gender


def test_unknown_address_code_is_accepted() -> None:
    # 000000 and 999… are on no code list; old and unlisted county codes stay valid, so nothing is looked up.
    number = with_check("00000019800101001")
    assert parse_id_number(number, today=TODAY).address_code == "000000"


def test_leap_days() -> None:
    assert parse_id_number(with_check("32130220000229002"), today=TODAY).birth_date == datetime.date(2000, 2, 29)
    assert parse_error(with_check("32130219000229001")).code == "date"  # 1900 is not a leap year
    assert parse_error(with_check("32130220010229001")).code == "date"


def test_boundaries_of_the_date_range() -> None:
    earliest = synthesize_id_number(address_code="321323", birth_date=EARLIEST_BIRTH_DATE, sequence=5)
    assert parse_id_number(earliest, today=TODAY).birth_date == datetime.date(1890, 1, 1)
    born_today = synthesize_id_number(address_code="321323", birth_date=TODAY, sequence=6)
    assert parse_id_number(born_today, today=TODAY).birth_date == TODAY


def test_today_defaults_to_the_current_date() -> None:
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    number = synthesize_id_number(address_code="321324", birth_date=tomorrow, sequence=7)
    with pytest.raises(InvalidIdNumber) as caught:
        parse_id_number(number)
    assert caught.value.code == "future"
    assert parse_id_number(TEXTBOOK).birth_date == datetime.date(1949, 12, 31)


# --- other kinds of document ------------------------------------------------------------------------------


@pytest.mark.parametrize("address_code", ["810000", "820000", "830000"])
def test_hong_kong_macao_taiwan_residence_permits(address_code: str) -> None:
    number = synthesize_id_number(address_code=address_code, birth_date=datetime.date(1990, 1, 1), sequence=2)
    assert parse_id_number(number, today=TODAY) == IdNumber(
        number=number,
        kind=IdKind.HMT_RESIDENCE_PERMIT,
        birth_date=datetime.date(1990, 1, 1),
        gender="F",
        address_code=address_code,
        converted_from_15=False,
    )


def test_hong_kong_permit_by_hand() -> None:
    # 810000 19900101 002 + check. By hand (zero digits left out):
    # 8·7 + 1·9 + 1·2 + 9·1 + 9·6 + 1·9 + 1·5 + 2·2 = 56+9+2+9+54+9+5+4 = 148; 148 mod 11 = 5 → 7.
    assert parse_id_number("810000199001010027", today=TODAY).kind == IdKind.HMT_RESIDENCE_PERMIT


def test_codes_near_the_permit_codes_are_resident_ids() -> None:
    number = synthesize_id_number(address_code="810100", birth_date=datetime.date(1990, 1, 1), sequence=2)
    assert parse_id_number(number, today=TODAY).kind == IdKind.RESIDENT


def test_foreign_permanent_residence_id_2023() -> None:
    # 9 + 11 (北京 issued) + 840 (nationality) + 19850315 + 027 + check. By hand:
    # 9·7 + 1·9 + 1·10 + 8·5 + 4·8 + 0·4 + 1·2 + 9·1 + 8·6 + 5·3 + 0·7 + 3·9 + 1·10 + 5·5 + 0·8 + 2·4 + 7·2
    # = 63+9+10+40+32+0+2+9+48+15+0+27+10+25+0+8+14 = 312; 312 mod 11 = 4 → 8.
    number = "911840198503150278"
    assert synthesize_id_number(address_code="911840", birth_date=datetime.date(1985, 3, 15), sequence=27) == number
    assert parse_id_number(number, today=TODAY) == IdNumber(
        number=number,
        kind=IdKind.FOREIGN_PERMANENT,
        birth_date=datetime.date(1985, 3, 15),
        gender="M",
        address_code="911840",
        converted_from_15=False,
    )


def test_foreign_permanent_residence_id_with_bad_check_character() -> None:
    error = parse_error("911840198503150279")
    assert error.code == "checksum"
    assert error.params == {"expected": "8", "given": "9"}


# --- legacy 15-digit numbers ------------------------------------------------------------------------------


def test_convert_15_to_18() -> None:
    # 130503 670401 001 → 130503 19670401 001 + check. By hand:
    # 1·7 + 3·9 + 0 + 5·5 + 0 + 3·4 + 1·2 + 9·1 + 6·6 + 7·3 + 0 + 4·9 + 0 + 1·5 + 0 + 0 + 1·2
    # = 7+27+25+12+2+9+36+21+36+5+2 = 182; 182 mod 11 = 6 → 6.
    assert convert_15_to_18("130503670401001") == "130503196704010016"
    assert convert_15_to_18(" 130503 670401 001 ") == "130503196704010016"


def test_parse_15_digit_number() -> None:
    assert parse_id_number("130503670401001", today=TODAY) == IdNumber(
        number="130503196704010016",
        kind=IdKind.RESIDENT,
        birth_date=datetime.date(1967, 4, 1),
        gender="M",
        address_code="130503",
        converted_from_15=True,
    )


def test_15_and_18_digit_forms_index_the_same() -> None:
    assert normalize_for_index("130503670401001") == "130503196704010016"
    assert normalize_for_index("130503196704010016") == "130503196704010016"
    assert normalize_for_index("130503 670401 001") == normalize_for_index("130503196704010016")


def test_15_digit_number_with_an_impossible_date() -> None:
    error = parse_error("320102670230001")
    assert error.code == "date"
    assert str(error) == "The date of birth in the number, 1967-02-30, is not a real date."


def test_15_digit_number_with_a_letter() -> None:
    error = parse_error("13050367040100X")
    assert error.code == "characters"
    assert error.params == {"char": "X", "position": 15}
    assert str(error) == "An old 15-digit ID number contains only digits; “X” at position 15 is not allowed."


def test_convert_15_to_18_rejects_other_lengths() -> None:
    with pytest.raises(InvalidIdNumber) as caught:
        convert_15_to_18("13050367040100")
    assert caught.value.code == "length"
    assert str(caught.value) == "An old ID number has 15 digits; the number entered has 14."


# --- invalid numbers --------------------------------------------------------------------------------------


def test_empty() -> None:
    for raw in ["", "   ", "\u3000"]:
        error = parse_error(raw)
        assert error.code == "empty"
        assert str(error) == "Enter an ID number."


@pytest.mark.parametrize(("raw", "count"), [("1101051949123100", 16), ("11010519491231002X1", 19), ("1", 1)])
def test_wrong_length(raw: str, count: int) -> None:
    error = parse_error(raw)
    assert error.code == "length"
    assert error.params == {"count": count}
    assert str(error) == f"An ID number has 18 characters (15 for an old one); the number entered has {count}."


@pytest.mark.parametrize(
    ("raw", "char", "position"),
    [
        ("11010519491231A02X", "A", 15),
        ("1101X519491231002X", "X", 5),  # X only stands last
        ("110105-9491231002X", "-", 7),
        ("11010519491231002Y", "Y", 18),
    ],
)
def test_characters_other_than_digits(raw: str, char: str, position: int) -> None:
    error = parse_error(raw)
    assert error.code == "characters"
    assert error.params == {"char": char, "position": position}
    assert str(error) == (
        "An ID number contains only digits, with X allowed only as the last character; "
        f"“{char}” at position {position} is not allowed."
    )


def test_wrong_check_character_names_the_expected_one() -> None:
    error = parse_error("110105194912310021")
    assert error.code == "checksum"
    assert error.params == {"expected": "X", "given": "1"}
    assert str(error) == (
        "The check character (the last one) should be X, not 1; the number probably has a typing error."
    )


def test_swapped_digits_fail_the_checksum() -> None:
    # MOD 11-2 catches every swap of two neighbouring digits; here 1231 was typed 1321. The swapped pair at
    # weights 9 and 10 adds 3·9 + 2·10 = 47 instead of 2·9 + 3·10 = 48, so the sum is 166; 166 mod 11 = 1 → 0.
    error = parse_error("11010519491321002X")
    assert error.code == "checksum"
    assert error.params == {"expected": "0", "given": "X"}


@pytest.mark.parametrize(
    ("first17", "date"),
    [
        ("32130220000230001", "2000-02-30"),
        ("32130219901301001", "1990-13-01"),
        ("32130219900100001", "1990-01-00"),
        ("32130219900431001", "1990-04-31"),
        ("32130200000101001", "0000-01-01"),
    ],
)
def test_impossible_date(first17: str, date: str) -> None:
    error = parse_error(with_check(first17))
    assert error.code == "date"
    assert error.params == {"date": date}
    assert str(error) == f"The date of birth in the number, {date}, is not a real date."


def test_future_date() -> None:
    number = synthesize_id_number(address_code="321302", birth_date=datetime.date(2025, 7, 1), sequence=1)
    # 3·7 + 2·9 + 1·10 + 3·5 + 0 + 2·4 + 2·2 + 0 + 2·6 + 5·3 + 0 + 7·9 + 0 + 1·5 + 0 + 0 + 1·2
    # = 21+18+10+15+8+4+12+15+63+5+2 = 173; 173 mod 11 = 8 → 4.
    assert number == "321302202507010014"
    error = parse_error(number, today=TODAY)
    assert error.code == "future"
    assert error.params == {"date": "2025-07-01"}
    assert str(error) == "The date of birth in the number, 2025-07-01, is in the future."
    assert parse_id_number(number, today=datetime.date(2025, 7, 1)).birth_date == datetime.date(2025, 7, 1)


def test_before_1890() -> None:
    # The textbook number 440524 18800101 001 4 has a correct check character (sum 195, see above).
    error = parse_error("440524188001010014")
    assert error.code == "too_early"
    assert error.params == {"date": "1880-01-01"}
    assert str(error) == "The date of birth in the number, 1880-01-01, is before 1890; check the number."
    assert parse_error(with_check("32130218891231001")).code == "too_early"


def test_invalid_id_number_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="check character"):
        parse_id_number("110105194912310021", today=TODAY)


def test_repr_does_not_show_the_number() -> None:
    parsed = parse_id_number(TEXTBOOK, today=TODAY)
    assert TEXTBOOK not in repr(parsed)
    assert "1949" in repr(parsed)


def test_normalize_for_index_rejects_invalid_numbers() -> None:
    with pytest.raises(InvalidIdNumber) as caught:
        normalize_for_index("110105194912310021")
    assert caught.value.code == "checksum"


# --- synthetic numbers ------------------------------------------------------------------------------------


def test_synthesized_numbers_round_trip() -> None:
    rng = random.Random(20250630)
    first_day = EARLIEST_BIRTH_DATE.toordinal()
    address_codes = ["321302", "321311", "321322", "321323", "321324", "810000", "820000", "830000", "911840"]
    for _ in range(5000):
        address_code = rng.choice([*address_codes, f"{rng.randrange(110000, 660000):06d}"])
        birth_date = datetime.date.fromordinal(rng.randrange(first_day, TODAY.toordinal() + 1))
        sequence = rng.randrange(1000)
        number = synthesize_id_number(address_code=address_code, birth_date=birth_date, sequence=sequence)
        expected_first17 = f"{address_code}{birth_date:%Y%m%d}{sequence:03d}"
        assert number == expected_first17 + reference_check_character(expected_first17)
        parsed = parse_id_number(number, today=TODAY)
        assert parsed.number == number
        assert parsed.birth_date == birth_date
        assert parsed.gender == ("M" if sequence % 2 else "F")
        assert parsed.address_code == address_code
        assert parsed.converted_from_15 is False
        if address_code.startswith("9"):
            assert parsed.kind == IdKind.FOREIGN_PERMANENT
        elif address_code in {"810000", "820000", "830000"}:
            assert parsed.kind == IdKind.HMT_RESIDENCE_PERMIT
        else:
            assert parsed.kind == IdKind.RESIDENT


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"address_code": "32130", "birth_date": datetime.date(1990, 1, 1), "sequence": 1}, "6 ASCII digits"),
        ({"address_code": "32130A", "birth_date": datetime.date(1990, 1, 1), "sequence": 1}, "6 ASCII digits"),
        ({"address_code": "３２１３０２", "birth_date": datetime.date(1990, 1, 1), "sequence": 1}, "6 ASCII digits"),
        ({"address_code": "321302", "birth_date": datetime.date(1990, 1, 1), "sequence": 1000}, "0 to 999"),
        ({"address_code": "321302", "birth_date": datetime.date(1990, 1, 1), "sequence": -1}, "0 to 999"),
        ({"address_code": "321302", "birth_date": datetime.date(1889, 12, 31), "sequence": 1}, "before 1890"),
    ],
)
def test_synthesize_rejects_bad_parts(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        synthesize_id_number(**kwargs)  # type: ignore[arg-type]
