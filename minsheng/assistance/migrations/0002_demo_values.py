"""Demo values of the rules, marked as such (``is_demo``): DOMAIN gives ranges, not Suqian's official figures.
Administrators replace them from the annual 宿迁市 notice (rules page)."""

import datetime as dt

from django.db import migrations

DEMO = "演示值：须按宿迁市年度通知录入正式值"
VALUES = [
    # key, area prefix ("" = everywhere), valid from, value
    ("dibao.standard", "3213", dt.date(2023, 7, 1), 80000),
    ("dibao.standard", "3213", dt.date(2024, 7, 1), 84000),
    ("dibao.standard", "3213", dt.date(2025, 7, 1), 88000),
    ("dibao.edge_multiplier", "", dt.date(2021, 7, 1), "1.5"),
    ("tekun.base_multiplier", "", dt.date(2021, 7, 1), "1.3"),
    ("tekun.care_tiers", "3213", dt.date(2023, 7, 1), [
        {"level": "fully_unable", "fen": 60000}, {"level": "partly_unable", "fen": 30000}, {"level": "able", "fen": 10000},
    ]),
    ("linshi.township_cap", "3213", dt.date(2023, 1, 1), 100000),
    ("linshi.papers_deadline", "3213", dt.date(2023, 1, 1), 10),
    ("linshi.bands", "3213", dt.date(2023, 1, 1), [
        {"up_to_months_of_standard": 3, "label": "一般"}, {"up_to_months_of_standard": 6, "label": "较重"},
        {"up_to_months_of_standard": 12, "label": "重大"},
    ]),
    ("dibao.taper_months", "3213", dt.date(2023, 1, 1), 6),
    ("dibao.review_months", "3213", dt.date(2023, 1, 1), [
        {"category": "A", "months": 12}, {"category": "B", "months": 6}, {"category": "C", "months": 3},
    ]),
    ("disability.living_allowance", "3213", dt.date(2023, 7, 1), 12000),
    ("disability.care_allowance", "3213", dt.date(2023, 7, 1), 12000),
    ("children.orphan_allowance", "3213", dt.date(2023, 7, 1), 160000),
    ("elderly.age_allowance", "3213", dt.date(2023, 1, 1), [
        {"from_age": 80, "fen": 5000}, {"from_age": 90, "fen": 10000}, {"from_age": 100, "fen": 30000},
    ]),
]  # fmt: skip


def forward(apps, schema_editor):
    Parameter = apps.get_model("assistance", "Parameter")
    previous = {}
    for key, prefix, start, value in VALUES:
        earlier = previous.get((key, prefix))
        if earlier is not None:
            earlier.valid_to = start - dt.timedelta(days=1)
            earlier.save(update_fields=["valid_to"])
        previous[(key, prefix)] = Parameter.objects.create(
            key=key, area_prefix=prefix, valid_from=start, value=value, is_demo=True, source=DEMO
        )


def backward(apps, schema_editor):
    apps.get_model("assistance", "Parameter").objects.filter(source=DEMO).delete()


class Migration(migrations.Migration):
    dependencies = [("assistance", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
