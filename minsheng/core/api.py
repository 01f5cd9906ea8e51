"""What every API endpoint shares: authentication, the permission check, the one pagination, the error answers.

Every error answer has one shape, ``{"detail": "…"}`` in the user's language (Chinese unless they chose another),
plus ``"errors": {"field": ["…"]}`` when fields of the request were refused (``ErrorSerializer``; the schema lists
it under every operation's 400, 401, 403 and 404, ``core/schema.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions, serializers
from rest_framework.fields import get_error_detail
from rest_framework.pagination import BasePagination, LimitOffsetPagination
from rest_framework.permissions import BasePermission
from rest_framework.settings import api_settings
from rest_framework.utils.urls import replace_query_param

from minsheng.core.numbers import parse_int

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.response import Response
    from rest_framework.views import APIView

_MT = TypeVar("_MT", bound=models.Model)

# No table holds more rows than this; a larger offset is refused rather than sent to the database.
OFFSET_MAX = 2**31 - 1


class SessionAuthentication(authentication.SessionAuthentication):
    """Session authentication that answers an anonymous API call with 401, not 403.

    DRF answers 401 only when the first authentication class names a challenge; a request without a session
    is unauthenticated, which is what 401 means.
    """

    def authenticate_header(self, request: Request) -> str:
        return 'Session realm="minsheng"'


class HasRolePermission(BasePermission):
    """The view names ``required_permission``; the user must hold it in some area (the door does the rest)."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        permission: str = view.required_permission  # type: ignore[attr-defined]
        return bool(request.user and request.user.is_authenticated and request.user.has_perm(permission))


class Pagination(LimitOffsetPagination):
    """The one pagination of every list: ``limit`` from 1 to ``API_MAX_PAGE_SIZE`` (default ``PAGE_SIZE``),
    ``offset`` from 0. Anything else (a negative, a word, a number beyond 64 bits) is a 400 that says so."""

    @property
    def default_limit(self) -> int:  # type: ignore[override]
        return int(api_settings.PAGE_SIZE or 50)

    @property
    def max_limit(self) -> int:  # type: ignore[override]
        return int(settings.API_MAX_PAGE_SIZE)

    def get_limit(self, request: Request) -> int:
        raw = request.query_params.get(self.limit_query_param)
        if raw is None:
            return self.default_limit
        limit = parse_int(raw, minimum=1, maximum=self.max_limit)
        if limit is None:
            message = _("Give a whole number from 1 to %(maximum)s.") % {"maximum": self.max_limit}
            raise exceptions.ValidationError({self.limit_query_param: [message]})
        return limit

    def get_offset(self, request: Request) -> int:
        raw = request.query_params.get(self.offset_query_param)
        if raw is None:
            return 0
        offset = parse_int(raw, minimum=0, maximum=OFFSET_MAX)
        if offset is None:
            message = _("Give a whole number from 0 to %(maximum)s.") % {"maximum": OFFSET_MAX}
            raise exceptions.ValidationError({self.offset_query_param: [message]})
        return offset

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        bounds = {self.limit_query_param: (1, self.max_limit), self.offset_query_param: (0, OFFSET_MAX)}
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            minimum, maximum = bounds[parameter["name"]]
            parameter["schema"] = {**parameter["schema"], "minimum": minimum, "maximum": maximum}
        return parameters


class DeepPagination(BasePagination):
    """The pagination of a list that can go deep (an area's households: a county holds hundreds of thousands): a
    keyset page (``core.keyset``) in the view's order ``keyset_keys`` (ending in a unique column), so a page reads its
    rows and no more whatever its depth, and no count of the whole scope. ``limit`` from 1 to ``API_MAX_PAGE_SIZE``;
    ``cursor`` is the signed cursor of the ``next``/``previous`` links; a bad one is a 400 that says so."""

    limit_query_param = "limit"
    cursor_query_param = "cursor"

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list[Any]:
        from minsheng.core.keyset import BadCursor, keyset_page

        self.request = request
        keys = view.keyset_keys
        try:
            self.page = keyset_page(
                queryset,
                keys,
                cursor=str(request.query_params.get(self.cursor_query_param, "")).strip(),
                size=self._limit(request),
                salt=f"api.{view.basename}",
                count_cap=None,
            )
        except BadCursor as exc:
            raise exceptions.ValidationError({self.cursor_query_param: [str(exc)]}) from None
        return list(self.page.rows)

    def _limit(self, request: Request) -> int:
        maximum = int(settings.API_MAX_PAGE_SIZE)
        raw = request.query_params.get(self.limit_query_param)
        if raw is None:
            return min(int(api_settings.PAGE_SIZE or 50), maximum)
        limit = parse_int(raw, minimum=1, maximum=maximum)
        if limit is None:
            message = _("Give a whole number from 1 to %(maximum)s.") % {"maximum": maximum}
            raise exceptions.ValidationError({self.limit_query_param: [message]})
        return limit

    def _link(self, cursor: str) -> str | None:
        if not cursor:
            return None
        return replace_query_param(self.request.build_absolute_uri(), self.cursor_query_param, cursor)

    def get_paginated_response(self, data: Any) -> Response:
        from rest_framework.response import Response

        return Response(
            {
                "next": self._link(self.page.next_cursor),
                "previous": self._link(self.page.previous_cursor),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["results"],
            "properties": {"next": link, "previous": link, "results": schema},
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "the next or previous page (from the answer's links)",
                "schema": {"type": "string", "maxLength": 1000},
            },
            {
                "name": self.limit_query_param,
                "required": False,
                "in": "query",
                "description": "rows a page",
                "schema": {"type": "integer", "minimum": 1, "maximum": int(settings.API_MAX_PAGE_SIZE)},
            },
        ]


# Every API serializer of a model derives from this one: its read-only choice fields keep the model's blank choice.
# DRF drops ``allow_blank`` from read-only fields, so a blank choice (``Membership.exclusion == ""``) would be
# answered while the schema's enum does not hold it. (A comment, not a docstring: the schema shows docstrings.)
class ModelSerializer(serializers.ModelSerializer[_MT]):
    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        fields = super().get_fields()
        model: Any = self.Meta.model
        for name, field in fields.items():
            source = field.source or name  # not bound yet: ``source`` is set only when given
            if not isinstance(field, serializers.ChoiceField) or "." in source:
                continue
            try:
                model_field = model._meta.get_field(source)
            except FieldDoesNotExist:
                continue
            if getattr(model_field, "blank", False):
                field.allow_blank = True
        return fields


class ErrorSerializer(serializers.Serializer[dict[str, Any]]):
    """The body of every error answer."""

    detail = serializers.CharField(help_text="what was wrong, in the user's language (Chinese unless chosen)")
    # The metaclass takes declared fields off the class, so this does not hide Serializer.errors.
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="the messages for each refused field of the request",
    )
    rows = serializers.ListField(
        child=serializers.DictField(),
        required=False,
        help_text="for a refused batch of records: each refused row's number and reasons ({row, errors})",
    )
    more = serializers.IntegerField(required=False, help_text="refused rows beyond those listed in rows")


def _messages(detail: Any, field: str = "") -> Iterator[tuple[str, str]]:
    """(field, message) pairs of a DRF error detail, nested fields joined with dots."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = "" if key in ("detail", "non_field_errors") else str(key)
            yield from _messages(value, f"{field}.{name}" if field and name else field or name)
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            yield from _messages(value, f"{field}.{index}" if isinstance(value, dict) and field else field)
    else:
        yield field, str(detail)


def error_body(detail: Any) -> dict[str, Any]:
    """``{"detail": "…"}``, plus ``"errors"`` by field when fields were refused."""
    pairs = list(_messages(detail))
    errors: dict[str, list[str]] = {}
    for field, message in pairs:
        if field:
            errors.setdefault(field, []).append(message)
    text = "；".join(f"{field}：{message}" if field else message for field, message in pairs)
    body: dict[str, Any] = {"detail": text or _("The request was refused.")}
    if errors:
        body["errors"] = errors
    return body


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, with a service's refusal (Django's ValidationError) as a 400, a 404 that names no model, and
    every error in the one shape. Messages are translated by the active language (``ChineseFirstLocaleMiddleware``)."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(get_error_detail(exc))
    elif isinstance(exc, Http404):
        # Django's text names the model in English ("No Person matches the given query.").
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied) and not exc.args:
        exc = exceptions.PermissionDenied()
    # Imported here: DRF's views module loads the authentication class above while it is itself being imported.
    from rest_framework.views import exception_handler as drf_exception_handler

    response = drf_exception_handler(exc, context)
    if response is not None:
        response.data = error_body(response.data)
    return response
