from minsheng.accounts.roles import Role
from minsheng.testing import ALL_ROLES, Endpoint, register

register(
    Endpoint("workdays:calendar", ALL_ROLES),
    Endpoint(
        "workdays:load",
        frozenset({Role.CITY_ADMIN}),
        method="post",
        data=lambda p: {"year": "2028", "notice": "国办通知", "days": "2028-01-03 休 元旦补休"},
        success=302,
    ),
)
