"""Permission-matrix registrations of the relief station's pages (the public announcements are tested in
test_public.py: they need no account)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from minsheng.accounts.roles import Role
from minsheng.relief.module import STAFF
from minsheng.testing import Endpoint, Personas, register

READ = frozenset({STAFF, Role.COUNTY_APPROVER, Role.CITY_ADMIN, Role.AUDITOR})
WORK = frozenset({STAFF})


def _admission(p: Personas) -> Any:
    if "relief_admission" not in p.extra:
        from minsheng.relief.tests.factories import admit

        p.extra["relief_admission"] = admit(p)
    return p.extra["relief_admission"]


def _pk(p: Personas) -> dict[str, Any]:
    return {"pk": _admission(p).pk}


def _tracing_pk(p: Personas) -> dict[str, Any]:
    return {"pk": _admission(p).tracing.pk}


def _check_pk(p: Personas) -> dict[str, Any]:
    if "relief_check" not in p.extra:
        from minsheng.relief.services import tracing_check_request

        tracing = _admission(p).tracing
        p.extra["relief_check"] = tracing_check_request(
            actor=p[STAFF], tracing=tracing, kind="dna", requested_on=timezone.localdate()
        )
    return {"pk": p.extra["relief_check"].pk}


def _station_data(p: Personas) -> dict[str, Any]:
    from minsheng.relief.tests.factories import station

    return {
        "station": station(p).pk,
        "kind": "winter",
        "on": timezone.localdate().isoformat(),
        "places": "火车站广场",
        "persons_reached": 6,
        "persons_admitted": 1,
        "given": "棉被",
    }


def _resettle_data(p: Personas) -> dict[str, Any]:
    import datetime as dt

    from minsheng.people.idnumbers import synthesize_id_number

    number = synthesize_id_number(address_code=p.county.code[:6], birth_date=dt.date(1958, 5, 1), sequence=731)
    return {"resettle-name": "宿安民", "resettle-id_number": number, "resettle-village": p.village.code}


register(
    Endpoint("relief:admission_list", READ),
    Endpoint("relief:admission_new", WORK),
    Endpoint("relief:admission_detail", READ, kwargs=_pk, object_level=True),
    Endpoint(
        "relief:admission_depart",
        WORK,
        method="post",
        kwargs=_pk,
        data=lambda p: {"depart-departure": "own_will"},
        object_level=True,
        success=302,
    ),
    Endpoint(
        "relief:admission_extend",
        WORK,
        method="post",
        kwargs=_pk,
        data=lambda p: {"extend-until": "2099-01-01", "extend-reason": "等待家属"},
        object_level=True,
        success=302,
    ),
    Endpoint(
        "relief:admission_services",
        WORK,
        method="post",
        kwargs=_pk,
        data=lambda p: {"services-services": ["food", "lodging"]},
        object_level=True,
        success=302,
    ),
    Endpoint(
        "relief:belonging_new",
        WORK,
        method="post",
        kwargs=_pk,
        data=lambda p: {"belonging-description": "手机", "belonging-quantity": 1},
        object_level=True,
        success=302,
    ),
    Endpoint(
        "relief:tracing_check",
        WORK,
        method="post",
        kwargs=_tracing_pk,
        data=lambda p: {"check-kind": "fingerprint", "check-requested_on": timezone.localdate().isoformat()},
        object_level=True,
        success=302,
    ),
    Endpoint(
        "relief:tracing_check_result",
        WORK,
        method="post",
        kwargs=_check_pk,
        data=lambda p: {"result-result": "no_match", "result-result_on": timezone.localdate().isoformat()},
        object_level=True,
        success=302,
    ),
    Endpoint(
        "relief:tracing_announce",
        WORK,
        method="post",
        kwargs=_tracing_pk,
        data=lambda p: {"announce-text": "身高约170厘米，偏瘦，穿灰色外套。"},
        object_level=True,
        success=302,
    ),
    Endpoint(
        "relief:tracing_reunite",
        WORK,
        method="post",
        kwargs=_tracing_pk,
        data=lambda p: {"reunite-note": "其子从安徽来接"},
        object_level=True,
        success=302,
    ),
    Endpoint(
        "relief:tracing_resettle",
        frozenset({Role.COUNTY_APPROVER}),
        method="post",
        kwargs=_tracing_pk,
        data=_resettle_data,
        object_level=True,
        success=302,
    ),
    Endpoint("relief:patrol_list", READ),
    Endpoint("relief:patrol_new", WORK, method="post", data=_station_data, success=302),
    Endpoint("relief:station_list", READ),
    Endpoint(
        "relief:station_new",
        frozenset({Role.CITY_ADMIN}),
        method="post",
        data=lambda p: {"area": p.county.code, "name": "宿城区第二救助站"},
        success=302,
    ),
)
