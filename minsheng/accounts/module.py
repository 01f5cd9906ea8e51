"""The accounts module: the staff roles every area has, the administration menu, and account management."""

from django.utils.translation import gettext_lazy as _

from minsheng.core.modules import Module, NavEntry, NavGroup
from minsheng.core.roles import STAFF_ROLES, Role

MANAGE = "manage"

MODULE = Module(
    app_label="accounts",
    roles=STAFF_ROLES,
    permissions={
        Role.CITY_ADMIN: {
            "accounts.manage_users",
            "accounts.view_user",
            "accounts.change_user",
            "accounts.view_rolerequest",
        }
    },
    nav_groups=(NavGroup(MANAGE, _("Administration"), 900),),
    navigation=(NavEntry("accounts.manage_users", "accounts:user_list", _("Users and roles"), MANAGE, 190),),
    audit_actions={
        "auth.login_succeeded": _("Signed in"),
        "auth.login_failed": _("Failed sign-in"),
        "accounts.user_created": _("Account created"),
        "accounts.user_provisioned": _("Account set up by the system"),
        "accounts.user_activated": _("Account enabled"),
        "accounts.user_deactivated": _("Account disabled"),
        "accounts.role_assigned": _("Role assigned"),
        "accounts.role_removed": _("Role removed"),
        "accounts.role_requested": _("Role requested, waiting for a second administrator"),
        "accounts.role_confirmed": _("Role confirmed by a second administrator"),
        "accounts.role_rejected": _("Role request rejected"),
        "accounts.password_changed": _("Password changed"),
        "accounts.password_reset_issued": _("Password reset: one-time link issued"),
        "accounts.password_reset_completed": _("New password set through a reset link"),
        "accounts.session_ended": _("Session ended"),
        "accounts.user_sessions_ended": _("Account's sessions ended by an administrator"),
    },
    urls=("accounts/", "minsheng.accounts.urls"),
    # The reset link is public: its one-time token is the gate (accounts/tests/test_passwords.py).
    public_urls=("accounts:login", "accounts:logout", "accounts:password_reset_confirm"),
)
