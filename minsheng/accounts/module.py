"""The accounts module: the staff roles every area has, the administration menu, and account management."""

from django.utils.translation import gettext_lazy as _

from minsheng.core.modules import Module, NavEntry, NavGroup
from minsheng.core.roles import STAFF_ROLES, Role

MANAGE = "manage"

MODULE = Module(
    app_label="accounts",
    roles=STAFF_ROLES,
    permissions={Role.CITY_ADMIN: {"accounts.manage_users", "accounts.view_user", "accounts.change_user"}},
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
    },
    urls=("accounts/", "minsheng.accounts.urls"),
    public_urls=("accounts:login", "accounts:logout"),
)
