"""What the current request is, for audit events written deep inside services."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    client_ip: str | None = None


NO_REQUEST = RequestContext()
current_request: ContextVar[RequestContext] = ContextVar("minsheng_request", default=NO_REQUEST)
