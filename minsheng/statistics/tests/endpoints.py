"""Permission-matrix registrations of the statistics pages: the dashboard, the big screen and the Excel downloads.

Every staff role of an area sees the statistics of its own area; a department handler does not. The query names
the reference village, which lies inside every permitted persona's area, so an outsider of a permitted role (the
same role in 沭阳县 or 徐州市) gets 404.
"""

from __future__ import annotations

from typing import Any

from minsheng.accounts.roles import Role
from minsheng.testing import Endpoint, Personas, register

STATISTICS = frozenset(
    {
        Role.VILLAGE_WORKER,
        Role.TOWNSHIP_WINDOW,
        Role.TOWNSHIP_REVIEWER,
        Role.COUNTY_APPROVER,
        Role.COUNTY_PAYMENT_OFFICER,
        Role.CITY_ADMIN,
        Role.AUDITOR,
    }
)


def _village(p: Personas) -> dict[str, Any]:
    return {"area": p.village.code, "start": "2026-01", "end": "2026-06"}


register(
    Endpoint("statistics:dashboard", STATISTICS, data=_village, object_level=True),
    Endpoint("statistics:big_screen", STATISTICS, data=_village, object_level=True),
    Endpoint("statistics:dashboard_xlsx", STATISTICS, data=_village, object_level=True),
    Endpoint(
        "statistics:table_xlsx", STATISTICS, kwargs=lambda p: {"table": "by_area"}, data=_village, object_level=True
    ),
)
