"""The home visit on a village worker's phone (issue 17 point 5): the visit page, the endpoint its script sends the
visit to, the page of visits still kept on the phone, and the installable web app's service worker and manifest.

The page works when the connection drops: its script (``static/monitoring/visit.js``) keeps the visit, photos
included, in the phone's IndexedDB under the UUID it made when the page opened, and sends it when the phone is
online; the endpoint answers 201 for a new visit and 200 for one received before (``visit_receive`` is idempotent by
that UUID), so a visit sent twice arrives once. The service worker caches only the page shell (the queue page,
which holds no personal data) and static files, never a page with a person on it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import uuid
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_GET, require_POST

from minsheng.accounts.models import User
from minsheng.catalog.models import Item
from minsheng.core.decorators import role_required
from minsheng.core.limits import REASON_MAX
from minsheng.core.modules import VisitKind, visit_kind
from minsheng.core.numbers import id_or_404
from minsheng.core.questions import answers_check
from minsheng.monitoring import selectors
from minsheng.monitoring.models import Alert, Visit
from minsheng.monitoring.questions import answers_clean, questions_for
from minsheng.monitoring.services import (
    PHOTO_MAX_BYTES,
    PHOTOS_MAX,
    KindVisitData,
    VisitData,
    visit_kind_receive,
    visit_receive,
)

# Everything but the photos is small; the photos are bounded one by one and in number.
FIELDS_MAX_BYTES = 256 * 1024
REQUEST_MAX_BYTES = PHOTOS_MAX * PHOTO_MAX_BYTES + FIELDS_MAX_BYTES
ITEMS_MAX = 20
# The static files the phone pages need offline (the service worker caches them and the queue page, nothing else).
OFFLINE_STATIC = (
    "vendor/bootstrap/bootstrap.min.css",
    "monitoring/phone.css",
    "monitoring/visit.js",
    "monitoring/icon-192.png",
    "monitoring/icon-512.png",
)
# The pages with a person on them, never cached: a warning's visit page and any module's visit page.
PHONE_PATH = r"^/monitoring/(warnings/\d+|visits/[A-Za-z0-9_.-]+/\d+)/phone/$"
# The words of the photo stages the visit kinds use (a stage not named here shows as its code).
STAGE_LABELS = {
    "before": pgettext_lazy("visit", "Before"),
    "during": pgettext_lazy("visit", "During"),
    "after": pgettext_lazy("visit", "After"),
}


def _phone_context(request: HttpRequest) -> dict[str, Any]:
    """What every phone page's script needs: where the service worker and the endpoint are, and its words (from
    the .po, rendered into data attributes: the script has no strings of its own)."""
    return {
        "sw_url": reverse("monitoring:service_worker"),
        "sw_scope": reverse("monitoring:service_worker").rsplit("/", 1)[0] + "/",
        "queue_url": reverse("monitoring:visit_queue"),
        "login_url": reverse("accounts:login"),
    }


@role_required("monitoring.add_visit")
@require_GET
def visit_phone(request: HttpRequest, pk: int) -> HttpResponse:
    """A warning's visit, mobile first: check in, location with consent, the questions, photos, the outcome."""
    alert = selectors.alert_get(user=request.user, pk=id_or_404(pk))
    items = Item.objects.filter(active=True).order_by("number").only("number", "name")
    return render(
        request,
        "monitoring/visit_phone.html",
        {
            **_phone_context(request),
            "alert": alert,
            "questions": questions_for(Visit.Kind.WARNING),
            "outcomes": Alert.Outcome.choices,
            "items": items,
            "submit_url": reverse("monitoring:visit_submit", args=[alert.pk]),
            "reason_max": REASON_MAX,
            "photos_max": PHOTOS_MAX,
            "today": timezone.localdate(),
        },
    )


@role_required("monitoring.add_visit")
@require_GET
def visit_queue(request: HttpRequest) -> HttpResponse:
    """The visits kept on this phone, sent from here when it is online (the page shell: no personal data in it;
    its script lists the phone's own queue)."""
    return render(request, "monitoring/visit_queue.html", _phone_context(request))


def _json_permission(permission: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A script's endpoint answers in JSON: 401 when the session ended (the visit stays on the phone until the
    worker signs in again), 403 without the permission, never the login page (a redirect would read as sent)."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return _errors({"__all__": [_("Sign in again: the visit is kept on the phone until then.")]}, 401)
            if not request.user.has_perm(permission):
                return _errors({"__all__": [_("You may not record visits.")]}, 403)
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def _errors(errors: dict[str, list[str]], status: int = 400) -> JsonResponse:
    return JsonResponse({"errors": errors}, status=status, json_dumps_params={"ensure_ascii": False})


def _error(field: str, message: str) -> ValidationError:
    return ValidationError({field: message})


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise _error("client_uuid", _("The visit has no valid identifier.")) from None


def _checked_in_at(value: str) -> Any:
    parsed = parse_datetime(value.strip()) if value.strip() else None
    if parsed is None:
        raise _error("checked_in_at", _("Check in first (the time of the visit)."))
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _coordinate(value: str) -> Decimal | None:
    if not value.strip():
        return None
    try:
        number = Decimal(value.strip()[:20])
    except InvalidOperation:
        raise _error("latitude", _("The location is not readable.")) from None
    if not number.is_finite():
        raise _error("latitude", _("The location is not readable."))
    return number.quantize(Decimal("0.000001"))


def _items(values: list[str]) -> list[int]:
    if len(values) > ITEMS_MAX:
        raise _error("items", _("Too many items."))
    try:
        return [int(value) for value in values]
    except ValueError:
        raise _error("items", _("Unknown or inactive item.")) from None


def _answers(value: str) -> dict[str, str]:
    if len(value) > 8000:
        raise _error("answers", _("The answers are too long."))
    try:
        raw = json.loads(value) if value.strip() else {}
    except ValueError:
        raise _error("answers", _("The answers are not readable.")) from None
    return answers_clean(Visit.Kind.WARNING, raw)


def _photos(request: HttpRequest) -> list[bytes]:
    files = request.FILES.getlist("photos")
    if len(files) > PHOTOS_MAX:
        raise _error("photos", _("At most %(n)s photos.") % {"n": PHOTOS_MAX})
    for number, upload in enumerate(files, start=1):
        if (upload.size or 0) > PHOTO_MAX_BYTES:
            raise _error("photos", _("Photo %(n)s is larger than 5 MB.") % {"n": number})
    return [upload.read() for upload in files]


def _visit_data(request: HttpRequest, alert: Alert) -> VisitData:
    post = request.POST
    latitude, longitude = _coordinate(post.get("latitude", "")), _coordinate(post.get("longitude", ""))
    return VisitData(
        client_uuid=_uuid(post.get("client_uuid", "")),
        person=alert.person,
        alert=alert,
        checked_in_at=_checked_in_at(post.get("checked_in_at", "")),
        latitude=latitude,
        longitude=longitude,
        answers=_answers(post.get("answers", "")),
        outcome=post.get("outcome", "")[:10],
        reason=post.get("reason", "")[: REASON_MAX + 1],
        referred_to=post.get("referred_to", "")[:101],
        items=_items(post.getlist("items")),
        photos=_photos(request),
    )


def _message_dict(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {field: [str(m) for m in messages] for field, messages in exc.message_dict.items()}
    return {"__all__": [str(m) for m in exc.messages]}


@require_POST
@_json_permission("monitoring.add_visit")
def visit_submit(request: HttpRequest, pk: int) -> HttpResponse:
    """A visit from the phone's script (multipart: the fields, ``answers`` as JSON, the photos as files): 201 a new
    visit, 200 one received before under the same UUID, 400 with the reasons, 403/404 outside the worker's areas."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > REQUEST_MAX_BYTES:
        return _errors({"photos": [_("The visit is too large to send (at most 6 photos of 5 MB).")]})
    alert = selectors.alert_get(user=request.user, pk=id_or_404(pk))
    actor: User = request.user  # type: ignore[assignment]  # authenticated: checked above
    try:
        received = visit_receive(actor=actor, data=_visit_data(request, alert))
    except ValidationError as exc:
        return _errors(_message_dict(exc))
    except PermissionDenied as exc:
        return _errors({"__all__": [str(exc) or _("Outside your areas.")]}, 403)
    visit = received.visit
    if visit.alert_id != alert.pk:
        return _errors({"client_uuid": [_("This identifier belongs to another visit.")]})
    alert.refresh_from_db(fields=["status", "outcome"])
    body = {
        "client_uuid": str(visit.client_uuid),
        "visit": visit.pk,
        "created": received.created,
        "applied": visit.applied,
        "message": received.message,
        "alert_status": alert.get_status_display(),
    }
    return JsonResponse(body, status=201 if received.created else 200, json_dumps_params={"ensure_ascii": False})


def _static_version() -> str:
    """Changes whenever a file the worker caches changes (their URLs carry no hash outside production)."""
    digest = hashlib.sha256(Path(__file__).with_name("templates").joinpath("monitoring/sw.js").read_bytes())
    for name in OFFLINE_STATIC:
        found = finders.find(name)
        path = found[0] if isinstance(found, list) else found
        digest.update(Path(path).read_bytes() if path else static(name).encode())
    return digest.hexdigest()[:16]


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The phone pages' service worker, served by the application under ``/monitoring/`` (its scope). Public: it
    holds no data, and a browser fetches it on its own."""
    config = {
        "version": _static_version(),
        "shell": reverse("monitoring:visit_queue"),
        "phone": PHONE_PATH,
        "precache": [static(name) for name in OFFLINE_STATIC] + [reverse("monitoring:visit_queue")],
    }
    source = render_to_string("monitoring/sw.js", {"config": json.dumps(config)})
    response = HttpResponse(source, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = reverse("monitoring:service_worker").rsplit("/", 1)[0] + "/"
    return response


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    """The web app manifest: the phone pages install as an app from the browser, with no app store."""
    body = {
        "name": _("Minsheng home visits"),
        "short_name": _("Home visits"),
        "lang": "zh-CN",
        "start_url": reverse("monitoring:visit_queue"),
        "scope": reverse("monitoring:service_worker").rsplit("/", 1)[0] + "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0d6efd",
        "icons": [
            {"src": static("monitoring/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("monitoring/icon-512.png"), "sizes": "512x512", "type": "image/png"},
        ],
    }
    return JsonResponse(body, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False})


# --- Visits of every module's kinds (core.modules.VisitKind) ---------------------------------------------------------


def _kind(code: str) -> VisitKind:
    try:
        return visit_kind(code)
    except KeyError:
        raise Http404 from None


def _subject_id(subject: object) -> int:
    return id_or_404(subject)


def _stages(kind: VisitKind) -> list[tuple[str, str]]:
    """(code, words) of the kind's photo stages, or one unnamed stage."""
    return [(stage, str(STAGE_LABELS.get(stage, stage))) for stage in kind.photo_stages] or [("", "")]


@require_GET
def visit_kind_phone(request: HttpRequest, kind: str, subject: int) -> HttpResponse:
    """The phone page of a visit of any declared kind: its subject, check-in (and check-out for a timed kind), the
    location with consent, the kind's questions, photos (per stage), a note. A warning's visit has its own page."""
    declared = _kind(kind)

    @role_required(declared.permission)
    def page(request: HttpRequest) -> HttpResponse:
        pk = _subject_id(subject)
        found = declared.subject(request.user, pk)
        if found is None:
            raise Http404
        if declared.outcomes:  # the warning's visit: its own page, with the apply/refer/close block
            return redirect("monitoring:visit_phone", pk)
        return render(
            request,
            "monitoring/visit_kind_phone.html",
            {
                **_phone_context(request),
                "kind": declared,
                "subject": found,
                "subject_id": pk,
                "questions": declared.questions(found),
                "stages": _stages(declared),
                "submit_url": reverse("monitoring:visit_kind_submit", args=[declared.code, pk]),
                "note_max": 500,
                "photos_max": PHOTOS_MAX,
            },
        )

    response: HttpResponse = page(request)
    return response


def _kind_photos(request: HttpRequest, kind: VisitKind) -> list[tuple[str, bytes]]:
    """The photos under ``photos`` (a kind without stages) or ``photos_<stage>``; a file under any other name is
    refused."""
    names = {f"photos_{stage}" if stage else "photos": stage for stage, _words in _stages(kind)}
    if any(name not in names for name in request.FILES):
        raise _error("photos", _("A photo of an unknown stage of the visit."))
    files = [(stage, upload) for name, stage in names.items() for upload in request.FILES.getlist(name)]
    if len(files) > PHOTOS_MAX:
        raise _error("photos", _("At most %(n)s photos.") % {"n": PHOTOS_MAX})
    for number, (_stage, upload) in enumerate(files, start=1):
        if (upload.size or 0) > PHOTO_MAX_BYTES:
            raise _error("photos", _("Photo %(n)s is larger than 5 MB.") % {"n": number})
    return [(stage, upload.read()) for stage, upload in files]


def _checked_out_at(value: str) -> Any:
    if not value.strip():
        return None
    parsed = parse_datetime(value.strip()[:40])
    if parsed is None:
        raise _error("checked_out_at", _("The check-out time is not readable."))
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def _kind_visit_data(request: HttpRequest, kind: VisitKind, questions: Any) -> KindVisitData:
    post = request.POST
    answers = post.get("answers", "")
    if len(answers) > 8000:
        raise _error("answers", _("The answers are too long."))
    try:
        raw = json.loads(answers) if answers.strip() else {}
    except ValueError:
        raise _error("answers", _("The answers are not readable.")) from None
    return KindVisitData(
        client_uuid=_uuid(post.get("client_uuid", "")),
        checked_in_at=_checked_in_at(post.get("checked_in_at", "")[:40]),
        checked_out_at=_checked_out_at(post.get("checked_out_at", "")),
        latitude=_coordinate(post.get("latitude", "")),
        longitude=_coordinate(post.get("longitude", "")),
        answers=answers_check(questions, raw),
        note=post.get("note", "")[:501],
        photos=_kind_photos(request, kind),
    )


@require_POST
def visit_kind_submit(request: HttpRequest, kind: str, subject: int) -> HttpResponse:
    """A visit of a declared kind from the phone's script, as ``visit_submit`` answers: 201 a new visit, 200 the same
    UUID received before, 400 with the reasons (the kind's own ``receive`` may refuse: nothing is kept), 401 signed
    out, 403 without the kind's permission, 404 an unknown kind or a subject outside the worker's areas."""
    declared = _kind(kind)
    if declared.outcomes:
        response: HttpResponse = visit_submit(request, pk=subject)
        return response

    @_json_permission(declared.permission)
    def endpoint(request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > REQUEST_MAX_BYTES:
            return _errors({"photos": [_("The visit is too large to send (at most 6 photos of 5 MB).")]})
        pk = _subject_id(subject)
        found = declared.subject(request.user, pk)
        if found is None:
            raise Http404
        actor: User = request.user  # type: ignore[assignment]  # authenticated: checked above
        try:
            data = _kind_visit_data(request, declared, declared.questions(found))
            received = visit_kind_receive(actor=actor, kind=declared, subject_id=pk, subject=found, data=data)
        except ValidationError as exc:
            return _errors(_message_dict(exc))
        except PermissionDenied as exc:
            return _errors({"__all__": [str(exc) or _("Outside your areas.")]}, 403)
        visit = received.visit
        if visit.kind != declared.code or visit.subject_id != pk:
            return _errors({"client_uuid": [_("This identifier belongs to another visit.")]})
        body = {
            "client_uuid": str(visit.client_uuid),
            "visit": visit.pk,
            "created": received.created,
            "applied": visit.applied,
            "message": received.message,
            "flags": [str(Visit.Flag(flag).label) for flag in visit.flags if flag in Visit.Flag.values],
            "minutes": int(visit.duration.total_seconds() // 60) if visit.duration is not None else None,
        }
        return JsonResponse(body, status=201 if received.created else 200, json_dumps_params={"ensure_ascii": False})

    answer: HttpResponse = endpoint(request)
    return answer
