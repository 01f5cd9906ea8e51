"""Relief records for the tests and the permission matrix: a station in the reference county, admissions through the
service."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from minsheng.accounts.roles import Role
from minsheng.relief.models import Admission, Station
from minsheng.relief.module import STAFF
from minsheng.relief.services import AdmissionData, admission_record
from minsheng.testing import Personas

if TYPE_CHECKING:
    from minsheng.accounts.models import User

# The smallest valid JPEG and PNG heads (content is recognised by its first bytes).
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def station(p: Personas, *, other: bool = False) -> Station:
    key = "relief_station_other" if other else "relief_station"
    if key not in p.extra:
        county = p.other_county if other else p.county
        p.extra[key] = Station.objects.unscoped().create(
            area_code=county.code, name=f"{county.name}救助管理站", phone="0527-84001234", address="宿城区幸福路1号"
        )
    found: Station = p.extra[key]
    return found


def admit(
    p: Personas,
    *,
    known: bool = False,
    at: dt.datetime | None = None,
    actor: User | None = None,
    **fields: Any,
) -> Admission:
    """An admission at the reference station, recorded by the station's staff."""
    data = AdmissionData(
        admitted_at=at or timezone.now() - dt.timedelta(hours=2),
        referral=fields.pop("referral", "police"),
        identity_known=known,
        health=fields.pop("health", "normal"),
        name=fields.pop("name", "张建国" if known else "无名氏"),
        gender=fields.pop("gender", "M"),
        apparent_age=fields.pop("apparent_age", 55),
        found_at=fields.pop("found_at", "宿迁汽车站"),
        description=fields.pop("description", "身高约170厘米，偏瘦，穿灰色外套"),
        **fields,
    )
    return admission_record(actor=actor or p[STAFF], station=station(p), data=data)


def approver(p: Personas) -> Any:
    return p[Role.COUNTY_APPROVER]
