"""What every page says about itself: a plain <title> (no markup, no token, no file names) and no-store caching for
every answer of the application's views, while static files stay cacheable (window PCs are shared)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from minsheng.testing import ENDPOINTS, Endpoint, Personas, load_endpoint_registries

load_endpoint_registries()

TITLE = re.compile(r"<title>(.*?)</title>", re.S | re.I)


def _pages() -> list[Any]:
    """Every registered endpoint a GET opens, with the first role allowed to open it."""
    return [
        pytest.param(endpoint, sorted(endpoint.allowed)[0], id=str(endpoint))
        for endpoint in ENDPOINTS
        if endpoint.method.lower() == "get" and endpoint.allowed
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(("endpoint", "role"), _pages())
def test_every_page_has_a_plain_title_and_is_not_stored(endpoint: Endpoint, role: str, personas: Personas) -> None:
    client = Client()
    client.force_login(personas[role])
    kwargs = endpoint.kwargs(personas) if endpoint.kwargs else {}
    response = client.get(
        reverse(endpoint.url_name, kwargs=kwargs), data=endpoint.data(personas) if endpoint.data else None
    )
    assert response.status_code == endpoint.success
    assert response["Cache-Control"] == "no-store" and response["Pragma"] == "no-cache"
    if not response.get("Content-Type", "").startswith("text/html"):
        return
    html = response.content.decode()
    titles = TITLE.findall(html)
    if not titles:  # an htmx fragment or a download, no document
        assert "<html" not in html
        return
    assert len(titles) == 1
    assert "<" not in titles[0] and ">" not in titles[0], titles[0][:300]
    assert "csrfmiddlewaretoken" not in titles[0]


@pytest.mark.django_db
def test_the_application_page_title_holds_only_its_receipt_number(personas: Personas) -> None:
    """The documents section (file names, the upload form and its CSRF token) once sat inside the <title>."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from minsheng.accounts.roles import Role
    from minsheng.catalog.models import Item
    from minsheng.intake.services import ItemRequest, application_submit, attachment_add
    from minsheng.testing import make_person

    window = personas[Role.TOWNSHIP_WINDOW]
    application = application_submit(
        actor=window,
        person=make_person(personas.village, "刘洋"),
        requests=[ItemRequest(item=Item.objects.get(number=30))],
        on_behalf=False,
    )
    attachment_add(
        actor=window,
        application=application,
        uploaded=SimpleUploadedFile("户口簿-刘洋.pdf", b"%PDF-1.4 x"),
        material="户口簿",
    )
    client = Client()
    client.force_login(window)
    html = client.get(reverse("intake:application_detail", args=[application.pk])).content.decode()
    assert TITLE.findall(html) == [f"受理回执 {application.receipt_number} · 帮扶救助信息平台"]
    assert html.count("户口簿-刘洋.pdf") == 1


@pytest.mark.django_db
def test_public_pages_and_api_answers_are_not_stored_but_static_files_are_cacheable(personas: Personas) -> None:
    from minsheng.accounts.roles import Role

    anonymous = Client()
    for name in ("accounts:login", "intake:online_start"):
        response = anonymous.get(reverse(name))
        assert (response.status_code, response["Cache-Control"]) == (200, "no-store")
    api = Client()
    api.force_login(personas[Role.COUNTY_APPROVER])
    answer = api.get("/api/v1/divisions/", {"limit": 1})
    assert (answer.status_code, answer["Cache-Control"], answer["Pragma"]) == (200, "no-store", "no-cache")
    static = anonymous.get("/static/css/app.css")
    assert static.status_code == 200
    assert "no-store" not in static.get("Cache-Control", "") and "Pragma" not in static
