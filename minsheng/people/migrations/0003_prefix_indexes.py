"""PostgreSQL indexes for prefix search (LIKE 'abc%') that also return rows in order, so LIMIT stops early.

* Area codes (户籍地, 居住地, household area): ``varchar_pattern_ops`` indexes serve ``LIKE '321302%'`` whatever
  the database collation.
* Pinyin and initials: the columns get the "C" collation, so the ordinary B-trees ``person_pinyin_order`` and
  ``person_initials_order`` (declared on the model; PostgreSQL rebuilds them here) serve both the prefix match
  and the ``ORDER BY``; a name search walks the index in order and stops after 50 rows in scope instead
  of sorting every 王 of the city. Django does not know about this collation: a later ``AlterField`` of these
  two columns must repeat it (see docs/modules/registry.md, "Registry search").

SQLite: nothing to do; its default BINARY collation already behaves like "C".
"""

from django.db import migrations

PATTERN_INDEXES = [
    ("person_hukou_prefix", "people_person", "hukou_area_id"),
    ("person_residence_prefix", "people_person", "residence_area_id"),
    ("household_area_prefix", "people_household", "area_id"),
]
FORWARD = [
    'ALTER TABLE people_person ALTER COLUMN name_pinyin TYPE varchar(200) COLLATE "C"',
    'ALTER TABLE people_person ALTER COLUMN name_initials TYPE varchar(50) COLLATE "C"',
]
BACKWARD = [
    "ALTER TABLE people_person ALTER COLUMN name_pinyin TYPE varchar(200) COLLATE pg_catalog.default",
    "ALTER TABLE people_person ALTER COLUMN name_initials TYPE varchar(50) COLLATE pg_catalog.default",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, column in PATTERN_INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({column} varchar_pattern_ops)")
    for statement in FORWARD:
        schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in PATTERN_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    for statement in BACKWARD:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("people", "0002_illness_types")]
    operations = [migrations.RunPython(forward, backward)]
