"""The API for the departments' own systems: a client signs in with its key (``Authorization: Bearer <key>``, DRF's
token authentication over the ``ClientKey`` digests), sends feeds of its own sources and reads only its own feeds'
results; a client allowed to (``may_verify``, the shared service) requests a 核对 of its applicant's household under
the family's 授权书 and reads the report. Every use is audited."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Prefetch, QuerySet
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
from minsheng.core.api import ModelSerializer, error_body
from minsheng.core.numbers import parse_id
from minsheng.exchange.feeds import FeedRejected
from minsheng.exchange.models import ClientKey, DataSource, Feed, FeedRecord, Finding, Verification, VerificationItem
from minsheng.exchange.services import client_key_used, feed_submit, key_digest
from minsheng.exchange.verification import (
    CLIENT_PURPOSES,
    PURPOSES,
    VerificationRefused,
    client_purposes_message,
    client_verification_request,
)

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


# --- The shared service: 核对 requests of other departments' means tests ---------------------------------------------

NUMBER = re.compile(r"[A-Za-z0-9-]{1,24}")


class MayVerify(BasePermission):
    """The client is allowed to request verifications (``DepartmentClient.may_verify``, set by a city administrator)."""

    @property
    def message(self) -> str:
        return _("This client may not request verifications.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.auth, ClientKey) and request.auth.client.may_verify


class VerificationRequestSerializer(serializers.Serializer[dict[str, Any]]):
    id_number = serializers.CharField(max_length=18, help_text="the applicant's resident ID number")
    name = serializers.CharField(max_length=50, help_text="the applicant's name, as registered")
    authorisation = serializers.CharField(max_length=30, help_text="the serial number of the family's 授权书")
    purpose = serializers.ChoiceField(
        choices=[(code, PURPOSES[code]) for code in CLIENT_PURPOSES],
        help_text="the department's means test the verification is for",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["purpose"].error_messages["invalid_choice"] = client_purposes_message()


class VerificationCreatedSerializer(ModelSerializer[Verification]):
    class Meta:
        model = Verification
        fields = ["number", "status"]
        read_only_fields = fields


class VerificationItemSerializer(ModelSerializer[VerificationItem]):
    item = serializers.ChoiceField(source="kind", choices=Finding.Kind.choices, read_only=True)

    class Meta:
        model = VerificationItem
        fields = ["item", "declared", "verified", "unit", "sources", "differs"]
        # Read-only: no database-dependent integer bounds in the committed schema (see FeedSerializer).
        read_only_fields = fields


class VerificationSummarySerializer(ModelSerializer[Verification]):
    """A request of the client: the status, and once reported the conclusion and the report's validity."""

    class Meta:
        model = Verification
        fields = ["number", "purpose", "status", "requested_at", "reported_at", "conclusion", "valid_until"]
        read_only_fields = fields


class VerificationReportSerializer(VerificationSummarySerializer):
    """A request of the client with its report once issued: the findings and the items (declared against verified:
    ``unit`` fen for income and assets, a count for the others), ``refusal`` when the verification centre returned
    the request, ``superseded`` when a re-check replaced the report."""

    items = VerificationItemSerializer(many=True, read_only=True)

    class Meta(VerificationSummarySerializer.Meta):
        fields = [*VerificationSummarySerializer.Meta.fields, "findings", "refusal", "superseded", "items"]
        read_only_fields = fields


class VerificationViewSet(viewsets.GenericViewSet[Verification]):
    """核对 requests of the calling client (the shared service)."""

    authentication_classes = [ClientKeyAuthentication]
    permission_classes = [IsDepartmentClient, MayVerify]
    serializer_class = VerificationReportSerializer
    lookup_field = "number"

    def _client(self) -> Any:
        return self.request.auth.client  # type: ignore[union-attr]

    def get_queryset(self) -> QuerySet[Verification]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator, without a request's client
            # unscoped: an empty queryset, for the schema generator to learn the model only
            return Verification.objects.unscoped().none()
        # unscoped: a client reads the requests it made itself, whatever the household's area
        return Verification.objects.unscoped().filter(client=self._client()).order_by("-requested_at", "-id")

    @extend_schema(request=VerificationRequestSerializer, responses={201: VerificationCreatedSerializer})
    def create(self, request: Request) -> Response:
        """Request a 核对 of the applicant's household under the family's 授权书. Refused (400, the reason in
        ``detail``) when the ID number is unknown, the name differs, the person belongs to no household, the serial
        is not the household's 授权书 or it ended or expired, or a verification of the household is under way."""
        data = VerificationRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            verification = client_verification_request(
                client=self._client(),
                id_number=values["id_number"],
                name=values["name"],
                serial=values["authorisation"],
                purpose=values["purpose"],
            )
        except VerificationRefused as refused:  # audited by the service; not the exception handler's field form
            return Response(error_body(refused.messages[0]), status=status.HTTP_400_BAD_REQUEST)
        return Response(VerificationCreatedSerializer(verification).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: VerificationSummarySerializer(many=True)})
    def list(self, request: Request) -> Response:
        """The client's requests, newest first, a page at a time; each answer is audited with the numbers it gave."""
        page = self.paginate_queryset(self.get_queryset()) or []
        client = self._client()
        audit_record(
            actor=client.user,
            action="exchange.verifications_listed",
            kind=AuditEvent.Kind.VIEW,
            obj=client,
            area_code=client.area_code,
            after={"numbers": [v.number for v in page]},
        )
        return self.get_paginated_response(VerificationSummarySerializer(page, many=True).data)

    @extend_schema(
        parameters=[OpenApiParameter("number", str, OpenApiParameter.PATH)],
        responses={200: VerificationReportSerializer},
    )
    def retrieve(self, request: Request, number: str | None = None) -> Response:
        """A request this client made, with the report once issued; another client's request is not found. Each read
        is audited (``exchange.verification_read``)."""
        if number is None or not NUMBER.fullmatch(number):
            raise exceptions.NotFound()
        items = Prefetch("items", queryset=VerificationItem.objects.order_by("id"))
        verification = self.get_queryset().filter(number=number).prefetch_related(items).first()
        if verification is None:
            raise exceptions.NotFound()
        client = self._client()
        audit_record(
            actor=client.user,
            action="exchange.verification_read",
            kind=AuditEvent.Kind.VIEW,
            obj=verification,
            area_code=verification.area_code,
            after={"status": verification.status, "conclusion": verification.conclusion},
        )
        return Response(VerificationReportSerializer(verification).data)
