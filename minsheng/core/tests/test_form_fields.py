"""The shared money and month fields: yuan in, fen out; months to their first day; plain reasons for bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from django import forms

from minsheng.core.forms import MonthField, YuanField


@pytest.mark.parametrize(("text", "fen"), [("1500", 150_000), ("1,500.50", 150_050), ("¥12.3 元", 1_230)])
def test_yuan_in_fen_out(text: str, fen: int) -> None:
    assert YuanField().clean(text) == fen


@pytest.mark.parametrize("text", ["abc", "0", "-1", "1.005", "1000000.01"])
def test_bad_amounts_are_refused(text: str) -> None:
    with pytest.raises(forms.ValidationError):
        YuanField().clean(text)


def test_zero_only_where_allowed() -> None:
    assert YuanField(allow_zero=True).clean("0") == 0
    assert YuanField(required=False).clean("") is None


def test_a_month_is_its_first_day() -> None:
    assert MonthField().clean("2026-07") == dt.date(2026, 7, 1)
    with pytest.raises(forms.ValidationError):
        MonthField().clean("July")


@pytest.fixture
def december_2026(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: dt.date(2026, 12, 4))


@pytest.mark.parametrize(
    "text",
    ["0000-01", "0001-01", "1989-12", "2028-01", "9999-12", "2026-13", "2026-00", "²⁰²⁶-07", "2026-0７", "20261"],
)
def test_a_month_outside_the_sensible_range_or_not_a_month_is_a_plain_error(text: str, december_2026: None) -> None:
    with pytest.raises(forms.ValidationError) as caught:
        MonthField().clean(text)
    assert caught.value.code in ("invalid", "out_of_range")


def test_the_range_runs_from_1990_to_a_year_ahead(december_2026: None) -> None:
    assert MonthField().clean("1990-01") == dt.date(1990, 1, 1)
    assert MonthField().clean("2027-12") == dt.date(2027, 12, 1)
    assert MonthField().clean("2026-07-01") == dt.date(2026, 7, 1)


def test_a_field_for_months_begun_refuses_the_next_one_with_its_own_reason(december_2026: None) -> None:
    field = MonthField(months_ahead=0, too_late="not begun")
    assert field.clean("2026-12") == dt.date(2026, 12, 1)
    with pytest.raises(forms.ValidationError, match="not begun"):
        field.clean("2027-01")


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+86 138", "'+86 138"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("王芳", "王芳"),
        ("", ""),
        ("1-2", "1-2"),
    ],
)
def test_text_cells_that_a_spreadsheet_would_evaluate_are_neutralised(value: str, written: str) -> None:
    from minsheng.core.spreadsheets import safe_row, text_cell

    assert text_cell(value) == written
    assert safe_row([value, -5, 1.5, None]) == [written, -5, 1.5, None]  # numbers stay numbers
