"""Children in difficulty (困境儿童, DOMAIN §6.2): who they are (categories derived from the registry and the
programmes), the workforce (儿童督导员 per township, 儿童主任 per village), one case file per child with its risk colour,
visits, plan, referrals and closure, mandatory reporting (强制报告), the narrower visibility of a child's file, care
places and projects, and their figures."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from minsheng.core.modules import Module, RoleSpec
from minsheng.core.roles import Role

DIRECTOR = "child_director"
SUPERVISOR = "child_supervisor"
COUNTY_STAFF = "child_county_staff"

# A child's file: only the child's director, the township's supervisor and named county staff (DOMAIN §6.2, §8).
FILE_READ = frozenset(
    {"children.view_child", "children.view_mandatoryreport", "children.view_careproject", "children.view_careplace"}
)
FILE_WORK = FILE_READ | {"children.change_child", "children.add_mandatoryreport", "children.change_careproject"}
WORKFORCE = frozenset({"children.view_workforce"})

MODULE = Module(
    app_label="children",
    roles=(
        RoleSpec(DIRECTOR, _("Children's director (儿童主任)"), frozenset({"village"}), sensitive=True, order=140),
        RoleSpec(
            SUPERVISOR, _("Child-welfare supervisor (儿童督导员)"), frozenset({"township"}), sensitive=True, order=141
        ),
        RoleSpec(
            COUNTY_STAFF, _("County child-welfare staff (named)"), frozenset({"county"}), sensitive=True, order=142
        ),
    ),
    permissions={
        DIRECTOR: FILE_WORK,
        SUPERVISOR: FILE_WORK | WORKFORCE | {"children.change_mandatoryreport", "children.add_careproject"},
        COUNTY_STAFF: FILE_READ | WORKFORCE | {"children.add_careplace", "children.add_careproject"},
        Role.CITY_ADMIN: WORKFORCE | {"children.view_careplace", "children.add_careplace"},
        Role.AUDITOR: WORKFORCE | {"children.view_careplace"},
    },
    audit_actions={
        "children.categories_refreshed": _("Children in difficulty: categories brought up to date"),
    },
)
