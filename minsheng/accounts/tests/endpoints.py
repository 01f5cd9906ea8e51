from typing import Any

from minsheng.accounts.models import RoleRequest, UserSession
from minsheng.accounts.roles import Role
from minsheng.testing import ALL_PERSONAS, PASSWORD, Endpoint, Personas, make_user, register

ADMIN = frozenset({Role.CITY_ADMIN})


def _pending_role_request(p: Personas) -> dict[str, Any]:
    """A grant of a sensitive role to the village worker, asked for by another administrator of the city."""
    second = make_user("second_admin", Role.CITY_ADMIN, p.city)
    request = RoleRequest.objects.create(
        user=p[Role.VILLAGE_WORKER], role=Role.TOWNSHIP_WINDOW, division=p.township, requested_by=second
    )
    return {"pk": request.pk}


def _other_session(p: Personas) -> dict[str, Any]:
    """A second session of the village worker's (another computer): others ending it is a no-op."""
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store.create()
    assert store.session_key is not None
    record = UserSession.objects.create(session_id=store.session_key, user=p[Role.VILLAGE_WORKER])
    return {"session": str(record.pk)}


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
    Endpoint("accounts:password_change", ALL_PERSONAS),
    Endpoint(
        "accounts:password_change",
        ALL_PERSONAS,
        method="post",
        data=lambda p: {
            "old_password": PASSWORD,
            "new_password1": "Matrix-New-Pa55",
            "new_password2": "Matrix-New-Pa55",
        },
        success=302,
    ),
    Endpoint("accounts:session_list", ALL_PERSONAS),
    Endpoint("accounts:session_end", ALL_PERSONAS, method="post", data=lambda p: {"others": "1"}, success=302),
    Endpoint("accounts:session_end", ALL_PERSONAS, method="post", data=_other_session, success=302),
    Endpoint(
        "accounts:user_password_reset",
        ADMIN,
        method="post",
        kwargs=lambda p: {"pk": p[Role.VILLAGE_WORKER].pk},
        object_level=True,
    ),
    Endpoint(
        "accounts:user_sessions_end",
        ADMIN,
        method="post",
        kwargs=lambda p: {"pk": p[Role.VILLAGE_WORKER].pk},
        data=lambda p: {"reason": "电脑丢失"},
        object_level=True,
        success=302,
    ),
    Endpoint(
        "accounts:role_request_confirm",
        ADMIN,
        method="post",
        kwargs=_pending_role_request,
        object_level=True,
        success=302,
    ),
    Endpoint(
        "accounts:role_request_reject",
        ADMIN,
        method="post",
        kwargs=_pending_role_request,
        data=lambda p: {"note": "岗位未定"},
        object_level=True,
        success=302,
    ),
)
