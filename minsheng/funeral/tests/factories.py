"""Funeral records for the tests and the permission matrix: facilities straight through the model, the rest through
the services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from minsheng.accounts.models import RoleAssignment
from minsheng.accounts.roles import Role
from minsheng.areas.models import Division
from minsheng.funeral.models import Facility, FuneralCase, PriceFiling, PriceItem, Settlement, Waiver
from minsheng.funeral.module import STAFF
from minsheng.funeral.services import (
    case_register,
    filing_submit,
    price_item_add,
    settlement_approve,
    settlement_generate,
    waiver_register,
)
from minsheng.payments.tests.factories import enrol, payee
from minsheng.testing import Personas

TOMORROW = dt.timedelta(days=1)


def facility(area: Division, kind: str = "funeral_home", name: str = "", **fields: Any) -> Facility:
    defaults = {
        "funeral_home": "殡仪馆",
        "crematorium": "火化场",
        "public_cemetery": "公益性公墓",
        "commercial_cemetery": "经营性公墓",
    }
    return Facility.objects.unscoped().create(
        kind=kind,
        name=name or f"{area.name}{defaults[kind]}",
        area_code=area.code,
        operator=fields.pop("operator", f"{area.name}民政局"),
        approval_number=fields.pop("approval_number", "苏民殡〔2010〕1号" if "cemetery" in kind else ""),
        **fields,
    )


def make_staff_facility(area: Division) -> int:
    """The organisation of a funeral-staff persona: a funeral home in its area."""
    return facility(area, name=f"{area.name}城东殡仪馆").pk


def own_facility(p: Personas) -> Facility:
    """The funeral home the staff persona works for."""
    assignment = RoleAssignment.objects.get(user=p[STAFF], role=STAFF)
    assert assignment.organisation_id is not None
    return Facility.objects.unscoped().get(pk=assignment.organisation_id)


def item(p: Personas, name: str = "遗体告别厅", kind: str = "service", place: Facility | None = None) -> PriceItem:
    return price_item_add(actor=p[STAFF], facility=place or own_facility(p), kind=kind, name=name, unit="次")


def filing(p: Personas, prices: dict[int, int] | None = None, place: Facility | None = None) -> PriceFiling:
    place = place or own_facility(p)
    if prices is None:
        prices = {item(p, place=place).pk: 80_000}
    return filing_submit(actor=p[STAFF], facility=place, effective_from=timezone.localdate() + TOMORROW, prices=prices)


def case(p: Personas, name: str = "李桂兰", *, person: Any = None, died: dt.date | None = None) -> FuneralCase:
    person = person or payee(p.village, name)
    return case_register(
        actor=p[STAFF],
        facility=own_facility(p),
        name=person.name,
        id_number=person.id_number,
        died_on=died or timezone.localdate() - TOMORROW,
    )


def tekun_case(p: Personas, name: str = "李桂兰") -> FuneralCase:
    """A deceased 特困 recipient's case at the staff persona's funeral home."""
    person = payee(p.village, name)
    enrol(person, "tekun", 120_000, first_month=dt.date(2025, 1, 1))
    return case(p, person=person)


def waiver(p: Personas, name: str = "李桂兰", month: dt.date | None = None) -> Waiver:
    """A waiver of every basic service for a 特困 recipient, moved into ``month`` (default: last month)."""
    registered = waiver_register(
        actor=p[STAFF], case=tekun_case(p, name), services=["transport", "storage", "cremation", "urn", "ash_storage"]
    )
    month = month or (timezone.localdate().replace(day=1) - TOMORROW).replace(day=1)
    Waiver.objects.unscoped().filter(pk=registered.pk).update(month=month)
    registered.month = month
    return registered


def settlement(p: Personas, *, approved: bool = False) -> Settlement:
    w = waiver(p)
    prepared = settlement_generate(actor=p[Role.COUNTY_PAYMENT_OFFICER], facility=own_facility(p), period=w.month)
    if approved:
        prepared = settlement_approve(actor=p[Role.COUNTY_APPROVER], settlement=prepared)
    return prepared
