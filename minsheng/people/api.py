from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from minsheng.accounts.typing import AuthenticatedApiRequest
from minsheng.audit.services import audit_list_personal_data
from minsheng.core.api import DeepPagination, HasRolePermission
from minsheng.core.crypto import mask_id_number
from minsheng.core.keyset import Key
from minsheng.people import selectors, services
from minsheng.people.models import Household, Membership, Person
from minsheng.people.serializers import (
    HouseholdQuerySerializer,
    HouseholdSerializer,
    PersonQuerySerializer,
    PersonSerializer,
    RevealedSerializer,
    RevealRequestSerializer,
)


def _query(request: Request, criteria: type[PersonQuerySerializer | HouseholdQuerySerializer]) -> dict[str, str]:
    """The list's search criteria, checked (lengths, choices, no NUL characters): a bad one is a 400."""
    form = criteria(data=request.query_params)
    form.is_valid(raise_exception=True)
    names: list[str] = list(form.fields)
    return {name: form.validated_data.get(name, "") for name in names}


def _audit_list(
    request: AuthenticatedApiRequest,
    object_type: str,
    query: dict[str, Any],
    count: int,
    persons: int,
    area_code: str | None = None,
) -> None:
    """The one audit event of a list answer; an ID number asked for is kept masked, as everywhere in the log."""
    actor = request.user
    asked = {key: value for key, value in query.items() if value}
    if "id_number" in asked:
        asked["id_number"] = mask_id_number(asked["id_number"])
    for key in ("limit", "offset"):
        if key in request.query_params:
            asked[key] = request.query_params[key]
    if "cursor" in request.query_params:
        asked["later_page"] = True  # the cursor itself says nothing an auditor reads
    audit_list_personal_data(
        actor=actor,
        object_type=object_type,
        area_code=area_code if area_code is not None else actor.home_area_id or "",
        count=count,
        persons=persons,
        query=asked,
    )


class PersonViewSet(viewsets.ReadOnlyModelViewSet[Person]):
    """Persons in the caller's areas. Lists need a search criterion unless the role may browse."""

    serializer_class = PersonSerializer
    permission_classes = [HasRolePermission]
    request: AuthenticatedApiRequest  # HasRolePermission lets signed-in users only
    required_permission = "people.view_person"

    def get_queryset(self) -> QuerySet[Person]:
        return Person.objects.restrict(self.request.user, "view").select_related("hukou_area", "residence_area")

    @extend_schema(parameters=[PersonQuerySerializer])
    def list(self, request: Request, *args: object, **kwargs: object) -> Response:
        """At most 50 matches of a search (the search page's limit), a page at a time; each answer is audited."""
        query = _query(request, PersonQuerySerializer)
        try:
            persons = selectors.person_search(user=self.request.user, query=selectors.PersonQuery(**query))
        except selectors.SearchNeedsCriterion:
            raise ValidationError({"detail": _("Give an ID number, a name or an area code.")}) from None
        page = self.paginate_queryset(persons) or []
        _audit_list(self.request, "people.person", query, count=len(page), persons=len(page))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, *args: object, **kwargs: object) -> Response:
        person = self.get_object()
        services.person_viewed(actor=self.request.user, person=person)
        return Response(self.get_serializer(person).data)

    @extend_schema(request=RevealRequestSerializer, responses=RevealedSerializer)
    @action(detail=True, methods=["post"])
    def reveal(self, request: AuthenticatedApiRequest, pk: str | None = None) -> Response:
        """The full ID, phone and bank numbers, with the reason they are needed; needs the reveal permission and
        writes an audit event."""
        if not request.user.has_perm("people.reveal_person"):
            self.permission_denied(request)
        actor = request.user
        person = self.get_object()
        form = RevealRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            values = services.person_reveal(actor=actor, person=person, reason=form.validated_data["reason"])
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from None
        return Response(RevealedSerializer(values).data)


class HouseholdViewSet(viewsets.ReadOnlyModelViewSet[Household]):
    """Households in the caller's areas, with current and former members. Lists need a criterion unless the role
    may browse, as person search does; every answer is audited with the households and persons it returned."""

    serializer_class = HouseholdSerializer
    # An area's households a keyset page at a time, by area then number (the (area, number) index), no count.
    pagination_class = DeepPagination
    keyset_keys = (Key("area_id"), Key("number"))
    permission_classes = [HasRolePermission]
    request: AuthenticatedApiRequest  # HasRolePermission lets signed-in users only
    required_permission = "people.view_household"

    def get_queryset(self) -> QuerySet[Household]:
        return self._with_members(Household.objects.restrict(self.request.user, "view").order_by("number"))

    @staticmethod
    def _with_members(households: QuerySet[Household]) -> QuerySet[Household]:
        # unscoped: only shapes the prefetch: Django filters it to the households restrict() selected
        members = Membership.objects.unscoped().select_related("person").order_by("left_on", "joined_on", "id")
        return households.prefetch_related(Prefetch("memberships", queryset=members))

    @extend_schema(parameters=[HouseholdQuerySerializer])
    def list(self, request: Request, *args: object, **kwargs: object) -> Response:
        query = _query(request, HouseholdQuerySerializer)
        try:
            households = selectors.household_search(user=self.request.user, query=selectors.HouseholdQuery(**query))
        except selectors.SearchNeedsCriterion:
            raise ValidationError(
                {"detail": _("Give a household number, a member's ID number or an area code.")}
            ) from None
        page = self.paginate_queryset(self._with_members(households)) or []
        persons = len({m.person_id for household in page for m in household.memberships.all()})
        _audit_list(self.request, "people.household", query, count=len(page), persons=persons)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, *args: object, **kwargs: object) -> Response:
        household = self.get_object()
        persons = len({m.person_id for m in household.memberships.all()})
        query = {"id": str(household.pk)}
        _audit_list(self.request, "people.household", query, count=1, persons=persons, area_code=household.area_id)
        return Response(self.get_serializer(household).data)
