"""The shared primitives besides the job runner: ``lock_in_scope`` hands out the row only to a user who may act on it,
and ``service_step`` runs a form's service and says how it went (as a message, or on the form)."""

from __future__ import annotations

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.test import RequestFactory

from minsheng.accounts.roles import Role
from minsheng.core.scoping import lock_in_scope
from minsheng.core.steps import service_step
from minsheng.people.models import Person
from minsheng.testing import Personas, make_person

pytestmark = pytest.mark.django_db


def test_the_row_is_locked_for_a_user_of_its_area_and_refused_to_another(personas: Personas) -> None:
    person = make_person(personas.village, "王芳")
    with transaction.atomic():
        locked = lock_in_scope(Person, person.pk, personas[Role.VILLAGE_WORKER], "change")
        assert locked.pk == person.pk and locked.name == "王芳"
    outsider = personas.outsider(Role.VILLAGE_WORKER)
    with transaction.atomic(), pytest.raises(PermissionDenied, match="不在"):
        lock_in_scope(Person, person.pk, outsider, "change", message="此人不在您的辖区。")


class NoteForm(forms.Form):
    note = forms.CharField(max_length=10)


def _request() -> HttpRequest:
    request = RequestFactory().post("/")
    request.session = SessionStore()
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    return request


def _said(request: HttpRequest) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(request)]


def test_a_step_that_succeeds_says_so_with_the_services_result() -> None:
    request = _request()
    done = service_step(request, NoteForm({"note": "好"}), lambda d: d["note"] * 2, lambda out: f"记下了{out}")
    assert done and _said(request) == [("success", "记下了好好")]


def test_a_refusal_goes_to_the_messages_or_onto_the_form() -> None:
    def refuse(d: dict[str, str]) -> None:
        raise ValidationError({"note": "不行"})

    request = _request()
    assert not service_step(request, NoteForm({"note": "好"}), refuse, "记下了")
    assert _said(request) == [("error", "不行")]

    request, form = _request(), NoteForm({"note": "好"})
    assert not service_step(request, form, refuse, "记下了", on_form=True)
    assert form.errors == {"note": ["不行"]} and _said(request) == []


def test_an_invalid_form_does_not_call_the_service() -> None:
    called: list[str] = []
    request = _request()
    assert not service_step(request, NoteForm({"note": ""}), lambda d: called.append("x"), "记下了")
    assert called == [] and [level for level, _text in _said(request)] == ["error"]
