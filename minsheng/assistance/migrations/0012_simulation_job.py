"""The simulation becomes a core job: its slice counts are renamed (their data kept) and widened, and it gains the
attempts and times every job has."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("assistance", "0011_procedure_limits")]

    operations = [
        migrations.RenameField("simulation", "parts_done", "progress_done"),
        migrations.RenameField("simulation", "parts_total", "progress_total"),
        migrations.AlterField(
            "simulation", "progress_done", models.PositiveIntegerField(default=0, verbose_name="work done")
        ),
        migrations.AlterField(
            "simulation", "progress_total", models.PositiveIntegerField(default=0, verbose_name="work in all")
        ),
        migrations.AlterField("simulation", "error", models.TextField(blank=True, default="", verbose_name="error")),
        migrations.AddField(
            "simulation", "attempts", models.PositiveSmallIntegerField(default=0, verbose_name="attempts")
        ),
        migrations.AddField("simulation", "claimed_at", models.DateTimeField(blank=True, null=True)),
        migrations.AddField("simulation", "started_at", models.DateTimeField(blank=True, null=True)),
        migrations.AddField("simulation", "finished_at", models.DateTimeField(blank=True, null=True)),
    ]
