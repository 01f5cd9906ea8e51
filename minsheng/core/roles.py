"""The staff roles every area has — village worker to auditor — as codes every module grants permissions to.

The accounts module declares them (``RoleSpec``: the levels each is bound to); other modules bring roles of their
own in their declarations. They sit in the core because every module's permission grants name them.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from minsheng.core.modules import RoleSpec


class Role(models.TextChoices):
    """The staff roles of every area (declared by the accounts module). Other modules bring roles of their own."""

    VILLAGE_WORKER = "village_worker", _("Village worker")
    TOWNSHIP_WINDOW = "township_window", _("Township window")
    TOWNSHIP_REVIEWER = "township_reviewer", _("Township reviewer")
    COUNTY_APPROVER = "county_approver", _("County approver")
    COUNTY_PAYMENT_OFFICER = "county_payment_officer", _("County payment officer")
    DEPARTMENT_HANDLER = "department_handler", _("Department handler")
    CITY_ADMIN = "city_admin", _("City administrator")
    AUDITOR = "auditor", _("Auditor")


def _spec(role: Role, levels: set[str], order: int, *, department: bool = False, sensitive: bool = False) -> RoleSpec:
    return RoleSpec(role.value, role.label, frozenset(levels), department=department, sensitive=sensitive, order=order)


STAFF_ROLES = (
    _spec(Role.VILLAGE_WORKER, {"village"}, 10),
    _spec(Role.TOWNSHIP_WINDOW, {"township"}, 20),
    _spec(Role.TOWNSHIP_REVIEWER, {"township"}, 30),
    _spec(Role.COUNTY_APPROVER, {"county"}, 40, sensitive=True),
    _spec(Role.COUNTY_PAYMENT_OFFICER, {"county"}, 50, sensitive=True),
    _spec(Role.DEPARTMENT_HANDLER, {"city", "county", "township"}, 60, department=True),
    _spec(Role.CITY_ADMIN, {"city", "province"}, 70),
    _spec(Role.AUDITOR, {"city", "county", "province"}, 80),
)
