"""Minsheng's OpenAPI description (drf-spectacular): the session scheme and the error answers of every operation."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse

from minsheng.core.api import ErrorSerializer


class SessionScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]  # unannotated in drf-spectacular
    target_class = "minsheng.core.api.SessionAuthentication"
    name = "sessionAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME}


# What any operation may answer besides its success: each with the one error body (core/api.py).
ERROR_RESPONSES = {
    "400": "The request was refused: a parameter or field is wrong or missing (the reason in `detail`).",
    "401": "No signed-in session.",
    "403": "The signed-in user's roles do not allow this operation.",
    "404": "No such object in the user's areas (an object elsewhere is not confirmed to exist).",
}


class AutoSchema(openapi.AutoSchema):
    """Adds the error answers (``ERROR_RESPONSES``) to every operation that does not document them itself, so a
    client sees every code the API can answer. An operation adds its own further codes (422 for a reused
    idempotency key) with ``extend_schema(responses=...)``."""

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        for code, description in ERROR_RESPONSES.items():
            if code not in responses:
                answer = OpenApiResponse(ErrorSerializer, description=description)
                # drf-spectacular leaves this method unannotated.
                responses[code] = self._get_response_for_code(answer, code, direction=direction)  # type: ignore[no-untyped-call]
        return dict(sorted(responses.items()))
