"""PostgreSQL indexes for volunteer search, and demo values of the volunteers' rules.

* The volunteer's name, pinyin and area code get the "C" collation, so the B-trees ``volunteer_name``,
  ``volunteer_pinyin`` and ``volunteer_area`` serve a prefix match (``LIKE '张%'``, the scoping door's
  ``LIKE '321302%'``) and the ``ORDER BY`` together: a search walks the index in order and stops at a page. Django
  does not know about this collation: a later ``AlterField`` of these columns must repeat it (as people/0003).
* Teams' and tasks' area codes get ``varchar_pattern_ops`` indexes for the door's prefix match.

SQLite: nothing to do; its default BINARY collation already behaves like "C".

The rules (DOMAIN §6.6): star levels at 100/300/600/1000/1500 hours ("commonly", [TP]); a day holds at most 24 hours;
from 18 no guardian's consent is needed (《志愿服务条例》: minors take part with their guardian's consent). Marked as
demo values (``is_demo``); administrators confirm or replace them on the rules page.
"""

import datetime as dt

from django.db import migrations

DEMO = "演示值（志愿服务）：须按现行规定录入正式值"
VALUES = [
    (
        "volunteers.star_hours",
        "",
        dt.date(2017, 12, 1),
        [
            {"star": 1, "hours": 100},
            {"star": 2, "hours": 300},
            {"star": 3, "hours": 600},
            {"star": 4, "hours": 1000},
            {"star": 5, "hours": 1500},
        ],
    ),
    ("volunteers.day_hours", "", dt.date(2017, 12, 1), 24),
    ("volunteers.adult_age", "", dt.date(2017, 12, 1), 18),
]
FORWARD = [
    'ALTER TABLE volunteers_volunteer ALTER COLUMN name TYPE varchar(50) COLLATE "C"',
    'ALTER TABLE volunteers_volunteer ALTER COLUMN name_pinyin TYPE varchar(200) COLLATE "C"',
    'ALTER TABLE volunteers_volunteer ALTER COLUMN area_code TYPE varchar(12) COLLATE "C"',
    "CREATE INDEX IF NOT EXISTS volunteer_team_area_prefix ON volunteers_team (area_code varchar_pattern_ops, id)",
    "CREATE INDEX IF NOT EXISTS volunteer_task_area_prefix ON volunteers_task (area_code varchar_pattern_ops)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS volunteer_task_area_prefix",
    "DROP INDEX IF EXISTS volunteer_team_area_prefix",
    "ALTER TABLE volunteers_volunteer ALTER COLUMN area_code TYPE varchar(12) COLLATE pg_catalog.default",
    "ALTER TABLE volunteers_volunteer ALTER COLUMN name_pinyin TYPE varchar(200) COLLATE pg_catalog.default",
    "ALTER TABLE volunteers_volunteer ALTER COLUMN name TYPE varchar(50) COLLATE pg_catalog.default",
]


def forward(apps, schema_editor):
    # schema_editor is None when the tests reload the rule values (minsheng.testing.ensure_reference_data)
    if schema_editor is not None and schema_editor.connection.vendor == "postgresql":
        for statement in FORWARD:
            schema_editor.execute(statement)
    Parameter = apps.get_model("assistance", "Parameter")
    for key, prefix, start, value in VALUES:
        Parameter.objects.get_or_create(
            key=key, area_prefix=prefix, valid_from=start, defaults={"value": value, "is_demo": True, "source": DEMO}
        )


def backward(apps, schema_editor):
    apps.get_model("assistance", "Parameter").objects.filter(source=DEMO).delete()
    if schema_editor.connection.vendor == "postgresql":
        for statement in BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("volunteers", "0001_volunteers_teams_records_tasks"), ("assistance", "0002_demo_values")]
    operations = [migrations.RunPython(forward, backward)]
