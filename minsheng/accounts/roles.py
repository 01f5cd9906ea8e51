"""Roles, the area level each is bound to, and the permissions each grants.

Permissions are named like Django's own, ``<app_label>.<action>_<model_name>`` (``areas.view_division``), plus
a few page-level ones (``accounts.manage_users``). A role assignment grants its role's permissions inside its
area only; the scoping door (``minsheng.core.scoping``) turns them into a prefix match.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    VILLAGE_WORKER = "village_worker", _("Village worker")
    TOWNSHIP_WINDOW = "township_window", _("Township window")
    TOWNSHIP_REVIEWER = "township_reviewer", _("Township reviewer")
    COUNTY_APPROVER = "county_approver", _("County approver")
    COUNTY_PAYMENT_OFFICER = "county_payment_officer", _("County payment officer")
    DEPARTMENT_HANDLER = "department_handler", _("Department handler")
    CITY_ADMIN = "city_admin", _("City administrator")
    AUDITOR = "auditor", _("Auditor")


# The levels of division an assignment of each role may be bound to.
ROLE_LEVELS: dict[str, frozenset[str]] = {
    Role.VILLAGE_WORKER: frozenset({"village"}),
    Role.TOWNSHIP_WINDOW: frozenset({"township"}),
    Role.TOWNSHIP_REVIEWER: frozenset({"township"}),
    Role.COUNTY_APPROVER: frozenset({"county"}),
    Role.COUNTY_PAYMENT_OFFICER: frozenset({"county"}),
    Role.DEPARTMENT_HANDLER: frozenset({"city", "county", "township"}),
    Role.CITY_ADMIN: frozenset({"city", "province"}),
    Role.AUDITOR: frozenset({"city", "county", "province"}),
}

ROLES_WITH_DEPARTMENT = frozenset({Role.DEPARTMENT_HANDLER})

_STAFF_READ = frozenset(
    {"areas.view_division", "workdays.view_calendaryear", "catalog.view_item", "assistance.view_parameter"}
)

# Reading the registry: persons and everything hanging off them.
_REGISTRY_READ = frozenset(
    {
        "people.view_person",
        "people.view_household",
        "people.view_membership",
        "people.view_disabilitycertificate",
        "people.view_supportingrelative",
        "people.view_changerequest",
    }
)
# Recording residents and households (village workers do it on a resident's behalf, 帮办代办).
_REGISTRY_WRITE = frozenset(
    {
        "people.add_person",
        "people.change_person",
        "people.add_household",
        "people.change_household",
        "people.add_changerequest",
    }
)
# The one window: consultations at the village, township and county windows.
_WINDOW = frozenset(
    {
        "intake.add_consultation",
        "intake.view_consultation",
        "intake.add_application",
        "intake.view_application",
        "intake.change_application",
        "intake.view_attachment",
        "intake.view_itemcase",
        "intake.change_itemcase",
    }
)
# A department's inbox: the item cases routed to it (scoped by department as well as area).
_DEPARTMENT = frozenset({"intake.view_itemcase", "intake.decide_itemcase"})

# Seeing full ID, phone and bank numbers (each view audited); listing persons without a search criterion.
_REVEAL = frozenset({"people.reveal_person"})
_BROWSE = frozenset({"people.browse_person"})
_CONFIRM = frozenset({"people.confirm_changerequest"})
_REGISTRY_ADMIN = frozenset({"people.import_person", "people.view_importjob", "people.merge_person"})

# Assistance programmes (issue 5). Reading: economic status, assessments, programme cases, benefits, temporary aid.
_MEANS_READ = frozenset(
    {
        "assistance.view_economicstatus",
        "assistance.view_assessment",
        "assistance.view_programmecase",
        "assistance.view_benefit",
        "assistance.view_temporaryaid",
        "assistance.view_assessmentprompt",
    }
)
# Recording a household's declared income, assets and spending (village workers on the family's behalf).
_MEANS_RECORD = frozenset({"assistance.add_economicstatus", "assistance.change_economicstatus"})
# The township: run the means test, investigate, pay temporary assistance first, refer, close prompts.
_MEANS_TOWNSHIP = frozenset(
    {
        "assistance.add_assessment",
        "assistance.investigate_programmecase",
        "assistance.add_temporaryaid",
        "assistance.change_temporaryaid",
        "assistance.add_referral",
        "assistance.change_assessmentprompt",
    }
)
# 初审 and 公示; confirming a case as well where the county has devolved approval (checked by the service).
_MEANS_REVIEW = frozenset({"assistance.review_programmecase", "assistance.approve_programmecase"})
# The county: confirm or refuse, decide temporary aid above the township cap, change running benefits.
_MEANS_COUNTY = frozenset(
    {
        "assistance.add_assessment",
        "assistance.approve_programmecase",
        "assistance.decide_temporaryaid",
        "assistance.change_benefit",
        "assistance.simulate_assessment",
        "assistance.view_simulation",
    }
)

# The payroll (issue 6): the payment officer prepares a county's batch, the county approver checks and approves it
# (maker-checker: the service refuses the preparer as approver).
_PAYROLL_READ = frozenset({"payments.view_payrollbatch", "payments.view_paymentline"})
_PAYROLL_PREPARE = frozenset({"payments.add_payrollbatch"})
_PAYROLL_APPROVE = frozenset({"payments.approve_payrollbatch"})

# The statistics (issue 7): figures of the user's own areas, from the village up to the city. Every staff role of an
# area has it; a partner department's handler has not (the figures cover every programme and department of an area,
# while a handler's work is scoped to their department's items).
_STATISTICS = frozenset({"statistics.view_dashboard"})

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.VILLAGE_WORKER: _STAFF_READ
    | _STATISTICS
    | _REGISTRY_READ
    | _REGISTRY_WRITE
    | _WINDOW
    | _MEANS_READ
    | _MEANS_RECORD,
    Role.TOWNSHIP_WINDOW: _STAFF_READ
    | _STATISTICS
    | _REGISTRY_READ
    | _REGISTRY_WRITE
    | _REVEAL
    | _WINDOW
    | _MEANS_READ
    | _MEANS_RECORD
    | _MEANS_TOWNSHIP,
    Role.TOWNSHIP_REVIEWER: _STAFF_READ
    | _STATISTICS
    | _REGISTRY_READ
    | _REGISTRY_WRITE
    | _REVEAL
    | _CONFIRM
    | _WINDOW
    | _MEANS_READ
    | _MEANS_RECORD
    | _MEANS_TOWNSHIP
    | _MEANS_REVIEW,
    Role.COUNTY_APPROVER: _STAFF_READ
    | _STATISTICS
    | _MEANS_READ
    | _MEANS_COUNTY
    | _WINDOW
    | _REGISTRY_READ
    | _REGISTRY_WRITE
    | _REVEAL
    | _CONFIRM
    | _BROWSE
    | _REGISTRY_ADMIN
    | _PAYROLL_READ
    | _PAYROLL_APPROVE,
    Role.COUNTY_PAYMENT_OFFICER: _STAFF_READ
    | _STATISTICS
    | _REGISTRY_READ
    | _REVEAL
    | _BROWSE
    | {"assistance.view_benefit"}
    | _PAYROLL_READ
    | _PAYROLL_PREPARE,
    Role.DEPARTMENT_HANDLER: _STAFF_READ | _DEPARTMENT,
    Role.CITY_ADMIN: _STAFF_READ
    | _STATISTICS
    | {"intake.view_consultation"}
    | _REGISTRY_READ
    | _BROWSE
    | _REGISTRY_ADMIN
    | _MEANS_READ
    | {
        "assistance.simulate_assessment",
        "assistance.view_simulation",
        "accounts.manage_users",
        "workdays.change_calendaryear",
        "catalog.change_item",
        "assistance.change_parameter",
        "accounts.view_user",
        "accounts.change_user",
        "audit.view_auditevent",
    },
    Role.AUDITOR: _STAFF_READ
    | _STATISTICS
    | _REGISTRY_READ
    | _BROWSE
    | _MEANS_READ
    | {"audit.view_auditevent", "intake.view_consultation"},
}


def role_grants(role: str, permission: str) -> bool:
    return permission in ROLE_PERMISSIONS.get(role, frozenset())
