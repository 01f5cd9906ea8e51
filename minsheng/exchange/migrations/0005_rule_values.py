"""Demo values of the monthly verification's thresholds (rules ``verification.*``), marked as such (``is_demo``):
administrators set the city's own on the rules page."""

import datetime as dt

from django.db import migrations

DEMO = "演示值（月度核对）：须按宿迁市核对办法录入正式值"
VALUES = [
    # key, area prefix ("" = everywhere), valid from, value in fen
    ("verification.income_fen", "3213", dt.date(2020, 1, 1), 150_000),
    ("verification.asset_fen", "3213", dt.date(2020, 1, 1), 5_000_000),
    ("verification.medical_fen", "3213", dt.date(2020, 1, 1), 2_000_000),
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
    dependencies = [("exchange", "0004_monthly_check"), ("assistance", "0002_demo_values")]
    operations = [migrations.RunPython(forward, backward)]
