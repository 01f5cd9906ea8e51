from __future__ import annotations

from django.http import HttpResponse, JsonResponse
from rest_framework import viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from minsheng.accounts.typing import AuthenticatedRequest
from minsheng.audit.services import audit_record
from minsheng.core.api import HasRolePermission
from minsheng.core.decorators import role_required

VIEW = "example.view_board"


@role_required(VIEW)
def board(request: AuthenticatedRequest) -> HttpResponse:
    audit_record(actor=request.user, action="example.board_viewed", area_code=request.GET.get("area", ""))
    return JsonResponse({"board": "ok"})


class BoardViewSet(viewsets.ViewSet):
    permission_classes = [HasRolePermission]
    required_permission = VIEW

    def list(self, request: Request) -> Response:
        return Response([{"board": "ok"}])
