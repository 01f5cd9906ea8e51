"""What every API endpoint shares: the one pagination and its limits, the error answers in the user's language,
and a schema that lists every answer code (core/api.py, core/schema.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from django.test import Client, override_settings

from minsheng.accounts.roles import Role
from minsheng.core.api import DeepPagination, Pagination
from minsheng.testing import Personas
from minsheng.urls import api_router

pytestmark = pytest.mark.django_db

SCHEMA = Path(__file__).resolve().parents[3] / "docs" / "openapi.yaml"


def _client(personas: Personas, role: str, **defaults: Any) -> Client:
    client = Client(**defaults)
    client.force_login(personas[role])
    return client


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("limit=99999999999999999999999", "limit", "请填写 1 至 200 之间的整数。"),  # beyond 64 bits: was a 500
        ("limit=-1", "limit", "请填写 1 至 200 之间的整数。"),
        ("limit=0", "limit", "请填写 1 至 200 之间的整数。"),
        ("limit=abc", "limit", "请填写 1 至 200 之间的整数。"),
        ("limit=%C2%B2", "limit", "请填写 1 至 200 之间的整数。"),
        ("limit=201", "limit", "请填写 1 至 200 之间的整数。"),
        ("offset=99999999999999999999999", "offset", "请填写 0 至 2147483647 之间的整数。"),
        ("offset=-5", "offset", "请填写 0 至 2147483647 之间的整数。"),
    ],
)
def test_a_bad_limit_or_offset_on_any_list_is_a_400_in_chinese(
    personas: Personas, query: str, field: str, message: str
) -> None:
    client = _client(personas, Role.COUNTY_APPROVER)
    urls = ["/api/v1/divisions/", "/api/v1/persons/?name=%E7%8E%8B&", "/api/v1/payroll-batches/"]
    if field == "limit":
        urls.append("/api/v1/households/")  # paged by cursor: no offset
    for url in urls:
        response = client.get(f"{url}{'&' if '?' in url else '?'}{query}".replace("&&", "&"))
        assert response.status_code == 400, url
        assert response.json() == {"detail": f"{field}：{message}", "errors": {field: [message]}}, url


def test_every_list_is_paginated_by_the_one_class_with_the_one_maximum(personas: Personas) -> None:
    client = _client(personas, Role.CITY_ADMIN)
    page = client.get("/api/v1/divisions/").json()
    assert len(page["results"]) == 50 and page["count"] > 200
    assert len(client.get("/api/v1/divisions/?limit=200").json()["results"]) == 200
    with override_settings(API_MAX_PAGE_SIZE=7):
        assert len(client.get("/api/v1/divisions/?limit=7").json()["results"]) == 7
        assert client.get("/api/v1/divisions/?limit=8").json()["errors"] == {"limit": ["请填写 1 至 7 之间的整数。"]}
    viewsets: list[tuple[str, Any]] = [(prefix, viewset) for prefix, viewset, _basename in api_router().registry]
    lists = [(prefix, viewset) for prefix, viewset in viewsets if hasattr(viewset, "list")]
    assert len(lists) >= 4
    for prefix, viewset in lists:  # the one limit/offset class, or the cursor class for a list that goes deep
        assert issubclass(viewset.pagination_class, (Pagination, DeepPagination)), prefix
        assert (viewset.pagination_class is Pagination) == (prefix != "households"), prefix


def test_api_errors_are_in_chinese_whatever_the_browser_asks_and_in_the_language_the_user_chose(
    personas: Personas,
) -> None:
    english_browser = {"Accept-Language": "en-US,en;q=0.9"}
    assert Client(headers=english_browser).get("/api/v1/persons/").json() == {"detail": "身份认证信息未提供。"}
    client = _client(personas, Role.VILLAGE_WORKER, headers=english_browser)
    assert client.get("/api/v1/persons/").json() == {"detail": "请给出身份证号、姓名或区划代码。"}
    assert client.get("/api/v1/payroll-batches/").json() == {"detail": "您没有执行该操作的权限。"}
    # Django's own 404 text names the model in English ("No Person matches the given query."): never shown.
    assert client.get("/api/v1/persons/999999/").json() == {"detail": "未找到。"}
    client.cookies["django_language"] = "en"
    assert client.get("/api/v1/persons/999999/").json() == {"detail": "Not found."}


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/persons/%C2%B2/",
        "/api/v1/persons/99999999999999999999999/",
        "/api/v1/households/%C2%B2/",
        "/api/v1/payroll-batches/%C2%B2/",
        "/api/v1/payroll-batches/99999999999999999999999/",
        "/api/v1/divisions/%C2%B2/",
    ],
)
def test_an_id_that_is_no_number_or_beyond_64_bits_is_a_404(personas: Personas, url: str) -> None:
    response = _client(personas, Role.COUNTY_APPROVER).get(url)
    assert (response.status_code, response.json()) == (404, {"detail": "未找到。"})


def test_a_batch_id_such_as_superscript_two_is_a_404_on_the_payroll_actions(personas: Personas) -> None:
    for action, role in (("approve", Role.COUNTY_APPROVER), ("return-file", Role.COUNTY_PAYMENT_OFFICER)):
        client = _client(personas, role)
        response = client.post(f"/api/v1/payroll-batches/%C2%B2/{action}/", headers={"Idempotency-Key": "k" * 10})
        assert (response.status_code, response.json()) == (404, {"detail": "未找到。"}), action


def test_the_schema_documents_the_error_answers_of_every_operation() -> None:
    schema = yaml.safe_load(SCHEMA.read_text(encoding="utf-8"))
    error = {"$ref": "#/components/schemas/Error"}
    operations = [
        (path, method, operation)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]
    assert len(operations) >= 12
    for path, method, operation in operations:
        for code in ("400", "401", "403", "404"):
            assert operation["responses"][code]["content"]["application/json"]["schema"] == error, (path, method)
        if any(p["name"] == "Idempotency-Key" for p in operation.get("parameters", [])):
            assert operation["responses"]["422"]["content"]["application/json"]["schema"] == error, path
    assert schema["components"]["schemas"]["Error"]["required"] == ["detail"]


def test_a_schema_enum_holds_the_blank_choice_the_answers_carry() -> None:
    schema = yaml.safe_load(SCHEMA.read_text(encoding="utf-8"))
    exclusion = schema["components"]["schemas"]["Membership"]["properties"]["exclusion"]
    assert exclusion["oneOf"] == [
        {"$ref": "#/components/schemas/ExclusionEnum"},
        {"$ref": "#/components/schemas/BlankEnum"},
    ]
    assert schema["components"]["schemas"]["BlankEnum"] == {"enum": [""]}
