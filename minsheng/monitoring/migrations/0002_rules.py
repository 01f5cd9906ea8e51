"""The first warning rules (DOMAIN §4's signals and object warnings), as demo values the city administrators
replace or edit on the rules page (every change is a new version)."""

import datetime as dt

from django.db import migrations

NOTE = "演示规则：须按本市低收入人口动态监测办法核定"
START = dt.date(2024, 1, 1)
RULES = [
    # code, name, kind, source, condition, severity, working days
    ("death", "家庭成员死亡", "feed", "police_death", {}, "high", 3),
    ("medical_large", "大额医疗费用（自付≥2万元）", "feed", "medical_bill", {"amount_at_least_fen": 2_000_000}, "high", 5),
    ("serious_illness", "大病诊断", "feed", "serious_illness", {}, "high", 5),
    ("unemployment", "失业", "feed", "hrss_unemployment", {}, "medium", 10),
    ("disability_new", "新办残疾人证", "feed", "disability", {}, "medium", 10),
    ("disaster", "火灾及灾害受灾", "feed", "disaster", {}, "high", 3),
    ("utility_cutoff", "水电气欠费停供", "feed", "utility_arrears", {"column": "cut_off", "in": ["yes"]}, "medium", 5),
    ("hotline", "12345涉救助诉求", "feed", "hotline_12345", {}, "medium", 3),
    ("school_dropout", "学生辍学", "feed", "school_dropout", {}, "high", 5),
    ("anti_poverty", "防返贫监测对象", "feed", "anti_poverty", {}, "medium", 10),
    ("union_hardship", "困难职工", "feed", "union_hardship", {}, "low", 15),
    ("about_to_qualify", "即将进保", "object", "about_to_qualify", {}, "high", 5),
    ("about_to_leave", "即将脱保", "object", "about_to_leave", {}, "medium", 10),
    ("edge", "救助边缘人员", "object", "edge", {}, "low", 15),
    ("disability_doubt", "低保内残补存疑", "object", "disability_doubt", {}, "low", 15),
    ("verification_doubt", "核查报告问题", "object", "verification_doubt", {}, "medium", 10),
]


def forward(apps, schema_editor):
    WarningRule = apps.get_model("monitoring", "WarningRule")
    for code, name, kind, source, condition, severity, days in RULES:
        WarningRule.objects.get_or_create(
            code=code,
            area_prefix="3213",
            version=1,
            defaults={
                "name": name,
                "kind": kind,
                "source": source,
                "condition": condition,
                "severity": severity,
                "deadline_days": days,
                "recipients": "village",
                "valid_from": START,
                "note": NOTE,
            },
        )


def backward(apps, schema_editor):
    apps.get_model("monitoring", "WarningRule").objects.filter(note=NOTE).delete()


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0001_initial"), ("exchange", "0009_signal_sources")]
    operations = [migrations.RunPython(forward, backward)]
