"""Permission-matrix registrations of the volunteers' pages (the public check of a certificate is in
``module.public_urls``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from minsheng.accounts.roles import Role
from minsheng.testing import Endpoint, Personas, register

READ = frozenset(
    {
        Role.VILLAGE_WORKER,
        Role.TOWNSHIP_WINDOW,
        Role.TOWNSHIP_REVIEWER,
        Role.COUNTY_APPROVER,
        Role.CITY_ADMIN,
        Role.AUDITOR,
    }
)
TEAM_WORK = frozenset({Role.VILLAGE_WORKER, Role.TOWNSHIP_WINDOW})
REGISTER = frozenset({Role.TOWNSHIP_WINDOW})


def _volunteer(p: Personas) -> Any:
    if "volunteer" not in p.extra:
        from minsheng.volunteers.tests.factories import volunteer

        p.extra["volunteer"] = volunteer(p, "赵敏")
    return p.extra["volunteer"]


def _team(p: Personas) -> Any:
    if "volunteer_team" not in p.extra:
        from minsheng.volunteers import services
        from minsheng.volunteers.tests.factories import team

        t = team(p, "矩阵测试志愿服务队")
        services.team_join(actor=p[Role.TOWNSHIP_WINDOW], team=t, volunteer=_volunteer(p))
        p.extra["volunteer_team"] = t
    return p.extra["volunteer_team"]


def _activity(p: Personas) -> Any:
    if "volunteer_activity" not in p.extra:
        from minsheng.volunteers.tests.factories import activity

        p.extra["volunteer_activity"] = activity(p, _team(p))
    return p.extra["volunteer_activity"]


def _certificate(p: Personas) -> Any:
    if "volunteer_certificate" not in p.extra:
        from minsheng.volunteers.models import Volunteer
        from minsheng.volunteers.services import certificate_issue

        v = _volunteer(p)
        Volunteer.objects.unscoped().filter(pk=v.pk).update(hours_tenths=1200, star=1)
        p.extra["volunteer_certificate"] = certificate_issue(actor=p[Role.TOWNSHIP_WINDOW], volunteer=v)
    return p.extra["volunteer_certificate"]


def _task(p: Personas, key: str) -> Any:
    if key not in p.extra:
        from minsheng.volunteers.services import task_raise

        task = task_raise(source=("tests", "matrix", key), area_code=p.village.code, title="陪同就医")
        if key == "complete":
            from minsheng.volunteers.services import task_take

            task = task_take(actor=p[Role.TOWNSHIP_WINDOW], task=task, team=_team(p))
        p.extra[key] = task
    return p.extra[key]


register(
    Endpoint("volunteers:volunteer_list", READ),
    Endpoint("volunteers:volunteer_new", REGISTER),
    Endpoint(
        "volunteers:volunteer_new",
        REGISTER,
        method="post",
        data=lambda p: {"name": "钱多多", "id_number": "", "area": p.village.code},
        success=400,
    ),
    Endpoint("volunteers:volunteer_detail", READ, kwargs=lambda p: {"pk": _volunteer(p).pk}, object_level=True),
    Endpoint(
        "volunteers:certificate_issue",
        REGISTER,
        method="post",
        kwargs=lambda p: {"pk": _volunteer(p).pk},
        object_level=True,
        success=302,
    ),
    Endpoint("volunteers:certificate_print", READ, kwargs=lambda p: {"pk": _certificate(p).pk}, object_level=True),
    Endpoint("volunteers:team_list", READ),
    Endpoint("volunteers:team_new", REGISTER),
    Endpoint("volunteers:team_detail", READ, kwargs=lambda p: {"pk": _team(p).pk}, object_level=True),
    Endpoint(
        "volunteers:team_join",
        TEAM_WORK,
        method="post",
        kwargs=lambda p: {"pk": _team(p).pk},
        data=lambda p: {"id_number": _volunteer(p).id_number},
        object_level=True,
        success=302,
    ),
    Endpoint(
        "volunteers:activity_new",
        TEAM_WORK,
        method="post",
        kwargs=lambda p: {"pk": _team(p).pk},
        data=lambda p: {
            "title": "河道清理",
            "held_on": (timezone.localdate() - dt.timedelta(days=2)).isoformat(),
            "place": "古黄河",
            "hours": "2.5",
        },
        object_level=True,
        success=302,
    ),
    Endpoint("volunteers:activity_detail", READ, kwargs=lambda p: {"pk": _activity(p).pk}, object_level=True),
    Endpoint("volunteers:task_board", READ),
    Endpoint("volunteers:task_detail", READ, kwargs=lambda p: {"pk": _task(p, "read").pk}, object_level=True),
    Endpoint(
        "volunteers:task_take",
        TEAM_WORK,
        method="post",
        kwargs=lambda p: {"pk": _task(p, "take").pk},
        data=lambda p: {"taker": f"team-{_team(p).pk}"},
        object_level=True,
        success=302,
    ),
    Endpoint(
        "volunteers:task_complete",
        TEAM_WORK,
        method="post",
        kwargs=lambda p: {"pk": _task(p, "complete").pk},
        data=lambda p: {"served_on": timezone.localdate().isoformat(), "outcome": "已陪同", "evaluation": "good"},
        object_level=True,
        success=302,
    ),
)
