"""One service step of a page: the POST form validated, the service called with its cleaned data, the outcome said.

Views call :func:`service_step` instead of writing "form valid → try the service → except ValidationError →
message → redirect" again; the view still chooses where to go afterwards (a redirect, or the page again with the
form and its errors)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from minsheng.core.forms import add_service_errors

T = TypeVar("T")


def service_step(
    request: HttpRequest,
    form: forms.Form,
    call: Callable[[dict[str, Any]], T],
    done: str | Callable[[T], str] | None,
    *,
    on_form: bool = False,
) -> bool:
    """Validate ``form``, run ``call(form.cleaned_data)`` and show ``done`` (a sentence, or one made from the
    service's result) as a success message; True when the service ran.

    A refusal of the service (ValidationError) and an invalid form are shown on the form (``on_form``: the caller
    renders the page again with it) or as an error message above the next page (the caller redirects)."""
    if not form.is_valid():
        if not on_form:
            messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return False
    try:
        outcome = call(form.cleaned_data)
    except ValidationError as exc:
        if on_form:
            add_service_errors(form, exc)
        else:
            messages.error(request, " ".join(exc.messages))
        return False
    text = done(outcome) if callable(done) else done
    if text:
        messages.success(request, text)
    return True
