"""Demo values of the 核对报告's rules (tolerances and validity), marked as such (``is_demo``): administrators set
the city's own on the rules page."""

import datetime as dt

from django.db import migrations

DEMO = "演示值（核对报告）：须按宿迁市核对办法录入正式值"
VALUES = [
    # key, area prefix, valid from, value (fen, or days)
    ("verification.report_income_tolerance_fen", "3213", dt.date(2020, 1, 1), 120_000),
    ("verification.report_asset_tolerance_fen", "3213", dt.date(2020, 1, 1), 500_000),
    ("verification.report_valid_days", "3213", dt.date(2020, 1, 1), 90),
]


def forward(apps, schema_editor):
    Parameter = apps.get_model("assistance", "Parameter")
    for key, prefix, start, value in VALUES:
        Parameter.objects.get_or_create(
            key=key, area_prefix=prefix, valid_from=start, defaults={"value": value, "is_demo": True, "source": DEMO}
        )


def backward(apps, schema_editor):
    apps.get_model("assistance", "Parameter").objects.filter(source=DEMO).delete()


class Migration(migrations.Migration):
    dependencies = [("exchange", "0007_verification"), ("assistance", "0002_demo_values")]
    operations = [migrations.RunPython(forward, backward)]
