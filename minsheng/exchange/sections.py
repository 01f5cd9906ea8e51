"""The data exchange's section of a person's file (一人一档)."""

from __future__ import annotations

from typing import Any

from minsheng.exchange.selectors import person_records


def person_section(user: Any, person: Any) -> dict[str, Any] | None:
    """The latest records the departments' feeds hold of the person (what this user may see), or None."""
    if not user.has_perm("exchange.view_feedrecord"):
        return None
    records = list(person_records(user=user, person=person)[:20])
    return {"records": records} if records else None
