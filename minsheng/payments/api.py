"""The payroll API: read batches; generate, approve and settle them. Every call that moves money takes an
``Idempotency-Key`` header (``minsheng.core.idempotency``): sent again with the same key it answers the same and
changes nothing."""

from __future__ import annotations

from dataclasses import asdict

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from minsheng.accounts.typing import AuthenticatedApiRequest
from minsheng.areas.models import Division
from minsheng.core.api import ErrorSerializer, HasRolePermission
from minsheng.core.idempotency import HEADER, idempotent
from minsheng.core.numbers import parse_id
from minsheng.payments import bankfiles, selectors, services
from minsheng.payments.models import PayrollBatch
from minsheng.payments.serializers import (
    ApproveSerializer,
    GenerateSerializer,
    PayrollBatchSerializer,
    ReturnFileSerializer,
    ReturnResultSerializer,
)

KEY_PARAMETER = OpenApiParameter(
    HEADER, str, OpenApiParameter.HEADER, required=True, description="a fresh key (e.g. a UUID) per intended change"
)
# A service's refusal (Django's ValidationError) answers 400 through the API's exception handler (core/api.py).
KEY_REUSED = OpenApiResponse(ErrorSerializer, description="The Idempotency-Key was used for a different request.")


class PayrollBatchViewSet(viewsets.ReadOnlyModelViewSet[PayrollBatch]):
    """Payroll batches of the caller's counties."""

    serializer_class = PayrollBatchSerializer
    permission_classes = [HasRolePermission]
    request: AuthenticatedApiRequest  # HasRolePermission lets signed-in users only
    required_permission = "payments.view_payrollbatch"

    def get_queryset(self) -> QuerySet[PayrollBatch]:
        return selectors.batch_list(user=self.request.user)

    @extend_schema(
        request=GenerateSerializer,
        responses={201: PayrollBatchSerializer, 422: KEY_REUSED},
        parameters=[KEY_PARAMETER],
        examples=[
            OpenApiExample(
                "宿城区 低保 2026-02",
                value={"county": "321302000000", "programme": "dibao", "period": "2026-02"},
                request_only=True,
            )
        ],
    )
    @action(detail=False, methods=["post"])
    def generate(self, request: AuthenticatedApiRequest) -> Response:
        """Prepare (or prepare again) a county's payroll of a programme for a month."""
        if not request.user.has_perm(services.PREPARE):
            self.permission_denied(request)
        form = GenerateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        county = Division.objects.all().filter(code=form.validated_data["county"], level="county").first()
        if county is None:
            raise ValidationError({"county": [_("No county has this code.")]})

        def run() -> Response:
            batch = services.payroll_generate(
                actor=request.user,
                county=county,
                programme=form.validated_data["programme"],
                period=form.validated_data["period"],
            )
            return Response(PayrollBatchSerializer(batch).data, status=status.HTTP_201_CREATED)

        return idempotent(request, "payments.generate", run)

    @extend_schema(
        request=ApproveSerializer, responses={200: PayrollBatchSerializer, 422: KEY_REUSED}, parameters=[KEY_PARAMETER]
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: AuthenticatedApiRequest, pk: str | None = None) -> Response:
        """The checker approves a draft prepared by somebody else, with an opinion and the lines to be paid and
        their total as read (a batch prepared again since is not approved)."""
        batch = self._batch(request, pk, services.APPROVE, "approve")
        form = ApproveSerializer(data=request.data)
        form.is_valid(raise_exception=True)

        def run() -> Response:
            approved = services.payroll_approve(
                actor=request.user,
                batch=batch,
                opinion=form.validated_data["opinion"],
                confirmed_count=form.validated_data["payable_count"],
                confirmed_fen=form.validated_data["payable_fen"],
            )
            return Response(PayrollBatchSerializer(approved).data)

        return idempotent(request, "payments.approve", run, batch=batch.pk)

    @extend_schema(
        request={"multipart/form-data": ReturnFileSerializer},
        responses={200: ReturnResultSerializer, 422: KEY_REUSED},
        parameters=[KEY_PARAMETER],
    )
    @action(detail=True, methods=["post"], url_path="return-file", parser_classes=[MultiPartParser])
    def return_file(self, request: AuthenticatedApiRequest, pk: str | None = None) -> Response:
        """Settle the batch's lines from the bank's return file (paid / failed with the bank's reason)."""
        batch = self._batch(request, pk, bankfiles.BANK, "add")
        form = ReturnFileSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        upload = form.validated_data["file"]

        def run() -> Response:
            upload.seek(0)
            result = bankfiles.bank_return_import(
                actor=request.user, batch=batch, filename=upload.name or "", content=upload.read()
            )
            return Response(ReturnResultSerializer(asdict(result)).data)

        return idempotent(request, "payments.return_file", run, batch=batch.pk)

    def _batch(self, request: AuthenticatedApiRequest, pk: str | None, permission: str, action: str) -> PayrollBatch:
        if not request.user.has_perm(permission):
            self.permission_denied(request)
        batch_id = parse_id(pk)
        if batch_id is None:
            raise Http404
        return selectors.batch_get(user=request.user, pk=batch_id, action=action)
