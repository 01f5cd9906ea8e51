"""The catalogue of assistance items and the departments that own them."""

from django.utils.translation import gettext_lazy as _

from minsheng.core.modules import Module, NavEntry
from minsheng.core.roles import Role

MODULE = Module(
    app_label="catalog",
    permissions={
        **{role: {"catalog.view_item"} for role in Role},
        Role.CITY_ADMIN: {"catalog.view_item", "catalog.change_item"},
    },
    navigation=(NavEntry("catalog.view_item", "catalog:item_list", _("Assistance items"), "manage", 150),),
    audit_actions={"catalog.item_changed": _("Assistance item changed")},
    urls=("catalog/", "minsheng.catalog.urls"),
)
