"""Test data of the volunteers' module: volunteers with valid synthetic ID numbers, teams, activities."""

from __future__ import annotations

import datetime as dt
from itertools import count

from django.utils import timezone

from minsheng.accounts.roles import Role
from minsheng.people.idnumbers import synthesize_id_number
from minsheng.testing import Personas
from minsheng.volunteers import services
from minsheng.volunteers.models import Activity, Team, Volunteer

_sequence = count(1)


def id_number(birth: dt.date = dt.date(1990, 5, 6), address: str = "321302") -> str:
    return synthesize_id_number(address_code=address, birth_date=birth, sequence=next(_sequence) % 1000)


def volunteer(p: Personas, name: str = "张伟", *, birth: dt.date = dt.date(1990, 5, 6), **fields: object) -> Volunteer:
    data = services.VolunteerData(name=name, id_number=id_number(birth), area_code=p.village.code, **fields)  # type: ignore[arg-type]
    return services.volunteer_register(actor=p[Role.TOWNSHIP_WINDOW], data=data)


def team(p: Personas, name: str = "幸福社区志愿服务队", area_code: str | None = None) -> Team:
    return services.team_create(actor=p[Role.TOWNSHIP_WINDOW], area_code=area_code or p.village.code, name=name)


def activity(p: Personas, t: Team, *, held_on: dt.date | None = None, tenths: int = 30) -> Activity:
    return services.activity_create(
        actor=p[Role.TOWNSHIP_WINDOW],
        team=t,
        title="敬老院陪伴",
        held_on=held_on or timezone.localdate() - dt.timedelta(days=1),
        place="宿城区敬老院",
        hours_tenths=tenths,
    )
