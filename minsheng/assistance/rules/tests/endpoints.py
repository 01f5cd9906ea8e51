"""Permission-matrix registrations of the rules page."""

from minsheng.accounts.roles import Role
from minsheng.testing import ALL_ROLES, Endpoint, register

register(
    Endpoint("assistance:rules", ALL_ROLES),
    Endpoint(
        "assistance:rules",
        frozenset({Role.CITY_ADMIN}),
        method="post",
        data=lambda p: {
            "key": "dibao.taper_months",
            "area_prefix": "3213",
            "valid_from": "2027-01-01",
            "value": "3",
            "source": "通知",
        },
        success=302,
    ),
)
