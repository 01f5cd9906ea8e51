"""Records of the social module for tests: valid credit codes and one organisation, centre, worker and project
inside the personas' reference area."""

from __future__ import annotations

import datetime as dt
from typing import Any

from minsheng.social.credit_code import check_character, organisation_check
from minsheng.social.models import CharityProject, Organisation, SocialWorker, Station


def code(type_char: str = "1", region: str = "321302", serial: int = 1) -> str:
    body = f"5{serial:07d}"
    first17 = f"5{type_char}{region}{body}{organisation_check(body)}"
    return first17 + check_character(first17)


def organisation(p: Any, **fields: Any) -> Organisation:
    values: dict[str, Any] = {
        "kind": Organisation.Kind.SOCIAL_GROUP,
        "name": "宿城区养老服务协会",
        "credit_code": code("1", p.county.code[:6], 7),
        "service_field": "elderly",
        "area_code": p.village.code,
        "registrar_code": p.county.code,
        "registered_on": dt.date(2015, 3, 1),
    }
    values.update(fields)
    return Organisation.objects.create(**values)


def own_organisation(p: Any) -> Organisation:
    if "social_org" not in p.extra:
        p.extra["social_org"] = organisation(
            p, registrar_code=p.township.code, kind="community", credit_code="", name="幸福里邻里互助会"
        )
    org: Organisation = p.extra["social_org"]
    return org


def centre(p: Any) -> Station:
    if "social_centre" not in p.extra:
        p.extra["social_centre"] = Station.objects.create(
            kind="centre", name="示范社区党群服务中心", area_code=p.village.code, opened_on=dt.date(2020, 1, 1)
        )
    station: Station = p.extra["social_centre"]
    return station


def worker(p: Any) -> SocialWorker:
    if "social_worker" not in p.extra:
        p.extra["social_worker"] = SocialWorker.objects.create(
            name="李芳",
            level="assistant",
            certificate_number="S2019320001",
            certified_year=2019,
            area_code=p.village.code,
        )
    row: SocialWorker = p.extra["social_worker"]
    return row


def project(p: Any) -> CharityProject:
    if "social_project" not in p.extra:
        p.extra["social_project"] = CharityProject.objects.create(
            name="微心愿",
            area_code=p.village.code,
            service_field="children",
            description="认领困境儿童的微心愿",
            starts_on=dt.date(2022, 1, 1),
        )
    row: CharityProject = p.extra["social_project"]
    return row
