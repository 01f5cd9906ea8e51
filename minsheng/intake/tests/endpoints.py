from minsheng.accounts.roles import Role
from minsheng.core.testing import Endpoint, register

VIEW = frozenset(
    {
        Role.VILLAGE_WORKER,
        Role.TOWNSHIP_WINDOW,
        Role.TOWNSHIP_REVIEWER,
        Role.COUNTY_APPROVER,
        Role.CITY_ADMIN,
        Role.AUDITOR,
    }
)
ADD = frozenset({Role.VILLAGE_WORKER, Role.TOWNSHIP_WINDOW, Role.TOWNSHIP_REVIEWER, Role.COUNTY_APPROVER})

register(
    Endpoint("intake:consultations", VIEW),
    Endpoint(
        "intake:consultations",
        ADD,
        method="post",
        data=lambda p: {"topic": "低保怎么申请", "outcome": "answered"},
        success=302,
    ),
)
