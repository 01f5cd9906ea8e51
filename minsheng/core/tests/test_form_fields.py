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
