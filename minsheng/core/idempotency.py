"""Idempotency keys for the API endpoints that move money (STYLE: "money moves once").

The client sends a header ``Idempotency-Key`` (any text of 8 to 100 visible characters, e.g. a UUID) with each
request that generates, approves or settles a payroll. The first request with a key runs and its answer is stored
with the key in the same transaction. The same request sent again with the same key gets the stored answer, marked
with the header ``Idempotent-Replayed: true``, and changes nothing. The same key with a different request (another
endpoint, body or file) is refused with 422. Two requests with the same key at the same moment: the second waits
on the key's unique constraint until the first commits, then replays its answer. A refused request (4xx from the
service) stores nothing, so the key may be used again once the cause is fixed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import APIException, NotAuthenticated, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from minsheng.core.models import IdempotencyKey

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"


class KeyReused(APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"


def _key(request: Request) -> str:
    key = request.headers.get(HEADER, "").strip()
    if not key:
        raise ValidationError({"detail": _("This request moves money: send an Idempotency-Key header with it.")})
    if not 8 <= len(key) <= 100 or not key.isprintable() or not key.isascii():
        raise ValidationError({"detail": _("The Idempotency-Key must be 8 to 100 visible ASCII characters.")})
    return key


def _digest(endpoint: str, request: Request, arguments: dict[str, Any]) -> str:
    """The request's identity: endpoint, URL arguments, body fields and uploaded files' content."""
    digest = hashlib.sha256()
    data: Any = request.data
    fields = {key: data.getlist(key) if hasattr(data, "getlist") else data[key] for key in data}
    files = {
        name: [hashlib.sha256(f.read()).hexdigest() for f in request.FILES.getlist(name)] for name in request.FILES
    }
    for name in request.FILES:
        for upload in request.FILES.getlist(name):
            upload.seek(0)
    fields = {k: v for k, v in fields.items() if k not in files}
    payload = {"endpoint": endpoint, "arguments": arguments, "fields": fields, "files": files}
    digest.update(json.dumps(payload, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def idempotent(request: Request, endpoint: str, run: Callable[[], Response], **arguments: Any) -> Response:
    """Answer ``request`` by ``run()`` once per idempotency key; replay the stored answer afterwards."""
    key = _key(request)
    digest = _digest(endpoint, request, arguments)
    user = request.user
    if not user.is_authenticated:  # never here: the views check permissions before calling
        raise NotAuthenticated
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotencyKey.objects.create(user=user, key=key, endpoint=endpoint, request_hash=digest)
        except IntegrityError:
            stored = IdempotencyKey.objects.get(user=user, key=key)
            if stored.endpoint != endpoint or stored.request_hash != digest:
                raise KeyReused(_("This Idempotency-Key was used for a different request.")) from None
            return Response(stored.response, status=stored.status_code, headers={REPLAYED: "true"})
        response = run()
        record.status_code = response.status_code
        record.response = response.data
        record.save(update_fields=["status_code", "response"])
    return response
