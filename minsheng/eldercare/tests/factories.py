"""Elderly-care records for the tests and the permission matrix: facilities and providers straight through the
models, the list, the orders and the visits through the services."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.utils import timezone

from minsheng.accounts.models import RoleAssignment
from minsheng.areas.models import Division
from minsheng.core.months import month_of
from minsheng.eldercare import services
from minsheng.eldercare.models import Contract, Elder, Facility, OrderLine, Provider, ServiceVisit
from minsheng.eldercare.module import STAFF
from minsheng.payments.tests.factories import enrol
from minsheng.testing import Personas, make_person

OLD = "1940-05-01"  # 86 years old in 2026


def facility(area: Division, kind: str = "institution", name: str = "", beds: int = 100) -> Facility:
    return Facility.objects.unscoped().create(
        kind=kind,
        name=name or f"{area.name}敬老院",
        operator=f"{area.name}民政办",
        area_code=area.code,
        permit="filing",
        permit_number=f"苏养备{Facility.objects.unscoped().count() + 1:06d}",
        permit_on=dt.date(2020, 1, 1),
        beds=beds,
    )


def provider(area: Division, name: str = "") -> Provider:
    n = Provider.objects.unscoped().count() + 1
    return Provider.objects.unscoped().create(
        name=name or f"{area.name}颐康居家养老服务中心{n}", credit_code=f"52321302MJ{n:08d}", area_code=area.code
    )


def make_staff_provider(area: Division) -> int:
    """The organisation of a provider-staff persona: a provider of its county."""
    return provider(area).pk


def own_provider(p: Personas) -> Provider:
    assignment = RoleAssignment.objects.get(user=p[STAFF], role=STAFF)
    assert assignment.organisation_id is not None
    return Provider.objects.unscoped().get(pk=assignment.organisation_id)


def contract(
    p: Personas,
    the_provider: Provider | None = None,
    area: Division | None = None,
    prices: dict[str, int] | None = None,
) -> Contract:
    today = timezone.localdate()
    return services.contract_sign(
        actor=p["county_approver"],
        provider=the_provider or own_provider(p),
        area=area or p.township,
        number=f"SQ-YL-{uuid.uuid4().hex[:8]}",
        prices=prices or {"visit": 5000, "cleaning": 8000},
        valid_from=dt.date(today.year - 1, 1, 1),
        valid_to=dt.date(today.year + 1, 12, 31),
    )


def dibao_elder(area: Division, name: str = "张秀英", birth: str = OLD) -> Any:
    person = make_person(area, name, birth=birth)
    enrol(person, "dibao", area=area)
    return person


def scenario(p: Personas) -> dict[str, Any]:
    """A 低保 person of 86 in the reference village on the list with a plan, the staff persona's provider under
    contract for the township, and this month's orders."""
    if "eldercare" in p.extra:
        found: dict[str, Any] = p.extra["eldercare"]
        return found
    the_contract = contract(p)
    person = dibao_elder(p.village)
    services.targets_refresh()
    services.orders_generate(month=month_of(timezone.localdate()))
    elder = Elder.objects.unscoped().get(person=person)
    line = OrderLine.objects.unscoped().get(elder=elder, service="visit")
    made: dict[str, Any] = {"contract": the_contract, "person": person, "elder": elder, "line": line}
    p.extra["eldercare"] = made
    return made


def visit_input(minutes: int = 40, **fields: Any) -> services.VisitInput:
    month_start = timezone.make_aware(dt.datetime.combine(month_of(timezone.localdate()), dt.time()))
    start = max(timezone.now().replace(microsecond=0) - dt.timedelta(minutes=minutes + 5), month_start)
    values: dict[str, Any] = {
        "client_uuid": uuid.uuid4(),
        "checked_in_at": start,
        "checked_out_at": start + dt.timedelta(minutes=minutes),
        "latitude": None,
        "longitude": None,
        "steps": ("identity", "health"),
        "satisfaction": 5,
    }
    values.update(fields)
    return services.VisitInput(**values)


def record(p: Personas, line: OrderLine | None = None, **fields: Any) -> ServiceVisit:
    from decimal import Decimal

    line = line or scenario(p)["line"]
    fields.setdefault("latitude", Decimal("33.950000"))
    fields.setdefault("longitude", Decimal("118.290000"))
    return services.visit_record(actor=p[STAFF], line_id=line.pk, data=visit_input(**fields)).visit
