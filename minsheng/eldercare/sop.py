"""The steps of each service's SOP (标准作业程序) a worker ticks on a visit (DOMAIN §6.5): vocabulary of the service,
not a rule. 探访关爱 is the structured visit: identity, health, environment and safety, emotional support, needs."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

Steps = tuple[tuple[str, str | Promise], ...]

IDENTITY = ("identity", _("Identity checked"))
SAFETY = ("safety", _("Home checked for safety (gas, electricity, falls)"))
RECORD = ("record", _("Service explained and recorded with the person"))

SOP_STEPS: dict[str, Steps] = {
    "visit": (
        IDENTITY,
        ("health", _("Health questions asked")),
        SAFETY,
        ("emotional", _("Emotional support given")),
        ("needs", _("Needs collected")),
    ),
    "meal": (IDENTITY, ("meal", _("Meal delivered and checked warm")), RECORD),
    "cleaning": (IDENTITY, ("cleaning", _("Rooms cleaned")), SAFETY, RECORD),
    "bathing": (IDENTITY, ("bathing", _("Bathing done with the water temperature checked")), SAFETY, RECORD),
    "default": (IDENTITY, ("service", _("Service delivered")), SAFETY, RECORD),
}


def steps_for(service: str) -> Steps:
    return SOP_STEPS.get(service, SOP_STEPS["default"])
