"""Area prefix search (LIKE '321302%') needs pattern indexes on PostgreSQL unless the database collation is C."""

from django.db import migrations

INDEXES = [
    ("person_hukou_prefix", "people_person", "hukou_area_id"),
    ("person_residence_prefix", "people_person", "residence_area_id"),
    ("person_pinyin_prefix", "people_person", "name_pinyin"),
    ("person_initials_prefix", "people_person", "name_initials"),
    ("person_name_prefix", "people_person", "name"),
    ("household_area_prefix", "people_household", "area_id"),
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite's LIKE uses the ordinary indexes for a prefix when case-sensitive; nothing to add
    for name, table, column in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({column} varchar_pattern_ops)")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("people", "0002_illness_types")]
    operations = [migrations.RunPython(forward, backward)]
