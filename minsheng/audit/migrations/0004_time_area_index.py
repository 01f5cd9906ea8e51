"""The auditor's list by cursor (issue 22): the index on the time alone becomes (time, id, area), read backwards from
the cursor with the caller's area checked in the index; its first column serves every reader of the time as before.

Written as plain statements, not through the schema editor: on SQLite altering the field would rebuild this
append-only table (and its trigger with it, see 0003); on PostgreSQL the index is made on the partitioned table,
which gives it to every partition, present and future.
"""

import django.utils.timezone
from django.db import migrations, models

OLD = "audit_auditevent_occurred_at_1f007848"
NEW = "audit_event_time_area_idx"


def forward(apps, schema_editor):
    area = "area_code varchar_pattern_ops" if schema_editor.connection.vendor == "postgresql" else "area_code"
    schema_editor.execute(f"CREATE INDEX {NEW} ON audit_auditevent (occurred_at, id, {area})", params=None)
    schema_editor.execute(f"DROP INDEX {OLD}", params=None)


def backward(apps, schema_editor):
    schema_editor.execute(f"CREATE INDEX {OLD} ON audit_auditevent (occurred_at)", params=None)
    schema_editor.execute(f"DROP INDEX {NEW}", params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_partitioned_by_month")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forward, backward)],
            state_operations=[
                migrations.AlterField(
                    model_name="auditevent",
                    name="occurred_at",
                    field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="time"),
                ),
                migrations.AddIndex(
                    model_name="auditevent",
                    index=models.Index(
                        fields=["occurred_at", "id", "area_code"],
                        name=NEW,
                        opclasses=["", "", "varchar_pattern_ops"],
                    ),
                ),
            ],
        ),
    ]
