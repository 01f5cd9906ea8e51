from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from rest_framework import viewsets

from minsheng.areas.models import Division
from minsheng.areas.serializers import DivisionSerializer
from minsheng.core.api import HasRolePermission
from minsheng.core.typing import ActorApiRequest


class DivisionFilter(django_filters.FilterSet):  # type: ignore[misc]  # django-filter ships no types
    parent = django_filters.CharFilter(field_name="parent_id")
    code_prefix = django_filters.CharFilter(field_name="code", lookup_expr="startswith")
    name = django_filters.CharFilter(field_name="name", lookup_expr="contains")

    class Meta:
        model = Division
        fields = ["level", "parent", "code_prefix", "name"]


class DivisionViewSet(viewsets.ReadOnlyModelViewSet[Division]):
    """Divisions inside the caller's areas."""

    serializer_class = DivisionSerializer
    filterset_class = DivisionFilter
    permission_classes = [HasRolePermission]
    request: ActorApiRequest  # HasRolePermission lets signed-in users only
    required_permission = "areas.view_division"
    lookup_field = "code"

    def get_queryset(self) -> QuerySet[Division]:
        return Division.objects.within(self.request.user).order_by("code")
