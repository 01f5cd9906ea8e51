"""Time limits on China's official working days (dates checked by hand against the State Council notices)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from minsheng.accounts.roles import Role
from minsheng.audit.models import AuditEvent
from minsheng.testing import Personas
from minsheng.workdays.models import CalendarDay, CalendarYear
from minsheng.workdays.services import Calendar, calendar_year_load, parse_arrangement, statutory_holidays

pytestmark = pytest.mark.django_db

D = dt.date


def test_the_2025_national_day_holiday_and_its_make_up_days() -> None:
    # 2025: 10/1–10/8 off (National Day and Mid-Autumn); Sunday 9/28 and Saturday 10/11 are working days.
    calendar = Calendar()
    assert calendar.is_official(2025)
    assert [calendar.is_working_day(D(2025, 9, d)) for d in (26, 27, 28, 29, 30)] == [True, False, True, True, True]
    assert not any(calendar.is_working_day(D(2025, 10, d)) for d in range(1, 9))
    assert [calendar.is_working_day(D(2025, 10, d)) for d in (9, 10, 11, 12)] == [True, True, True, False]
    # Accepted Friday 9/26: day 1 is Sunday 9/28, then 9/29, 9/30, 10/9, 10/10, 10/11 (Saturday, make-up).
    assert calendar.add_working_days(D(2025, 9, 26), 5) == D(2025, 10, 10)
    assert calendar.add_working_days(D(2025, 9, 26), 6) == D(2025, 10, 11)
    assert calendar.add_working_days(D(2025, 9, 26), 7) == D(2025, 10, 13)
    assert calendar.working_days_between(D(2025, 9, 26), D(2025, 10, 13)) == 7


def test_a_pause_for_missing_materials_stops_the_clock() -> None:
    calendar = Calendar()
    # 10 working days from Monday 2025-11-03 is Monday 11-17; a pause 11-05 to 11-07 (3 working days) adds 3.
    assert calendar.add_working_days(D(2025, 11, 3), 10) == D(2025, 11, 17)
    assert calendar.add_working_days(D(2025, 11, 3), 10, pauses=[(D(2025, 11, 5), D(2025, 11, 7))]) == D(2025, 11, 20)
    # A pause that has not ended yet: no deadline can be known.
    assert calendar.add_working_days(D(2025, 11, 3), 10, pauses=[(D(2025, 11, 5), None)]) == D.max


def test_a_year_without_its_official_arrangement_counts_statutory_holidays() -> None:
    assert not CalendarYear.objects.filter(year=2027).exists()
    holidays = statutory_holidays(2027)
    # 2027: 春节 is 2/6 (除夕 2/5 to 初三 2/8); 清明 4/5; 端午 6/9; 中秋 9/15.
    assert holidays == {
        D(2027, 1, 1): "元旦",
        D(2027, 2, 5): "春节",
        D(2027, 2, 6): "春节",
        D(2027, 2, 7): "春节",
        D(2027, 2, 8): "春节",
        D(2027, 4, 5): "清明节",
        D(2027, 5, 1): "劳动节",
        D(2027, 5, 2): "劳动节",
        D(2027, 6, 9): "端午节",
        D(2027, 9, 15): "中秋节",
        D(2027, 10, 1): "国庆节",
        D(2027, 10, 2): "国庆节",
        D(2027, 10, 3): "国庆节",
    }
    calendar = Calendar()
    assert not calendar.is_official(2027)
    # From Wednesday 2027-02-03: 2/4 Thu (1), 2/5 Fri 除夕 off, weekend, 2/8 Mon 初三 off, 2/9 Tue (2) ... 2/12 (5).
    assert calendar.add_working_days(D(2027, 2, 3), 5) == D(2027, 2, 12)
    # A case accepted on 2026-12-25 with 20 working days runs into 2027 (元旦 on Friday 1/1).
    assert calendar.add_working_days(D(2026, 12, 25), 20) == D(2027, 1, 25)


def test_no_date_raises() -> None:
    calendar = Calendar()
    for year in (1950, 2099, 2150, 2200):
        assert isinstance(calendar.add_working_days(D(year, 3, 1), 30), dt.date)


def test_an_administrator_loads_a_years_arrangement(personas: Personas) -> None:
    text = "2027-01-01 休 元旦\n2027-02-05 休 春节\n2027-02-09 休 春节\n2027-02-07 班 春节调休\n2027-02-06 休 春节\n"
    entries = parse_arrangement(text, year=2027)
    calendar_year_load(actor=personas[Role.CITY_ADMIN], year=2027, notice="国办发明电〔2026〕X号", entries=entries)
    # Saturday 2/6 needs no row (weekends rest anyway); Sunday 2/7 works; weekday holidays are stored.
    assert list(CalendarDay.objects.filter(date__year=2027).values_list("date", "is_working_day")) == [
        (D(2027, 1, 1), False),
        (D(2027, 2, 5), False),
        (D(2027, 2, 7), True),
        (D(2027, 2, 9), False),
    ]
    calendar = Calendar()
    assert calendar.is_official(2027)
    assert calendar.is_working_day(D(2027, 2, 7)) and not calendar.is_working_day(D(2027, 2, 9))
    assert calendar.is_working_day(D(2027, 2, 8))  # 初三 is a working day once the official list says so
    event = AuditEvent.objects.unscoped().get(action="workdays.year_loaded")
    assert (event.object_id, event.area_code) == ("2027", personas.city.code)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("2027-13-01 休", "不是日期"),
        ("2027-01-01 maybe", "休"),
        ("2026-01-01 休", "2027"),
        ("2027-01-01 休\n2027-01-01 班", "两次"),
        ("", "节假日"),
    ],
)
def test_a_bad_arrangement_is_refused_with_the_line(text: str, fragment: str) -> None:
    with pytest.raises(ValidationError) as raised:
        parse_arrangement(text, year=2027)
    assert fragment in " ".join(raised.value.message_dict["days"])


def test_the_calendar_page_shows_whether_the_year_is_official(personas: Personas) -> None:
    client = Client()
    client.force_login(personas[Role.VILLAGE_WORKER])
    page = client.get(reverse("workdays:calendar"), {"year": "2027"}).content.decode()
    assert "尚未录入" in page and "2027-02-05" in page
    assert "国庆节调休" in client.get(reverse("workdays:calendar"), {"year": "2025"}).content.decode()
    admin = Client()
    admin.force_login(personas[Role.CITY_ADMIN])
    response = admin.post(
        reverse("workdays:load"), {"year": "2027", "notice": "国办通知", "days": "2027-01-01 休 元旦"}
    )
    assert response.status_code == 302 and CalendarYear.objects.filter(year=2027).exists()
