"""The departments' own systems: a key per client, created, rotated and revoked by a city administrator; a client
sends only its own sources, reads only its own feeds; every use is audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from minsheng.audit.models import AuditEvent
from minsheng.exchange.models import ClientKey, DataSource, Feed, FeedRecord
from minsheng.exchange.services import client_key_rotate, client_revoke
from minsheng.exchange.tests.factories import client, id_number
from minsheng.testing import PASSWORD, Personas, make_person

URL = "/api/v1/exchange/feeds/"


def post(key: str, body: dict[str, Any]) -> Any:
    return Client().post(URL, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}")


def get(key: str, pk: int) -> Any:
    return Client().get(f"{URL}{pk}/", HTTP_AUTHORIZATION=f"Bearer {key}")


def deaths(*rows: tuple[str, str, str], batch: str = "GA-API-1") -> dict[str, Any]:
    return {
        "source": "police_death",
        "batch": batch,
        "records": [{"id_number": i, "name": n, "died_on": d} for i, n, d in rows],
    }


def test_a_client_sends_a_feed_of_its_source_and_sending_it_again_changes_nothing(personas: Personas) -> None:
    p = personas
    known = make_person(p.village, "张一")
    police, key = client(p)
    body = deaths((known.id_number, "张一", "2026-10-01"), (id_number(40), "李四", "2026-10-02"))

    response = post(key, body)

    assert response.status_code == 201, response.json()
    feed = Feed.objects.unscoped().get()
    assert response.json() | {"received_at": None} == {
        "id": feed.pk,
        "source": "police_death",
        "layout_version": 1,
        "batch": "GA-API-1",
        "channel": "api",
        "received_at": None,
        "rows": 2,
        "matched": 1,
        "ambiguous": 0,
        "unmatched": 1,
    }
    assert (feed.client, feed.submitted_by, feed.area_code) == (police, police.user, p.city.code)
    again = post(key, body)
    assert again.status_code == 200 and again.json()["id"] == feed.pk
    assert FeedRecord.objects.unscoped().count() == 2
    actions = list(AuditEvent.objects.unscoped().filter(actor=police.user).values_list("action", flat=True))
    assert actions.count("exchange.feed_received") == 1 and actions.count("exchange.feed_resent") == 1
    answer = get(key, feed.pk)
    assert answer.status_code == 200
    assert answer.json()["not_matched"] == [{"row": 2, "match": "unmatched"}]
    assert ClientKey.objects.get(client=police).last_used_at is not None


def test_bad_records_are_refused_by_row_and_nothing_is_written(personas: Personas) -> None:
    _, key = client(personas)
    body = deaths((id_number(41), "李四", "2026-10-02"), (id_number(41), "李四", "2026-10-02"), ("123", "王五", "x"))

    response = post(key, body)

    assert response.status_code == 400
    assert response.json()["rows"] == [
        {"row": 2, "errors": ["与第 1 行是同一条记录"]},
        {
            "row": 3,
            "errors": [response.json()["rows"][1]["errors"][0], "死亡日期：不是1900年至今天之间的日期（YYYY-MM-DD）"],
        },
    ]
    assert response.json()["rows"][1]["errors"][0].startswith("身份证号码：")
    assert not Feed.objects.unscoped().exists()
    bad_column = post(key, {"source": "police_death", "batch": "b", "records": [{"id_number": "1", "age": 3}]})
    assert bad_column.status_code == 400 and bad_column.json()["rows"] == [{"row": 1, "errors": ["未知列：age"]}]


def test_a_client_may_not_send_another_source_nor_read_another_clients_feed(personas: Personas) -> None:
    p = personas
    _, police_key = client(p)
    _, tax_key = client(p, "税务局系统", ("tax_income",))
    feed_id = post(police_key, deaths((id_number(42), "李四", "2026-10-02"))).json()["id"]

    refused = post(tax_key, deaths((id_number(43), "王五", "2026-10-02"), batch="other"))
    assert refused.status_code == 403 and refused.json() == {"detail": "该接入系统无权报送此数据来源。"}
    assert get(tax_key, feed_id).status_code == 404
    assert get(tax_key, 99999999999999999999).status_code == 404
    assert Feed.objects.unscoped().count() == 1


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer mx_wrong", "Token mx_wrong"])
def test_a_request_without_a_valid_key_is_401(personas: Personas, header: str) -> None:
    headers = {"Authorization": header} if header else {}
    response = Client().post(URL, deaths(), content_type="application/json", headers=headers)
    assert response.status_code == 401


def test_a_staff_session_is_no_client(personas: Personas) -> None:
    web = Client()
    web.login(username=personas["city_admin"].username, password=PASSWORD)
    assert web.post(URL, deaths(), content_type="application/json").status_code == 401


def test_a_rotated_key_stops_working_and_a_revoked_client_has_none(personas: Personas) -> None:
    p = personas
    police, old = client(p)
    new = client_key_rotate(actor=p["city_admin"], client=police)

    assert post(old, deaths((id_number(44), "李四", "2026-10-02"))).status_code == 401
    assert post(new, deaths((id_number(44), "李四", "2026-10-02"))).status_code == 201
    client_revoke(actor=p["city_admin"], client=police, reason="系统下线")
    assert post(new, deaths((id_number(45), "李四", "2026-10-02"), batch="2")).status_code == 401
    actions = AuditEvent.objects.unscoped().filter(object_id=str(police.pk), object_type="exchange.departmentclient")
    assert sorted(actions.values_list("action", flat=True)) == [
        "exchange.client_created",
        "exchange.client_revoked",
        "exchange.key_issued",
        "exchange.key_issued",
    ]
    assert ClientKey.objects.filter(client=police, revoked_at__isnull=True).count() == 0


def test_the_key_is_shown_once_and_kept_as_a_digest(personas: Personas) -> None:
    p = personas
    web = Client()
    web.login(username=p["city_admin"].username, password=PASSWORD)
    response = web.post(
        reverse("exchange:client_new"),
        {"name": "车管所系统", "area": p.city.code, "sources": [DataSource.objects.get(code="vehicle").pk]},
    )

    assert response.status_code == 200
    key = response.context["key"]
    assert key.startswith("mx_") and key in response.content.decode()
    stored = ClientKey.objects.get()
    assert stored.digest != key and key not in stored.digest and stored.prefix == key[:8]
    elsewhere = web.post(
        reverse("exchange:client_new"),
        {"name": "外市系统", "area": p.other_city.code, "sources": [DataSource.objects.get(code="vehicle").pk]},
    )
    assert elsewhere.status_code == 400 and ClientKey.objects.count() == 1
