from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

# (permission, url name, label): the navigation shows an entry when the user holds its permission.
NAVIGATION = [
    ("intake.add_application", "intake:application_new", _("New application")),
    ("intake.view_itemcase", "intake:inbox", _("Items in progress")),
    ("intake.view_itemcase", "intake:overdue", _("Overdue")),
    ("intake.view_consultation", "intake:consultations", _("Consultations")),
    ("people.view_person", "people:search", _("Residents")),
    ("assistance.view_programmecase", "assistance:programme_cases", _("低保 and 特困 cases")),
    ("assistance.view_temporaryaid", "assistance:temporary_list", _("Temporary assistance")),
    ("assistance.view_benefit", "assistance:benefit_list", _("Beneficiaries")),
    ("assistance.simulate_assessment", "assistance:simulations", _("Policy simulation")),
    ("payments.view_payrollbatch", "payments:batch_list", _("Payroll")),
    ("statistics.view_dashboard", "statistics:dashboard", _("Statistics")),
    ("people.view_changerequest", "people:change_requests", _("Changes to confirm")),
    ("people.import_person", "people:imports", _("Import")),
    ("people.merge_person", "people:duplicates", _("Duplicates")),
    ("catalog.view_item", "catalog:item_list", _("Assistance items")),
    ("assistance.view_parameter", "assistance:rules", _("Rules")),
    ("areas.view_division", "areas:index", _("Divisions")),
    ("workdays.view_calendaryear", "workdays:calendar", _("Working days")),
    ("accounts.manage_users", "accounts:user_list", _("Users and roles")),
    ("audit.view_auditevent", "audit:event_list", _("Audit log")),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    entries = [
        {"url": reverse(url), "label": label, "active": request.path.startswith(reverse(url))}
        for permission, url, label in NAVIGATION
        if user.has_perm(permission)
    ]
    from minsheng.intake.models import Notification

    return {
        "nav_unread": Notification.objects.filter(recipient=user, read_at__isnull=True).count(),
        "nav_entries": entries,
        "nav_assignments": user.assignments,
        "nav_active_assignment": user.active_assignment,
    }
