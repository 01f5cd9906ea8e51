"""Demo values of elderly care's rules, marked as such (``is_demo``): DOMAIN §6.5 gives the target group and the
visit frequency (at least monthly; at least weekly for people living alone or disabled, R) but no city's figures;
administrators replace them from the city's notice on the rules page. Also the two warning rules a care visit's
finding raises (monitoring's to-do list for the village worker)."""

import datetime as dt

from django.db import migrations

DEMO = "演示值（养老服务）：须按宿迁市特殊困难老年人探访关爱政策录入正式值"
START = dt.date(2020, 1, 1)
VALUES = [
    # key, area prefix ("" = everywhere), valid from, value
    ("eldercare.target_programmes", "", START, ["dibao", "edge", "tekun"]),
    ("eldercare.target_rules", "", START, [
        {"category": "disabled", "from_age": 60, "with_programme": "no"},
        {"category": "very_old", "from_age": 80, "with_programme": "yes"},
        {"category": "alone", "from_age": 60, "with_programme": "no"},
        {"category": "empty_nest", "from_age": 60, "with_programme": "no"},
        {"category": "left_behind", "from_age": 60, "with_programme": "yes"},
        {"category": "severe_disability", "from_age": 60, "with_programme": "no"},
        {"category": "family_planning", "from_age": 60, "with_programme": "no"},
    ]),
    ("eldercare.plan_items", "", START, [
        {"category": "all", "service": "visit", "per_month": 1},
        {"category": "alone", "service": "visit", "per_month": 4},
        {"category": "disabled", "service": "visit", "per_month": 4},
        {"category": "disabled", "service": "cleaning", "per_month": 1},
        {"category": "severe_disability", "service": "visit", "per_month": 4},
    ]),
    ("eldercare.visit_checks", "", START, {"far_metres": 500, "min_minutes": 20}),
    ("eldercare.liveness_due_days", "", START, 181),
]  # fmt: skip
RULES = [
    # code, name, severity, deadline in working days
    ("eldercare_danger", "养老上门服务发现危险", "high", 2),
    ("eldercare_need", "养老上门服务发现需求", "medium", 10),
]


def forward(apps, schema_editor):
    Parameter = apps.get_model("assistance", "Parameter")
    for key, prefix, start, value in VALUES:
        Parameter.objects.get_or_create(
            key=key, area_prefix=prefix, valid_from=start, defaults={"value": value, "is_demo": True, "source": DEMO}
        )
    WarningRule = apps.get_model("monitoring", "WarningRule")
    for code, name, severity, days in RULES:
        WarningRule.objects.get_or_create(
            code=code,
            area_prefix="",
            version=1,
            defaults={
                "name": name,
                "kind": "object",
                "source": code,
                "severity": severity,
                "deadline_days": days,
                "recipients": "village",
                "valid_from": START,
                "note": DEMO,
            },
        )


def backward(apps, schema_editor):
    apps.get_model("assistance", "Parameter").objects.filter(source=DEMO).delete()
    apps.get_model("monitoring", "WarningRule").objects.filter(code__in=[r[0] for r in RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("eldercare", "0001_initial"), ("assistance", "0002_demo_values"), ("monitoring", "0002_rules")]
    operations = [migrations.RunPython(forward, backward)]
