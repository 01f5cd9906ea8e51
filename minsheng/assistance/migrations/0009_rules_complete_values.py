"""Demo values of the rules issue 15 adds, marked as such (``is_demo``; DOMAIN §1–2 give no figures for most):
分档 (none: 补差 everywhere until a county enters bands), the county's categories of members covered alone (none),
the housing floor area and trees limits, the 特困 ages of minors and students, refused job offers (Art. 45), and the
分类施保 categories 独居, 归侨 and 退役军人 of the Jiangsu form from 2026."""

import datetime as dt

from django.db import migrations

DEMO = "演示值：须按宿迁市年度通知录入正式值"
VALUES = [
    ("dibao.bands", "", dt.date(2021, 7, 1), []),
    ("dibao.single_categories", "", dt.date(2021, 7, 1), []),
    ("dibao.floor_area_per_head", "3213", dt.date(2023, 1, 1), 50),
    ("dibao.trees_months", "3213", dt.date(2023, 1, 1), 24),
    ("tekun.minor_age", "", dt.date(2021, 7, 1), 18),
    ("tekun.student_age", "", dt.date(2021, 7, 1), 25),
    ("dibao.refused_jobs", "", dt.date(2014, 5, 1), {"offers": 3, "share_cut": "0.5"}),
]  # fmt: skip
UPLIFTS_FROM = dt.date(2026, 1, 1)
UPLIFTS = [
    {"category": "elderly", "min_age": 70, "ratio": "0.10"},
    {"category": "minor", "ratio": "0.10"},
    {"category": "severe_disability", "ratio": "0.20"},
    {"category": "serious_illness", "ratio": "0.20"},
    {"category": "alone", "min_age": 60, "ratio": "0.10"},
    {"category": "returned_overseas", "ratio": "0.05"},
    {"category": "veteran", "ratio": "0.05"},
]


def forward(apps, schema_editor):
    Parameter = apps.get_model("assistance", "Parameter")
    for key, prefix, start, value in VALUES:
        Parameter.objects.get_or_create(
            key=key, area_prefix=prefix, valid_from=start, defaults={"value": value, "is_demo": True, "source": DEMO}
        )
    open_uplifts = Parameter.objects.filter(key="dibao.uplifts", area_prefix="3213", valid_to__isnull=True).first()
    if open_uplifts is not None and open_uplifts.valid_from < UPLIFTS_FROM:
        open_uplifts.valid_to = UPLIFTS_FROM - dt.timedelta(days=1)
        open_uplifts.save(update_fields=["valid_to"])
        Parameter.objects.create(
            key="dibao.uplifts", area_prefix="3213", valid_from=UPLIFTS_FROM, value=UPLIFTS, is_demo=True, source=DEMO
        )


def backward(apps, schema_editor):
    Parameter = apps.get_model("assistance", "Parameter")
    Parameter.objects.filter(source=DEMO, key__in=[key for key, *_ in VALUES]).delete()
    Parameter.objects.filter(source=DEMO, key="dibao.uplifts", valid_from=UPLIFTS_FROM).delete()
    Parameter.objects.filter(key="dibao.uplifts", area_prefix="3213", valid_to=UPLIFTS_FROM - dt.timedelta(days=1)).update(
        valid_to=None
    )


class Migration(migrations.Migration):
    dependencies = [("assistance", "0008_rules_complete")]
    operations = [migrations.RunPython(forward, backward)]
