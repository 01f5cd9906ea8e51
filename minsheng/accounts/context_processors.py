from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

# (permission, url name, label, group): the navigation shows an entry when the user holds its permission.
WINDOW, ASSISTANCE, MANAGE = "window", "assistance", "manage"
NAVIGATION = [
    ("intake.add_application", "intake:application_new", _("New application"), WINDOW),
    ("intake.view_itemcase", "intake:inbox", _("Items in progress"), WINDOW),
    ("intake.view_itemcase", "intake:overdue", _("Overdue"), WINDOW),
    ("intake.view_consultation", "intake:consultations", _("Consultations"), WINDOW),
    ("people.view_person", "people:search", _("Residents"), ASSISTANCE),
    ("assistance.view_programmecase", "assistance:programme_cases", _("低保 and 特困 cases"), ASSISTANCE),
    ("assistance.view_temporaryaid", "assistance:temporary_list", _("Temporary assistance"), ASSISTANCE),
    ("assistance.view_benefit", "assistance:benefit_list", _("Beneficiaries"), ASSISTANCE),
    ("assistance.simulate_assessment", "assistance:simulations", _("Policy simulation"), ASSISTANCE),
    ("payments.view_payrollbatch", "payments:batch_list", _("Payroll"), ASSISTANCE),
    ("statistics.view_dashboard", "statistics:dashboard", _("Statistics"), ""),
    ("people.view_changerequest", "people:change_requests", _("Changes to confirm"), MANAGE),
    ("people.import_person", "people:imports", _("Import"), MANAGE),
    ("people.merge_person", "people:duplicates", _("Duplicates"), MANAGE),
    ("catalog.view_item", "catalog:item_list", _("Assistance items"), MANAGE),
    ("assistance.view_parameter", "assistance:rules", _("Rules"), MANAGE),
    ("areas.view_division", "areas:index", _("Divisions"), MANAGE),
    ("workdays.view_calendaryear", "workdays:calendar", _("Working days"), MANAGE),
    ("accounts.manage_users", "accounts:user_list", _("Users and roles"), MANAGE),
    ("audit.view_auditevent", "audit:event_list", _("Audit log"), MANAGE),
]
GROUP_LABELS = {WINDOW: _("One window"), ASSISTANCE: _("Assistance"), MANAGE: _("Administration")}
# Up to this many entries the bar lists them all; beyond it, each group of two or more becomes a menu, so that a
# city administrator's twenty entries fit one line instead of wrapping into two-line labels.
FLAT_UP_TO = 8


def _groups(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The entries in bar order, consecutive entries of a group gathered: flat when few, else menus."""
    groups: list[dict[str, Any]] = []
    for entry in entries:
        if groups and entry["group"] and groups[-1]["key"] == entry["group"]:
            groups[-1]["entries"].append(entry)
        else:
            groups.append({"key": entry["group"], "label": GROUP_LABELS.get(entry["group"], ""), "entries": [entry]})
    for group in groups:
        group["menu"] = len(entries) > FLAT_UP_TO and len(group["entries"]) > 1
        group["active"] = any(e["active"] for e in group["entries"])
    return groups


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    entries = [
        {"url": reverse(url), "label": label, "group": group, "active": request.path.startswith(reverse(url))}
        for permission, url, label, group in NAVIGATION
        if user.has_perm(permission)
    ]
    from minsheng.intake.models import Notification

    return {
        "nav_unread": Notification.objects.filter(recipient=user, read_at__isnull=True).count(),
        "nav_entries": entries,
        "nav_groups": _groups(entries),
        "nav_assignments": user.assignments,
        "nav_active_assignment": user.active_assignment,
    }
