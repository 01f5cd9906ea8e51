"""Demo values of the funeral rules, marked as such (``is_demo``): DOMAIN §6.6 names the basic services (transport,
storage, cremation, ash storage) and the groups (低保, 特困 and similar) but no amounts (R); administrators replace them
from the city's 惠民殡葬 notice on the rules page."""

import datetime as dt

from django.db import migrations

DEMO = "演示值（殡葬）：须按宿迁市惠民殡葬政策录入正式值"
VALUES = [
    # key, area prefix ("" = everywhere), valid from, value
    ("funeral.waiver_services", "3213", dt.date(2020, 1, 1), [
        {"service": "transport", "label": "遗体接运", "fen": 40000},
        {"service": "storage", "label": "遗体冷藏（3天）", "fen": 15000},
        {"service": "cremation", "label": "遗体火化", "fen": 60000},
        {"service": "urn", "label": "普通骨灰盒", "fen": 20000},
        {"service": "ash_storage", "label": "骨灰寄存（1年）", "fen": 10000},
    ]),
    ("funeral.waiver_groups", "3213", dt.date(2020, 1, 1), ["tekun", "dibao"]),
    ("funeral.complaint_answer_days", "", dt.date(2020, 1, 1), 10),
]  # fmt: skip


def forward(apps, schema_editor):
    Parameter = apps.get_model("assistance", "Parameter")
    for key, prefix, start, value in VALUES:
        Parameter.objects.get_or_create(
            key=key, area_prefix=prefix, valid_from=start, defaults={"value": value, "is_demo": True, "source": DEMO}
        )


def backward(apps, schema_editor):
    apps.get_model("assistance", "Parameter").objects.filter(source=DEMO).delete()


class Migration(migrations.Migration):
    dependencies = [("funeral", "0001_facilities_filings_waivers"), ("assistance", "0002_demo_values")]
    operations = [migrations.RunPython(forward, backward)]
