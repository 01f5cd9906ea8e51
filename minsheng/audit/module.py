"""The audit log: who saw or changed what, and why."""

from django.utils.translation import gettext_lazy as _

from minsheng.core.modules import Module, NavEntry
from minsheng.core.roles import Role

MODULE = Module(
    app_label="audit",
    permissions={Role.CITY_ADMIN: {"audit.view_auditevent"}, Role.AUDITOR: {"audit.view_auditevent"}},
    navigation=(NavEntry("audit.view_auditevent", "audit:event_list", _("Audit log"), "manage", 200),),
    audit_actions={
        "personal_data.viewed": _("Full personal data viewed"),
        "personal_data.listed": _("Personal data listed"),
    },
    urls=("audit/", "minsheng.audit.urls"),
)
