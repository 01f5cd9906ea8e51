"""Framework bookkeeping on Django's authentication signals (no business rule lives here)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest

from minsheng.accounts import services
from minsheng.core.middleware import client_ip

if TYPE_CHECKING:
    from minsheng.accounts.models import User


def record_session(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    """Link the session a sign-in opened to its account, so that the account's sessions can be listed and ended."""
    session = getattr(request, "session", None)
    if request is None or session is None or not session.session_key:
        return
    services.session_record(
        user=user,
        session_key=session.session_key,
        user_agent=str(request.META.get("HTTP_USER_AGENT", "")),
        client_ip=client_ip(request),
    )
