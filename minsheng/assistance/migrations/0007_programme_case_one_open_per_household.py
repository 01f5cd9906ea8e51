"""One open programme case per household and programme (a partial unique constraint).

Open is every stage but the two decisions (enrolled, refused). Before the constraint is added, the data is checked:
households with two open cases of one programme must be resolved by hand (one of them decided), and the migration
says which, rather than failing on the database's bare "UNIQUE constraint failed"."""

from django.db import migrations, models
from django.db.models import Count


def refuse_duplicates(apps, schema_editor):
    ProgrammeCase = apps.get_model("assistance", "ProgrammeCase")
    duplicates = list(
        ProgrammeCase._base_manager.exclude(stage__in=["enrolled", "refused"])
        .values("household_id", "programme")
        .annotate(cases=Count("id"))
        .filter(cases__gt=1)
        .order_by("household_id", "programme")
    )
    if duplicates:
        listed = ", ".join(f"household {d['household_id']} {d['programme']} ({d['cases']} cases)" for d in duplicates)
        raise RuntimeError(
            "Households with more than one open programme case of one programme; decide all but one of each "
            f"before migrating: {listed}"
        )


class Migration(migrations.Migration):

    dependencies = [
        ("assistance", "0006_benefit_tapering_index"),
    ]

    operations = [
        migrations.RunPython(refuse_duplicates, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="programmecase",
            constraint=models.UniqueConstraint(
                condition=models.Q(("stage__in", ["enrolled", "refused"]), _negated=True),
                fields=("household", "programme"),
                name="programme_case_one_open_per_household",
            ),
        ),
    ]
