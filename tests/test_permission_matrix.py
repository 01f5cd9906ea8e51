"""Every view and endpoint, for every persona: anonymous, wrong role, outside the area, permitted."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from minsheng.testing import ALL_PERSONAS, ENDPOINTS, Endpoint, Personas, load_endpoint_registries, public_url_names

load_endpoint_registries()

# The decisions are the views' and the scoping door's Python; CI runs the matrix once, on SQLite (.ci/run).
pytestmark = pytest.mark.matrix


def _url_names(patterns: list[Any], namespace: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


def test_every_url_is_registered_in_the_matrix() -> None:
    registered = {e.url_name for e in ENDPOINTS}
    unregistered = _url_names(get_resolver().url_patterns) - registered - public_url_names()
    # DRF's format-suffix variants share the view of the registered name.
    unregistered = {n for n in unregistered if not n.endswith("-format") and not n.startswith("api:api-root")}
    assert unregistered == set()


def _snapshot() -> dict[str, Any]:
    """Every row of every Minsheng table (a denied write must leave all of them as they were), read raw: the rows as
    the database returns them, in primary-key order, without building model values (most of the matrix's time went
    there)."""
    state: dict[str, Any] = {}
    with connection.cursor() as cursor:
        for model in apps.get_models():
            if model._meta.app_config is not None and model._meta.app_config.name.startswith("minsheng."):
                table = model._meta.db_table
                if table not in state:
                    cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)} ORDER BY 1")
                    state[table] = cursor.fetchall()
    return state


def _request(endpoint: Endpoint, personas: Personas) -> tuple[str, dict[str, Any] | None]:
    kwargs = endpoint.kwargs(personas) if endpoint.kwargs else {}
    return reverse(endpoint.url_name, kwargs=kwargs), endpoint.data(personas) if endpoint.data else None


def _cases() -> list[Any]:
    cases = []
    for endpoint in ENDPOINTS:
        cases.append(pytest.param(endpoint, "anonymous", id=f"{endpoint}-anonymous"))
        for persona in sorted(ALL_PERSONAS):
            kind = "permitted" if persona in endpoint.allowed else "forbidden"
            cases.append(pytest.param(endpoint, f"{kind}:{persona}", id=f"{endpoint}-{kind}-{persona}"))
            if endpoint.object_level and persona in endpoint.allowed:
                cases.append(pytest.param(endpoint, f"outside:{persona}", id=f"{endpoint}-outside-{persona}"))
    return cases


@pytest.mark.parametrize(("endpoint", "case"), _cases())
def test_permission_matrix(endpoint: Endpoint, case: str, personas: Personas) -> None:
    client = Client()
    kind, _, persona = case.partition(":")
    if kind == "permitted" or kind == "forbidden":
        client.force_login(personas[persona])
    elif kind == "outside":
        client.force_login(personas.outsider(persona))
    url, data = _request(endpoint, personas)  # builds the endpoint's objects before the snapshot
    before = _snapshot() if endpoint.writes else None

    headers = endpoint.headers(personas) if endpoint.headers else None
    response = getattr(client, endpoint.method.lower())(url, data=data, headers=headers)

    if kind == "anonymous":
        if endpoint.api:
            assert response.status_code == 401
        else:
            assert response.status_code == 302
            assert response["Location"].startswith(reverse(settings.LOGIN_URL))
    elif kind == "forbidden":
        assert response.status_code == 403
    elif kind == "outside":
        assert response.status_code == 404
    else:
        assert response.status_code == endpoint.success, getattr(response, "content", b"")[:500]
    if kind != "permitted" and before is not None:
        assert _snapshot() == before
