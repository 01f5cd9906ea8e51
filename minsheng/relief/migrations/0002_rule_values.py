"""Demo values of the relief station's rules, marked as such (``is_demo``): DOMAIN §6.3 gives "usually ≤ 10 days" (R)
for a stay, and "within a few days" for the tracing announcement; administrators replace them on the rules page."""

import datetime as dt

from django.db import migrations

DEMO = "演示值（救助管理）：须按现行规定录入正式值"
VALUES = [
    # key, area prefix ("" = everywhere), valid from, value
    ("relief.stay_days", "", dt.date(2014, 1, 1), 10),
    ("relief.announcement_days", "", dt.date(2014, 1, 1), 7),
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
    dependencies = [("relief", "0001_stations_admissions_tracing"), ("assistance", "0002_demo_values")]
    operations = [migrations.RunPython(forward, backward)]
