"""The API for the departments' own systems: a client signs in with its key (``Authorization: Bearer <key>``, DRF's
token authentication over the ``ClientKey`` digests), sends feeds of its own sources and reads only its own feeds'
results. Every use is audited."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.authentication import TokenAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from minsheng.audit.models import AuditEvent
from minsheng.audit.services import audit_record
from minsheng.core.numbers import parse_id
from minsheng.exchange.feeds import FeedRejected
from minsheng.exchange.models import ClientKey, DataSource, Feed, FeedRecord
from minsheng.exchange.services import client_key_used, feed_submit, key_digest

API_MAX_RECORDS = 20_000  # within the request body limit (DATA_UPLOAD_MAX_MEMORY_SIZE); larger: batches or a file


class ClientKeyAuthentication(TokenAuthentication):
    """DRF's token authentication, the key looked up by its SHA-256 digest among keys not revoked."""

    keyword = "Bearer"

    def authenticate_credentials(self, key: str) -> tuple[Any, ClientKey]:
        row = (
            ClientKey.objects.select_related("client__user")
            .filter(digest=key_digest(key), revoked_at__isnull=True, client__active=True)
            .first()
        )
        if row is None or not row.client.user.is_active:
            raise exceptions.AuthenticationFailed(_("The key is not valid or has been revoked."))
        client_key_used(row, timezone.now())
        return row.client.user, row


class IsDepartmentClient(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.auth, ClientKey)


class FeedSubmitSerializer(serializers.Serializer[dict[str, Any]]):
    source = serializers.SlugField(max_length=40)  # type: ignore[assignment]  # the field, not Field.source
    batch = serializers.CharField(max_length=40)
    records = serializers.ListField(child=serializers.DictField(), min_length=1, max_length=API_MAX_RECORDS)


class FeedSerializer(serializers.ModelSerializer[Feed]):
    source: serializers.SlugRelatedField[DataSource] = serializers.SlugRelatedField(  # type: ignore[assignment]
        slug_field="code", read_only=True
    )

    class Meta:
        model = Feed
        fields = [
            "id",
            "source",
            "layout_version",
            "batch",
            "channel",
            "received_at",
            "rows",
            "matched",
            "ambiguous",
            "unmatched",
        ]
        # An answer only. Read-only fields carry no bounds in the schema: from the model fields they would be the
        # database's integer ranges (SQLite's 64 bits, PostgreSQL's), and the committed schema must hold on both.
        read_only_fields = fields


class FeedAnswerSerializer(FeedSerializer):
    """A feed as its client reads it: the counts, and the rows that matched nobody or the wrong name."""

    not_matched = serializers.ListField(child=serializers.DictField(), read_only=True)

    class Meta(FeedSerializer.Meta):
        fields = [*FeedSerializer.Meta.fields, "not_matched"]
        read_only_fields = fields


class FeedViewSet(viewsets.ViewSet):
    """Feeds of the calling department client."""

    authentication_classes = [ClientKeyAuthentication]
    permission_classes = [IsDepartmentClient]

    def _client(self) -> Any:
        return self.request.auth.client  # type: ignore[union-attr]

    # A refusal is the one error answer (core.api.ErrorSerializer) with its rows: each refused row and its reasons.
    @extend_schema(request=FeedSubmitSerializer, responses={201: FeedSerializer, 200: FeedSerializer})
    def create(self, request: Request) -> Response:
        """Send one batch of a source of this client. The same batch sent again changes nothing (200)."""
        data = FeedSubmitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        client = self._client()
        source = DataSource.objects.filter(code=data.validated_data["source"]).first()
        if source is None:
            raise exceptions.ValidationError({"source": [_("Unknown data source.")]})
        try:
            feed, created = feed_submit(
                client=client, source=source, batch=data.validated_data["batch"], records=data.validated_data["records"]
            )
        except FeedRejected as problem:
            rows = [{"row": row, "errors": reasons} for row, reasons in problem.problems]
            return Response(
                {"detail": _("The feed was refused; nothing was written."), "rows": rows, "more": problem.more},
                status=status.HTTP_400_BAD_REQUEST,
            )
        if not created:
            audit_record(
                actor=client.user,
                action="exchange.feed_resent",
                kind=AuditEvent.Kind.SYSTEM,
                obj=feed,
                area_code=client.area_code,
            )
        return Response(FeedSerializer(feed).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH)],
        responses={200: FeedAnswerSerializer},
    )
    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        """A feed this client sent, with its counts; another client's feed is not found."""
        client = self._client()
        # unscoped: a client reads the feeds it sent itself, whatever their area
        feed = Feed.objects.unscoped().filter(client=client, pk=_id(pk)).select_related("source").first()
        if feed is None:
            raise exceptions.NotFound()
        audit_record(
            actor=client.user,
            action="exchange.feed_read",
            kind=AuditEvent.Kind.VIEW,
            obj=feed,
            area_code=client.area_code,
        )
        body = dict(FeedSerializer(feed).data)
        # unscoped: the rows of the client's own feed that found nobody or the wrong person, by row number only
        body["not_matched"] = list(
            FeedRecord.objects.unscoped()
            .filter(feed=feed)
            .exclude(match=FeedRecord.Match.MATCHED)
            .order_by("row")
            .values("row", "match")[:1000]
        )
        return Response(body)


def _id(pk: str | None) -> int:
    value = parse_id(pk)
    if value is None:
        raise exceptions.NotFound()
    return value
