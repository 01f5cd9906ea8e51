"""Demo values of the rules of children in difficulty, marked as such (``is_demo``): DOMAIN §6.2 says "at least
monthly for high-risk children" [TP]; the other intervals, the factors' colours and the report's hours are design
values (INF) for administrators to replace on the rules page."""

import datetime as dt

from django.db import migrations

DEMO = "演示值（困境儿童）：须按现行规定录入正式值"
VALUES = [
    (
        "children.risk_factors",
        [
            {"factor": "abuse", "colour": "red"},
            {"factor": "no_guardian", "colour": "red"},
            {"factor": "guardian_unable", "colour": "orange"},
            {"factor": "serious_illness", "colour": "orange"},
            {"factor": "out_of_school", "colour": "yellow"},
            {"factor": "alone", "colour": "yellow"},
            {"factor": "behaviour", "colour": "yellow"},
            {"factor": "poverty", "colour": "green"},
        ],
    ),
    ("children.visit_days", {"red": 30, "orange": 60, "yellow": 90, "green": 180}),
    ("children.report_hours", 24),
    ("children.adult_age", 18),
]


def forward(apps, schema_editor):
    Parameter = apps.get_model("assistance", "Parameter")
    for key, value in VALUES:
        Parameter.objects.get_or_create(
            key=key, area_prefix="", valid_from=dt.date(2016, 1, 1), defaults={"value": value, "is_demo": True, "source": DEMO}
        )


def backward(apps, schema_editor):
    apps.get_model("assistance", "Parameter").objects.filter(source=DEMO).delete()


class Migration(migrations.Migration):
    dependencies = [("children", "0001_initial"), ("assistance", "0002_demo_values")]
    operations = [migrations.RunPython(forward, backward)]
