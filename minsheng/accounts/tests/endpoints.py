from minsheng.accounts.roles import Role
from minsheng.testing import Endpoint, register

ADMIN = frozenset({Role.CITY_ADMIN})

register(
    Endpoint("accounts:user_list", ADMIN),
    Endpoint("accounts:user_create", ADMIN),
    Endpoint(
        "accounts:user_create",
        ADMIN,
        method="post",
        data=lambda p: {
            "username": "wang.new",
            "display_name": "王新",
            "home_area": p.village.code,
            "password": "Xq7-long-enough-pass",
        },
        success=302,
    ),
    Endpoint("accounts:user_detail", ADMIN, kwargs=lambda p: {"pk": p[Role.VILLAGE_WORKER].pk}, object_level=True),
    Endpoint(
        "accounts:role_add",
        ADMIN,
        method="post",
        kwargs=lambda p: {"pk": p[Role.VILLAGE_WORKER].pk},
        data=lambda p: {"role": Role.TOWNSHIP_WINDOW, "division": p.township.code},
        object_level=True,
        success=302,
    ),
    Endpoint(
        "accounts:role_remove",
        ADMIN,
        method="post",
        kwargs=lambda p: {
            "pk": p[Role.VILLAGE_WORKER].pk,
            "assignment_pk": p[Role.VILLAGE_WORKER].role_assignments.get().pk,
        },
        data=lambda p: {"reason": "调岗"},
        object_level=True,
        success=302,
    ),
    Endpoint(
        "accounts:user_set_active",
        ADMIN,
        method="post",
        kwargs=lambda p: {"pk": p[Role.VILLAGE_WORKER].pk},
        data=lambda p: {"active": "0", "reason": "离职"},
        object_level=True,
        success=302,
    ),
)
