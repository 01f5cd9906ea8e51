"""The import job becomes a core job: its row counts and its message are renamed (their data kept), and it gains
the attempts and claim times every job has."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("people", "0007_rules_complete")]

    operations = [
        migrations.RenameField("importjob", "processed_rows", "progress_done"),
        migrations.RenameField("importjob", "total_rows", "progress_total"),
        migrations.RenameField("importjob", "message", "error"),
        migrations.AlterField(
            "importjob", "progress_done", models.PositiveIntegerField(default=0, verbose_name="work done")
        ),
        migrations.AlterField(
            "importjob", "progress_total", models.PositiveIntegerField(default=0, verbose_name="work in all")
        ),
        migrations.AlterField("importjob", "error", models.TextField(blank=True, default="", verbose_name="error")),
        migrations.AddField(
            "importjob", "attempts", models.PositiveSmallIntegerField(default=0, verbose_name="attempts")
        ),
        migrations.AddField("importjob", "claimed_at", models.DateTimeField(blank=True, null=True)),
        migrations.AddField("importjob", "started_at", models.DateTimeField(blank=True, null=True)),
    ]
