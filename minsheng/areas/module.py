"""The divisions: public reference data every staff role reads."""

from django.utils.translation import gettext_lazy as _

from minsheng.areas.api import DivisionViewSet
from minsheng.core.modules import ApiRoute, Module, NavEntry
from minsheng.core.roles import Role

MODULE = Module(
    app_label="areas",
    permissions={role: {"areas.view_division"} for role in Role},
    navigation=(NavEntry("areas.view_division", "areas:index", _("Divisions"), "manage", 170),),
    audit_actions={"areas.divisions_imported": _("Divisions imported")},
    urls=("areas/", "minsheng.areas.urls"),
    api_routes=(ApiRoute("divisions", DivisionViewSet, "division"),),
)
