"""Sessions listed and ended: one's own, and by an administrator for an account they manage."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from minsheng.accounts.models import UserSession, device_label
from minsheng.accounts.roles import Role
from minsheng.accounts.services import user_sessions_end, user_set_active
from minsheng.audit.models import AuditEvent
from minsheng.testing import PASSWORD, Personas

pytestmark = pytest.mark.django_db

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"


def _signed_in(username: str, address: str, agent: str) -> Client:
    client = Client(REMOTE_ADDR=address, HTTP_USER_AGENT=agent)
    response = client.post(reverse("accounts:login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_a_user_sees_their_sessions_with_device_address_and_last_activity(personas: Personas) -> None:
    worker = personas[Role.VILLAGE_WORKER]
    window_pc = _signed_in(worker.username, "10.1.1.1", FIREFOX)
    laptop = _signed_in(worker.username, "10.2.2.2", CHROME)
    _signed_in(Role.AUDITOR, "10.3.3.3", CHROME)  # somebody else's

    response = window_pc.get(reverse("accounts:session_list"))

    rows = [
        (s.user_agent, s.client_ip, s.session_id == response.context["current_key"])
        for s in response.context["sessions"]
    ]
    assert sorted(rows, key=lambda row: row[1]) == [(FIREFOX, "10.1.1.1", True), (CHROME, "10.2.2.2", False)]
    own = UserSession.objects.select_related("session").get(session_id=window_pc.session.session_key)
    assert own.last_activity == own.session.expire_date - dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    html = response.content.decode()
    assert "本会话" in html and html.count("结束此会话") == 1
    assert laptop.get(reverse("home")).status_code == 200


def test_ending_one_session_signs_that_computer_out(personas: Personas) -> None:
    worker = personas[Role.VILLAGE_WORKER]
    window_pc = _signed_in(worker.username, "10.1.1.1", FIREFOX)
    laptop = _signed_in(worker.username, "10.2.2.2", CHROME)
    other = UserSession.objects.get(session_id=laptop.session.session_key)

    response = window_pc.post(reverse("accounts:session_end"), {"session": str(other.pk)})

    assert (response.status_code, response["Location"]) == (302, reverse("accounts:session_list"))
    assert laptop.get(reverse("home")).status_code == 302
    assert window_pc.get(reverse("home")).status_code == 200
    assert not Session.objects.filter(session_key=other.session_id).exists()
    assert list(UserSession.objects.filter(user=worker).values_list("client_ip", flat=True)) == ["10.1.1.1"]
    event = AuditEvent.objects.unscoped().get(action="accounts.session_ended")
    assert (event.actor_id, event.after) == (worker.pk, {"sessions_ended": 1, "client_ip": "10.2.2.2"})


def test_ending_all_other_sessions_keeps_this_one(personas: Personas) -> None:
    worker = personas[Role.VILLAGE_WORKER]
    here = _signed_in(worker.username, "10.1.1.1", FIREFOX)
    others = [_signed_in(worker.username, f"10.2.2.{n}", CHROME) for n in range(3)]
    auditor = _signed_in(Role.AUDITOR, "10.3.3.3", CHROME)

    here.post(reverse("accounts:session_end"), {"others": "1"})

    assert [c.get(reverse("home")).status_code for c in others] == [302, 302, 302]
    assert here.get(reverse("home")).status_code == 200
    assert auditor.get(reverse("home")).status_code == 200
    assert AuditEvent.objects.unscoped().get(action="accounts.session_ended").after == {"sessions_ended": 3}


@pytest.mark.parametrize("value", ["", "abc", "²", "0", str(2**70)])
def test_somebody_elses_or_a_malformed_session_is_not_ended(personas: Personas, value: str) -> None:
    auditor = _signed_in(Role.AUDITOR, "10.3.3.3", CHROME)
    worker = _signed_in(Role.VILLAGE_WORKER, "10.1.1.1", FIREFOX)
    target = UserSession.objects.get(session_id=auditor.session.session_key)
    for posted in (value, str(target.pk)):
        response = worker.post(reverse("accounts:session_end"), {"session": posted})
        assert response.status_code == 302
    assert auditor.get(reverse("home")).status_code == 200
    assert not AuditEvent.objects.unscoped().filter(action="accounts.session_ended").exists()


def test_signing_out_removes_the_session_from_the_list(personas: Personas) -> None:
    worker = personas[Role.VILLAGE_WORKER]
    client = _signed_in(worker.username, "10.1.1.1", FIREFOX)
    assert UserSession.objects.filter(user=worker).count() == 1
    client.post(reverse("accounts:logout"))
    assert UserSession.objects.filter(user=worker).count() == 0


def test_an_administrator_ends_every_session_of_an_account_they_manage(personas: Personas) -> None:
    worker = personas[Role.VILLAGE_WORKER]
    clients = [_signed_in(worker.username, f"10.2.2.{n}", CHROME) for n in range(2)]
    admin = Client()
    admin.force_login(personas[Role.CITY_ADMIN])
    detail = admin.get(reverse("accounts:user_detail", args=[worker.pk]))
    assert [(s.device, s.client_ip) for s in detail.context["sessions"]] == [
        ("Chrome 126 · Linux", "10.2.2.1"),
        ("Chrome 126 · Linux", "10.2.2.0"),
    ]
    title = re.search(r"<title>(.*?)</title>", detail.content.decode(), re.S)
    assert title is not None and title.group(1).startswith("village_worker · ") and "<" not in title.group(1)

    response = admin.post(reverse("accounts:user_sessions_end", args=[worker.pk]), {"reason": "电脑丢失"})

    assert (response.status_code, response["Location"]) == (302, reverse("accounts:user_detail", args=[worker.pk]))
    assert [c.get(reverse("home")).status_code for c in clients] == [302, 302]
    event = AuditEvent.objects.unscoped().get(action="accounts.user_sessions_ended")
    assert (event.actor_id, event.object_id, event.area_code, event.reason, event.after) == (
        personas[Role.CITY_ADMIN].pk,
        str(worker.pk),
        personas.village.code,
        "电脑丢失",
        {"sessions_ended": 2},
    )
    with pytest.raises(PermissionDenied):
        user_sessions_end(actor=personas.outsider(Role.CITY_ADMIN), user=worker, reason="x")


def test_disabling_an_account_ends_its_sessions(personas: Personas) -> None:
    worker = personas[Role.VILLAGE_WORKER]
    _signed_in(worker.username, "10.1.1.1", FIREFOX)
    user_set_active(actor=personas[Role.CITY_ADMIN], user=worker, is_active=False, reason="离职")
    assert not UserSession.objects.filter(user=worker).exists()


def test_the_device_is_named_by_browser_and_system() -> None:
    assert [
        device_label(agent)
        for agent in (
            FIREFOX,
            CHROME,
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0"
            " Safari/537.36 Edg/126.0",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko)"
            " Version/17.5 Mobile/15E148 Safari/604.1",
            "curl/8.5.0",
            "",
        )
    ] == ["Firefox 128 · Windows", "Chrome 126 · Linux", "Edge 126 · Windows", "Safari 17 · iOS", "curl/8.5.0", ""]
