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

# Each part of the app registers its own pages (kept apart so that they can be worked on at the same time).
from minsheng.assistance.tests import (  # noqa: E402, F401
    endpoints_benefits,
    endpoints_means,
    endpoints_temporary,
    endpoints_workflow,
)
