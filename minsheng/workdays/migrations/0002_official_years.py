"""Seed the official arrangements the chinese-calendar package knows (2004 to its last year).

Later years are entered by a city administrator when the State Council publishes them (calendar page).
"""

import datetime as dt

from django.db import migrations

NOTICE = "国务院办公厅关于部分节假日安排的通知（据 chinese-calendar {version}）"


def forward(apps, schema_editor):
    import chinese_calendar

    CalendarYear = apps.get_model("workdays", "CalendarYear")
    CalendarDay = apps.get_model("workdays", "CalendarDay")
    version = getattr(chinese_calendar, "__version__", "")
    names = {
        "New Year's Day": "元旦",
        "Spring Festival": "春节",
        "Tomb-sweeping Day": "清明节",
        "Labour Day": "劳动节",
        "Dragon Boat Festival": "端午节",
        "National Day": "国庆节",
        "Mid-autumn Festival": "中秋节",
        "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
    }
    days = []
    years = []
    year = 2004
    while True:
        try:
            chinese_calendar.is_workday(dt.date(year, 1, 1))
        except NotImplementedError:
            break
        day = dt.date(year, 1, 1)
        while day.year == year:
            working = chinese_calendar.is_workday(day)
            if working != (day.weekday() < 5):
                on_holiday, holiday = chinese_calendar.get_holiday_detail(day)
                label = names.get(str(holiday), str(holiday or "")) if holiday else ""
                days.append(CalendarDay(date=day, is_working_day=working, name=(label + ("调休" if working else ""))[:40]))
            day += dt.timedelta(days=1)
        years.append(CalendarYear(year=year, notice=NOTICE.format(version=version)))
        year += 1
    CalendarDay.objects.bulk_create(days, ignore_conflicts=True)
    CalendarYear.objects.bulk_create(years, ignore_conflicts=True)


def backward(apps, schema_editor):
    apps.get_model("workdays", "CalendarDay").objects.all().delete()
    apps.get_model("workdays", "CalendarYear").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("workdays", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
