"""Accounts created by an administrator before passwords could be changed still carry the password that
administrator chose: their holders must replace it at their next sign-in. Accounts set up by the system (the demo,
``create_admin``) carry their holder's own password and are left alone."""

from django.db import migrations


def forward(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    User = apps.get_model("accounts", "User")
    created_by_admin = AuditEvent.objects.filter(action="accounts.user_created", object_type="accounts.user").values_list(
        "object_id", flat=True
    )
    ids = [int(pk) for pk in created_by_admin if pk.isdecimal()]
    User.objects.filter(pk__in=ids).exclude(password__startswith="!").update(password_must_change=True)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_password_policy_sessions_role_requests"),
        ("audit", "0002_append_only_triggers"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
