"""Permission-matrix registrations of the data exchange's pages (the department clients' API is tested in
test_api.py: it takes a client's key, not a staff session)."""

from __future__ import annotations

import uuid
from typing import Any

from minsheng.accounts.roles import Role
from minsheng.exchange.module import OFFICER
from minsheng.testing import Endpoint, Personas, register

READ = frozenset({OFFICER, Role.CITY_ADMIN, Role.AUDITOR})
CLIENTS_READ = frozenset({Role.CITY_ADMIN, Role.AUDITOR})
ADMIN = frozenset({Role.CITY_ADMIN})


def _feed_pk(p: Personas) -> dict[str, Any]:
    if "exchange_feed" not in p.extra:
        from minsheng.exchange.tests.factories import death_feed

        p.extra["exchange_feed"] = death_feed(p)
    return {"pk": p.extra["exchange_feed"].pk}


def _client_pk(p: Personas) -> dict[str, Any]:
    if "exchange_client" not in p.extra:
        from minsheng.exchange.tests.factories import client

        p.extra["exchange_client"] = client(p)[0]
    return {"pk": p.extra["exchange_client"].pk}


def _client_data(p: Personas) -> dict[str, Any]:
    from minsheng.exchange.models import DataSource

    return {
        "name": f"系统{uuid.uuid4().hex[:8]}",
        "area": p.city.code,
        "sources": [DataSource.objects.get(code="vehicle").pk],
    }


register(
    Endpoint("exchange:source_list", READ),
    Endpoint("exchange:feed_list", READ),
    Endpoint("exchange:feed_new", frozenset({OFFICER})),
    Endpoint("exchange:feed_detail", READ, kwargs=_feed_pk, object_level=True),
    Endpoint("exchange:client_list", CLIENTS_READ),
    Endpoint("exchange:client_new", ADMIN, method="post", data=_client_data),
    Endpoint("exchange:client_rotate", ADMIN, method="post", kwargs=_client_pk, object_level=True),
    Endpoint(
        "exchange:client_revoke",
        ADMIN,
        method="post",
        kwargs=_client_pk,
        data=lambda p: {"reason": "系统停用"},
        object_level=True,
        success=302,
    ),
)
