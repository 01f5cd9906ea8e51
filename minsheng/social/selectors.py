"""Reads of the registry and of social work, through the door. Lists are bounded (a page of at most ``PAGE_MAX``
rows, ordered on an index) and every filter is validated before it reaches a query; the public search reads
registered organisations only, without an account (their registration is public)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from minsheng.areas.models import Division
from minsheng.core.keyset import Key
from minsheng.core.scoping import codes_containing, scope_allows
from minsheng.social import credit_code as uscc
from minsheng.social.models import (
    AnnualReport,
    CharityProject,
    Donation,
    Organisation,
    ServiceField,
    SocialWorker,
    Station,
)

if TYPE_CHECKING:
    from minsheng.accounts.models import User

PAGE_SIZE = 50
# The charity projects list shows those that ended this many days back, unless the user chooses a day.
LIST_WINDOW_DAYS = 90
# The lists' orders (each ending with ``id``); the views page them by cursor (``core.keyset``).
STATION_KEYS = (Key("area_code"), Key("kind"), Key("id"))
WORKER_KEYS = (Key("area_code"), Key("name"), Key("id"))
PROJECT_KEYS = (Key("starts_on", descending=True), Key("id", descending=True))
NAME_QUERY_MAX = 50


@dataclass(frozen=True)
class OrganisationFilter:
    """A validated search: each part empty when not asked for (the view drops what does not parse)."""

    area: str = ""  # a division code prefix (2, 4, 6, 9 or 12 digits)
    kind: str = ""
    service_field: str = ""
    name: str = ""
    credit_code: str = ""
    status: str = "active"

    @classmethod
    def parse(cls, params: dict[str, str]) -> OrganisationFilter:
        area = params.get("area", "").strip()
        kind = params.get("kind", "")
        field = params.get("service_field", "")
        status = params.get("status", "active")
        return cls(
            area=area if area.isdigit() and len(area) in (2, 4, 6, 9, 12) else "",
            kind=kind if kind in Organisation.Kind.values else "",
            service_field=field if field in ServiceField.values else "",
            name=" ".join(params.get("name", "").split())[:NAME_QUERY_MAX],
            credit_code=uscc.normalize(params.get("credit_code", ""))[:18],
            status=status if status in Organisation.Status.values or status == "all" else "active",
        )


def _filtered(rows: QuerySet[Organisation], f: OrganisationFilter) -> QuerySet[Organisation]:
    if f.area:
        rows = rows.filter(Q(area_code__startswith=f.area) | Q(registrar_code__startswith=f.area))
    if f.kind:
        rows = rows.filter(kind=f.kind)
    if f.service_field:
        rows = rows.filter(service_field=f.service_field)
    if f.credit_code:
        rows = rows.filter(credit_code=f.credit_code)
    if f.name:
        rows = rows.filter(name__contains=f.name)
    if f.status != "all":
        rows = rows.filter(status=f.status)
    return rows


# The organisations list by area, then name. A reader's scope is two columns (domicile or registrar): the page reads
# the two prefix ranges of their indexes and sorts what the filter keeps (docs/architecture.md, "Lists").
ORGANISATION_KEYS = (Key("area_code"), Key("name"), Key("id"))


def organisation_search(*, user: User, filters: OrganisationFilter) -> QuerySet[Organisation]:
    rows = _filtered(Organisation.objects.restrict(user, "view"), filters)
    return rows.order_by(*(key.order() for key in ORGANISATION_KEYS))


def organisation_get(*, user: User, pk: int) -> Organisation:
    return get_object_or_404(Organisation.objects.restrict(user, "view"), pk=pk)


def organisation_reports(*, organisation: Organisation) -> QuerySet[AnnualReport]:
    """The organisation's reports (loaded through the door: its children belong to it)."""
    return organisation.reports.select_related("inspected_by").order_by("-year")


def public_search(*, filters: OrganisationFilter) -> QuerySet[Organisation]:
    """Registered organisations by area, then name (``ORGANISATION_KEYS``; the view pages them by cursor)."""
    # unscoped: public registry page: registered organisations are published facts, no personal data
    rows = Organisation.objects.unscoped().filter(status=Organisation.Status.ACTIVE)
    return _filtered(rows, OrganisationFilter(**{**filters.__dict__, "status": "active"})).order_by(
        *(key.order() for key in ORGANISATION_KEYS)
    )


def public_get(*, pk: int) -> Organisation:
    # unscoped: public registry page: one registered organisation's published facts
    return get_object_or_404(Organisation.objects.unscoped().filter(status=Organisation.Status.ACTIVE), pk=pk)


def registrars_for(*, user: User) -> list[Division]:
    """The divisions where ``user`` registers organisations: their own city, county or township and the ones in it."""
    return list(
        Division.objects.within(user, "social.add_organisation")
        .filter(level__in=("city", "county", "township"))
        .order_by("code")[:200]
    )


# --- Centres, stations, social workers -----------------------------------------------------------------------------


def _count_of(rows: QuerySet[Any], column: str) -> Any:
    """The number of ``rows`` whose ``column`` is the outer row: a subquery, so that a list's page counts for its
    own rows only (a join with ``GROUP BY`` would aggregate the whole scope before the page's ``LIMIT``)."""
    counted = rows.filter(**{column: OuterRef("pk")}).order_by().values(column).annotate(n=Count("id")).values("n")
    return Coalesce(Subquery(counted[:1]), 0)


def station_list(*, user: User, kind: str = "", area: str = "") -> QuerySet[Station]:
    # unscoped: the number of working staff of each station on the page (a count, no person named)
    working = _count_of(SocialWorker.objects.unscoped().filter(active=True), "station")
    rows = Station.objects.restrict(user, "view").select_related("operator").annotate(staff=working)
    if kind in Station.Kind.values:
        rows = rows.filter(kind=kind)
    if area.isdigit() and len(area) in (2, 4, 6, 9, 12):
        rows = rows.filter(area_code__startswith=area)
    return rows.order_by(*(key.order() for key in STATION_KEYS))


def station_get(*, user: User, pk: int) -> Station:
    return get_object_or_404(Station.objects.restrict(user, "view").select_related("operator"), pk=pk)


@dataclass(frozen=True)
class Coverage:
    """Of a township's villages and communities, how many have a standard service centre."""

    township: Division
    communities: int
    standard: int
    has_station: bool


def centre_coverage(*, user: User, county: str = "") -> list[Coverage]:
    """Per township in the user's areas (or one county's): its communities, those with an open standard centre,
    and whether it has an open social-work station. At most 200 townships (a county has fewer than 40)."""
    townships = Division.objects.within(user, "social.view_station").filter(level="township")
    if county.isdigit() and len(county) == 6:
        townships = townships.filter(code__startswith=county)
    towns = list(townships.annotate(n=Count("children")).order_by("code")[:200])
    if not towns:
        return []
    open_rows = Station.objects.restrict(user, "view").filter(closed_on__isnull=True)
    prefixes = Q()
    for town in towns:
        prefixes |= Q(area_code__startswith=town.code[:9])
    standard: dict[str, int] = {}
    for code in open_rows.filter(prefixes, kind=Station.Kind.CENTRE, standard=True).values_list("area_code", flat=True):
        standard[code[:9]] = standard.get(code[:9], 0) + 1
    stations = set(
        code[:9] for code in open_rows.filter(prefixes, kind=Station.Kind.STATION).values_list("area_code", flat=True)
    )
    return [
        Coverage(town, getattr(town, "n", 0), standard.get(town.code[:9], 0), town.code[:9] in stations)
        for town in towns
    ]


def worker_list(*, user: User, level: str = "", area: str = "", name: str = "") -> QuerySet[SocialWorker]:
    rows = SocialWorker.objects.restrict(user, "view").select_related("organisation", "station")
    if level == "licensed":
        rows = rows.exclude(level=SocialWorker.Level.NONE)
    elif level in SocialWorker.Level.values:
        rows = rows.filter(level=level)
    if area.isdigit() and len(area) in (2, 4, 6, 9, 12):
        rows = rows.filter(area_code__startswith=area)
    name = " ".join(name.split())[:NAME_QUERY_MAX]
    if name:
        rows = rows.filter(Q(name__startswith=name) | Q(certificate_number=name.upper()))
    return rows.order_by(*(key.order() for key in WORKER_KEYS))


def worker_get(*, user: User, pk: int) -> SocialWorker:
    return get_object_or_404(
        SocialWorker.objects.restrict(user, "view").select_related("organisation", "station"), pk=pk
    )


# --- Charitable resources ------------------------------------------------------------------------------------------


def project_list(
    *, user: User, referrals_only: bool = False, service_field: str = "", ending_since: dt.date | None = None
) -> QuerySet[CharityProject]:
    """Projects in the user's areas, the latest start first (``PROJECT_KEYS``); with ``ending_since`` the
    open-ended, running and future ones and those that ended on that day or later."""
    rows = CharityProject.objects.restrict(user, "view").select_related("organisation")
    if ending_since is not None:
        rows = rows.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=ending_since))
    if referrals_only:
        rows = rows.filter(accepts_referrals=True)
    if service_field in ServiceField.values:
        rows = rows.filter(service_field=service_field)
    # unscoped: the sum and number of the gifts to each project on the page (amounts and a count, no donor named)
    gifts = Donation.objects.unscoped().filter(project=OuterRef("pk")).order_by().values("project")
    given = Subquery(gifts.annotate(total=Sum("amount_fen")).values("total")[:1])
    # unscoped: the number of the gifts to each project on the page (a count, no donor named)
    number = _count_of(Donation.objects.unscoped(), "project")
    return rows.annotate(given_fen=given, gifts=number).order_by(*(key.order() for key in PROJECT_KEYS))


def project_get(*, user: User, pk: int) -> CharityProject:
    return get_object_or_404(CharityProject.objects.restrict(user, "view").select_related("organisation"), pk=pk)


def project_donations(*, user: User, project: CharityProject) -> QuerySet[Donation]:
    """The gifts to a project, for users who may see donors (individual donors are persons)."""
    return Donation.objects.restrict(user, "view").filter(project=project).order_by("-received_on", "-id")


def project_totals(*, project: CharityProject) -> dict[str, int]:
    """Money and goods given to a project, in fen (sums: no donor named)."""
    totals = {kind: 0 for kind in Donation.Kind.values}
    for row in project.donations.values("kind").annotate(total=Sum("amount_fen")):
        totals[row["kind"]] = row["total"] or 0
    return totals


def referral_projects(*, user: User, area_code: str, service_field: str = "") -> QuerySet[CharityProject]:
    """Projects accepting referrals that serve ``area_code``: a project of that division or of any division containing
    it (a village worker refers to the township's, the county's and the city's projects), for a user who may read
    projects there. What a project offers is public; its donors are not read here."""
    if not scope_allows(user, "social.view_charityproject", area_code):
        return CharityProject.objects.restrict(user, "view").none()
    codes = codes_containing(area_code)
    # unscoped: the user reads projects here; those of the divisions above serve this area too
    rows = CharityProject.objects.unscoped().filter(accepts_referrals=True, area_code__in=codes)
    if service_field in ServiceField.values:
        rows = rows.filter(service_field=service_field)
    return rows.order_by("-area_code", "name")


def report_get(*, user: User, pk: int) -> AnnualReport:
    return get_object_or_404(AnnualReport.objects.restrict(user, "view").select_related("organisation"), pk=pk)
