from __future__ import annotations

import ipaddress
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

from minsheng.core.context import RequestContext, current_request

# Every asset is served by the application itself, so nothing but 'self' is ever needed.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The address of the person's computer.

    Behind the reverse proxy REMOTE_ADDR is the proxy itself; only when the request comes from an address in
    TRUSTED_PROXIES is the proxy's X-Real-IP (or the last X-Forwarded-For hop) believed. Anybody else could
    write those headers to forge an address in the audit log or dodge the sign-in throttle.
    """
    remote = request.META.get("REMOTE_ADDR") or ""
    if remote in settings.TRUSTED_PROXIES:
        forwarded = request.META.get("HTTP_X_REAL_IP") or request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1]
        return _valid_ip(forwarded) or _valid_ip(remote)
    return _valid_ip(remote)


class RequestContextMiddleware:
    """Give each request an id (echoed as X-Request-ID) and expose it and the client address to services."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = uuid.uuid4().hex
        token = current_request.set(RequestContext(request_id=request_id, client_ip=client_ip(request)))
        try:
            response = self.get_response(request)
        finally:
            current_request.reset(token)
        response["X-Request-ID"] = request_id
        return response


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """zh-Hans unless the user chose another language with the switch (the language cookie).

    The browser's Accept-Language is ignored on purpose: window PCs often carry an English-language browser, and
    the interface must still open in Chinese.
    """

    def process_request(self, request: HttpRequest) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class NoStoreMiddleware:
    """Every answer of the application's own views is ``Cache-Control: no-store`` (and ``Pragma: no-cache`` for old
    proxies): window PCs are shared, and a page, a fragment, an API answer or a download may show a person's data
    to whoever presses "back" after the clerk has gone. One rule for all, rather than a list of views to remember:
    a sign-in page or a division list loses nothing by not being cached.

    Static files keep their caching: WhiteNoise answers them before this middleware (it sits after WhiteNoise in
    ``MIDDLEWARE``), so they never pass through here."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response["Cache-Control"] = "no-store"
        response["Pragma"] = "no-cache"
        return response


# The session key holding when the session was last written (seconds since the epoch).
SESSION_TOUCHED = "_touched"


class SlidingSessionMiddleware:
    """The idle expiry slides with use, but the session is written at most once every ``SESSION_TOUCH_SECONDS``
    instead of on every request (Django's ``SESSION_SAVE_EVERY_REQUEST``): each write is an ``UPDATE`` of the
    session row in a transaction of its own, three statements on every page of every user. A session therefore
    ends between ``SESSION_COOKIE_AGE - SESSION_TOUCH_SECONDS`` and ``SESSION_COOKIE_AGE`` after its last request.
    Placed right after ``SessionMiddleware``, which saves the session on the way out when this marks it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.session_key is None or session.is_empty():
            return response  # no session (an anonymous visit, or one just ended): nothing to keep alive
        now = int(time.time())
        touched = session.get(SESSION_TOUCHED)
        if not isinstance(touched, int) or not 0 <= now - touched < settings.SESSION_TOUCH_SECONDS:
            session[SESSION_TOUCHED] = now  # marks it modified: SessionMiddleware saves it with a fresh expiry
        return response
