from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from minsheng.core.modules import Label, NavEntry, badge_text, derived, modules

# Up to this many entries the bar lists them all; beyond it, each group of two or more becomes a menu, so that a
# city administrator's twenty entries fit one line instead of wrapping into two-line labels.
FLAT_UP_TO = 8


@derived
def navigation_entries() -> tuple[NavEntry, ...]:
    """Every module's top-level pages, in bar order."""
    return tuple(sorted((e for m in modules() for e in m.navigation), key=lambda e: (e.order, e.url_name)))


@derived
def group_labels() -> dict[str, Label]:
    labels: dict[str, Label] = {}
    for module in modules():
        for group in module.nav_groups:
            if group.key in labels:
                raise ValueError(f"navigation group {group.key!r} is declared twice")
            labels[group.key] = group.label
    undeclared = {e.group for e in navigation_entries() if e.group and e.group not in labels}
    if undeclared:
        raise ValueError(f"navigation entries name undeclared groups: {sorted(undeclared)}")
    return labels


def _groups(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The entries in bar order, consecutive entries of a group gathered: flat when few, else menus."""
    labels = group_labels()
    groups: list[dict[str, Any]] = []
    for entry in entries:
        if groups and entry["group"] and groups[-1]["key"] == entry["group"]:
            groups[-1]["entries"].append(entry)
        else:
            groups.append({"key": entry["group"], "label": labels.get(entry["group"], ""), "entries": [entry]})
    for group in groups:
        group["menu"] = len(entries) > FLAT_UP_TO and len(group["entries"]) > 1
        group["active"] = any(e["active"] for e in group["entries"])
    return groups


def _badge(entry: NavEntry, user: Any) -> str:
    """The entry's count as its badge shows it ("99+" above the cap), or "" for none."""
    count = entry.badge(user) if entry.badge is not None else 0
    return badge_text(count) if count else ""


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    entries = []
    for entry in navigation_entries():
        if user.has_perm(entry.permission):
            url = reverse(entry.url_name)
            entries.append(
                {
                    "url": url,
                    "label": entry.label,
                    "group": entry.group,
                    "active": request.path.startswith(url),
                    "badge": _badge(entry, user),
                }
            )
    badges = {key: count(user) for module in modules() for key, count in module.badges.items()}
    return {
        "nav_badges": badges,
        "nav_todo_badge": badge_text(badges.get("todo", 0) + badges.get("desk_notices", 0)),
        "nav_entries": entries,
        "nav_groups": _groups(entries),
        "nav_assignments": user.assignments,
        "nav_active_assignment": user.active_assignment,
    }
