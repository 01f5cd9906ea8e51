"""The payroll job becomes a core job: it gains the progress and claim time every job has."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("payments", "0005_approval_opinion")]

    operations = [
        migrations.AddField("payrolljob", "claimed_at", models.DateTimeField(blank=True, null=True)),
        migrations.AddField(
            "payrolljob", "progress_done", models.PositiveIntegerField(default=0, verbose_name="work done")
        ),
        migrations.AddField(
            "payrolljob", "progress_total", models.PositiveIntegerField(default=0, verbose_name="work in all")
        ),
    ]
