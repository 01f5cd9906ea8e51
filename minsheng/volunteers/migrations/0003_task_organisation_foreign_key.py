"""``Task.organisation_id`` (a plain id of ``social.Organisation`` while both apps were built side by side) becomes the
foreign key ``Task.organisation``. The column keeps its name (``organisation_id``) and its values: the field is
renamed in Django's state, then altered to the key (on PostgreSQL an added foreign-key constraint and index; on SQLite
the table is rebuilt with its rows). An id naming no organisation would break the constraint: the migration stops
with the tasks it names rather than losing them.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Q


def check_ids(apps, schema_editor):
    Task = apps.get_model("volunteers", "Task")
    Organisation = apps.get_model("social", "Organisation")
    ids = set(Task._base_manager.filter(organisation__isnull=False).values_list("organisation", flat=True))
    known = set(Organisation._base_manager.filter(pk__in=ids).values_list("pk", flat=True))
    missing = sorted(ids - known)
    if missing:
        tasks = list(Task._base_manager.filter(organisation__in=missing).values_list("pk", flat=True)[:20])
        raise RuntimeError(f"tasks {tasks} name social organisations that do not exist: {missing[:20]}")


class Migration(migrations.Migration):
    dependencies = [
        ("volunteers", "0002_search_indexes_rule_values"),
        ("social", "0002_rule_values"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="task", name="task_taken_by_someone"),
        migrations.RenameField(model_name="task", old_name="organisation_id", new_name="organisation"),
        migrations.RunPython(check_ids, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="task",
            name="organisation",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="volunteer_tasks",
                to="social.organisation",
                verbose_name="social organisation",
            ),
        ),
        migrations.AddConstraint(
            model_name="task",
            constraint=models.CheckConstraint(
                condition=Q(status="open") | Q(team__isnull=False) | Q(organisation__isnull=False),
                name="task_taken_by_someone",
            ),
        ),
    ]
