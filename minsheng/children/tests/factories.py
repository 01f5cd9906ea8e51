"""Children in difficulty for tests: a child in the reference village with a case file."""

from __future__ import annotations

import datetime as dt
from typing import Any

from minsheng.children.models import Child
from minsheng.testing import Personas, make_household, make_person

TODAY = dt.date(2026, 6, 15)


def child_case(p: Personas, name: str = "李小花", *, birth: str = "2016-04-02", **fields: Any) -> Child:
    """A child living in the reference village, in a household with a parent, and an open case file."""
    parent = make_person(p.village, "李建国", birth="1985-02-01")
    child = make_person(p.village, name, birth=birth)
    make_household(p.village, parent, (child, "child"))
    values: dict[str, Any] = {"person": child, "area_code": p.village.code, "opened_on": TODAY, **fields}
    return Child.objects.create(**values)
