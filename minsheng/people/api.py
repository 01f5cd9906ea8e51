from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from minsheng.accounts.models import User
from minsheng.core.api import HasRolePermission
from minsheng.people import selectors, services
from minsheng.people.models import Household, Membership, Person
from minsheng.people.serializers import (
    HouseholdSerializer,
    PersonSerializer,
    RevealedSerializer,
    RevealRequestSerializer,
)

SEARCH_PARAMETERS = [
    OpenApiParameter("id_number", str, description="exact ID number (15 or 18 characters)"),
    OpenApiParameter("name", str, description="name prefix, same-sounding name, or pinyin letters"),
    OpenApiParameter("area", str, description="division code prefix (户籍地 or 居住地)"),
    OpenApiParameter("status", str, enum=Person.Status.values),
]


class PersonViewSet(viewsets.ReadOnlyModelViewSet[Person]):
    """Persons in the caller's areas. Lists need a search criterion unless the role may browse."""

    serializer_class = PersonSerializer
    permission_classes = [HasRolePermission]
    required_permission = "people.view_person"
    pagination_class = None

    def get_queryset(self) -> QuerySet[Person]:
        return Person.objects.restrict(self.request.user, "view").select_related("hukou_area", "residence_area")

    @extend_schema(parameters=SEARCH_PARAMETERS)
    def list(self, request: Request, *args: object, **kwargs: object) -> Response:
        params = request.query_params
        query = selectors.PersonQuery(**{f: params.get(f, "") for f in ("id_number", "name", "area", "status")})
        try:
            persons = selectors.person_search(user=request.user, query=query)
        except selectors.SearchNeedsCriterion:
            raise ValidationError({"detail": "give id_number, name or area"}) from None
        return Response(self.get_serializer(persons, many=True).data)

    def retrieve(self, request: Request, *args: object, **kwargs: object) -> Response:
        person = self.get_object()
        services.person_viewed(actor=request.user, person=person)  # type: ignore[arg-type]
        return Response(self.get_serializer(person).data)

    @extend_schema(request=RevealRequestSerializer, responses=RevealedSerializer)
    @action(detail=True, methods=["post"])
    def reveal(self, request: Request, pk: str | None = None) -> Response:
        """The full ID, phone and bank numbers, with the reason they are needed; needs the reveal permission and
        writes an audit event."""
        if not request.user.has_perm("people.reveal_person"):
            self.permission_denied(request)
        actor: User = request.user  # type: ignore[assignment]
        person = self.get_object()
        form = RevealRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            values = services.person_reveal(actor=actor, person=person, reason=form.validated_data["reason"])
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from None
        return Response(RevealedSerializer(values).data)


class HouseholdViewSet(viewsets.ReadOnlyModelViewSet[Household]):
    """Households in the caller's areas, with current and former members."""

    serializer_class = HouseholdSerializer
    permission_classes = [HasRolePermission]
    required_permission = "people.view_household"

    def get_queryset(self) -> QuerySet[Household]:
        members = Membership.objects.unscoped().select_related("person").order_by("left_on", "joined_on", "id")
        # unscoped() above only shapes the prefetch: Django filters it to the households selected by restrict().
        return (
            Household.objects.restrict(self.request.user, "view")
            .prefetch_related(Prefetch("memberships", queryset=members))
            .order_by("number")
        )
