"""China's official working days: every role reads the calendar, the city administrator loads a year."""

from django.utils.translation import gettext_lazy as _

from minsheng.core.modules import Module, NavEntry
from minsheng.core.roles import Role

MODULE = Module(
    app_label="workdays",
    permissions={
        **{role: {"workdays.view_calendaryear"} for role in Role},
        Role.CITY_ADMIN: {"workdays.view_calendaryear", "workdays.change_calendaryear"},
    },
    navigation=(NavEntry("workdays.view_calendaryear", "workdays:calendar", _("Working days"), "manage", 180),),
    audit_actions={"workdays.year_loaded": _("Working-day calendar loaded")},
    urls=("calendar/", "minsheng.workdays.urls"),
)
