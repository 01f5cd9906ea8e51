"""The rule of social organisations' evaluation: a grade holds five years (《社会组织评估管理办法》, 民政部令第39号,
art. 26), entered as 60 months; an administrator may change it on the rules page."""

import datetime as dt

from django.db import migrations

SOURCE = "《社会组织评估管理办法》第二十六条：评估等级有效期为5年"
VALUES = [("social.grade_valid_months", "", dt.date(2011, 3, 1), 60)]


def forward(apps, schema_editor):
    Parameter = apps.get_model("assistance", "Parameter")
    for key, prefix, start, value in VALUES:
        Parameter.objects.get_or_create(
            key=key, area_prefix=prefix, valid_from=start, defaults={"value": value, "is_demo": False, "source": SOURCE}
        )


def backward(apps, schema_editor):
    apps.get_model("assistance", "Parameter").objects.filter(source=SOURCE).delete()


class Migration(migrations.Migration):
    dependencies = [("social", "0001_registry"), ("assistance", "0002_demo_values")]
    operations = [migrations.RunPython(forward, backward)]
