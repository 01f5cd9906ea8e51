"""Readable names of the audit action codes, for the auditor page. A code without a name shows as itself."""

from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    "auth.login_succeeded": _("Signed in"),
    "auth.login_failed": _("Failed sign-in"),
    "accounts.user_created": _("Account created"),
    "accounts.user_provisioned": _("Account set up by the system"),
    "accounts.user_activated": _("Account enabled"),
    "accounts.user_deactivated": _("Account disabled"),
    "accounts.role_assigned": _("Role assigned"),
    "accounts.role_removed": _("Role removed"),
    "areas.divisions_imported": _("Divisions imported"),
    "personal_data.viewed": _("Full personal data viewed"),
}
