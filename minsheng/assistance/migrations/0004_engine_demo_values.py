"""Demo values of the rules the means-test engine needs besides those of 0002, marked as demo values."""

import datetime as dt

from django.db import migrations

DEMO = "演示值：须按宿迁市年度通知录入正式值"
VALUES = [
    ("dibao.asset_limits", "3213", dt.date(2023, 1, 1), {"financial_months": 24, "vehicles": 0, "houses": 1}),
    ("dibao.uplifts", "3213", dt.date(2023, 1, 1), [
        {"category": "elderly", "min_age": 70, "ratio": "0.10"},
        {"category": "minor", "ratio": "0.10"},
        {"category": "severe_disability", "ratio": "0.20"},
        {"category": "serious_illness", "ratio": "0.20"},
    ]),
    ("dibao.rounding", "", dt.date(2021, 7, 1), {"to": "yuan", "minimum_fen": 1000}),
    ("tekun.review_months", "", dt.date(2021, 7, 1), 12),
    ("rigid.income_line", "3213", dt.date(2025, 1, 1), 250000),
    ("rigid.expense_share", "", dt.date(2024, 10, 1), "0.5"),
    ("children.ill_disabled_allowance", "3213", dt.date(2023, 7, 1), 80000),
    # Jiangsu extends the living allowance to 低保边缘 families (苏民规〔2022〕4号, recalled: verify).
    ("disability.living_allowance_groups", "3213", dt.date(2022, 7, 1), ["dibao", "edge"]),
]  # fmt: skip


def forward(apps, schema_editor):
    Parameter = apps.get_model("assistance", "Parameter")
    for key, prefix, start, value in VALUES:
        Parameter.objects.create(key=key, area_prefix=prefix, valid_from=start, value=value, is_demo=True, source=DEMO)


def backward(apps, schema_editor):
    Parameter = apps.get_model("assistance", "Parameter")
    Parameter.objects.filter(source=DEMO, key__in=[key for key, *_ in VALUES]).delete()


class Migration(migrations.Migration):
    dependencies = [("assistance", "0003_programmes")]
    operations = [migrations.RunPython(forward, backward)]
