"""The departments' sources of the proactive-discovery signals (DOMAIN §4), layout version 1 (exchange/layouts.py)."""

from django.db import migrations

SOURCES = [
    # code, name, issued by, department code (catalog) or None
    ("serious_illness", "大病诊断", "卫生健康委员会", None),
    ("disaster", "火灾及灾害受灾", "应急管理局", None),
    ("utility_arrears", "水电气欠费及停供", "水务、供电、燃气公司", None),
    ("hotline_12345", "12345热线涉救助诉求", "12345政务服务便民热线", None),
    ("school_dropout", "辍学", "教育局", "education"),
    ("anti_poverty", "防返贫监测对象", "农业农村局", None),
    ("union_hardship", "困难职工", "总工会", None),
]
FIRST_ORDER = 100


def forward(apps, schema_editor):
    DataSource = apps.get_model("exchange", "DataSource")
    Department = apps.get_model("catalog", "Department")
    departments = {d.code: d for d in Department.objects.all()}
    for order, (code, name, issuer, department) in enumerate(SOURCES, start=FIRST_ORDER):
        DataSource.objects.update_or_create(
            code=code,
            defaults={"name": name, "issuer": issuer, "department": departments.get(department), "sort_order": order},
        )


def backward(apps, schema_editor):
    apps.get_model("exchange", "DataSource").objects.filter(code__in=[s[0] for s in SOURCES]).delete()


class Migration(migrations.Migration):
    dependencies = [("exchange", "0008_report_rule_values"), ("catalog", "0002_departments")]
    operations = [migrations.RunPython(forward, backward)]
