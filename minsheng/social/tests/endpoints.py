"""Permission-matrix registrations of the social module's pages (the public registry needs no account:
test_social.py opens it)."""

from __future__ import annotations

from typing import Any

from minsheng.accounts.roles import Role
from minsheng.social.module import ADMIN
from minsheng.testing import Endpoint, Personas, register

READ = frozenset(
    {
        ADMIN,
        Role.CITY_ADMIN,
        Role.VILLAGE_WORKER,
        Role.TOWNSHIP_WINDOW,
        Role.TOWNSHIP_REVIEWER,
        Role.COUNTY_APPROVER,
        Role.AUDITOR,
    }
)
EDIT = frozenset({ADMIN, Role.CITY_ADMIN})


def _org(p: Personas) -> dict[str, Any]:
    from minsheng.social.tests.factories import own_organisation

    return {"pk": own_organisation(p).pk}


def _report(p: Personas) -> dict[str, Any]:
    import datetime as dt

    from minsheng.social.models import AnnualReport
    from minsheng.social.tests.factories import own_organisation

    org = own_organisation(p)
    if "social_report" not in p.extra:
        p.extra["social_report"] = AnnualReport.objects.create(
            organisation=org,
            area_code=org.area_code,
            registrar_code=org.registrar_code,
            year=2022,
            submitted_on=dt.date(2023, 3, 1),
        )
    return {"pk": p.extra["social_report"].pk}


def _centre(p: Personas) -> dict[str, Any]:
    from minsheng.social.tests.factories import centre

    return {"pk": centre(p).pk}


def _worker(p: Personas) -> dict[str, Any]:
    from minsheng.social.tests.factories import worker

    return {"pk": worker(p).pk}


def _project(p: Personas) -> dict[str, Any]:
    from minsheng.social.tests.factories import project

    return {"pk": project(p).pk}


register(
    Endpoint("social:organisation_list", READ),
    Endpoint("social:organisation_new", EDIT),
    Endpoint(
        "social:organisation_new",
        EDIT,
        method="post",
        data=lambda p: {
            "kind": "community",
            "name": "幸福里志愿服务队",
            "service_field": "community",
            "registrar": p.township.code,
            "area": p.village.code,
            "registered_on": "2021-05-01",
        },
        success=302,
    ),
    Endpoint("social:organisation_detail", READ, kwargs=_org, object_level=True),
    Endpoint(
        "social:organisation_grade",
        EDIT,
        method="post",
        kwargs=_org,
        data=lambda p: {"grade-grade": "3", "grade-graded_on": "2022-06-01"},
        object_level=True,
        success=302,
    ),
    Endpoint(
        "social:organisation_charity",
        EDIT,
        method="post",
        kwargs=_org,
        data=lambda p: {"charity-charity_since": ""},
        object_level=True,
        success=302,
    ),
    Endpoint(
        "social:organisation_end",
        EDIT,
        method="post",
        kwargs=_org,
        data=lambda p: {"end-revoked": "deregistered", "end-ended_on": "2023-01-10", "end-reason": "自行解散"},
        object_level=True,
        success=302,
    ),
    Endpoint(
        "social:report_new",
        EDIT,
        method="post",
        kwargs=_org,
        data=lambda p: {
            "report-year": "2021",
            "report-submitted_on": "2022-03-01",
            "report-income": "12000",
            "report-expenditure": "9000.50",
            "report-staff": "2",
        },
        object_level=True,
        success=302,
    ),
    Endpoint(
        "social:report_inspect",
        EDIT,
        method="post",
        kwargs=_report,
        data=lambda p: {"inspect-result": "qualified"},
        object_level=True,
        success=302,
    ),
    Endpoint("social:station_list", READ),
    Endpoint("social:coverage", READ),
    Endpoint("social:station_new", EDIT),
    Endpoint(
        "social:station_new",
        EDIT,
        method="post",
        data=lambda p: {
            "kind": "station",
            "area": p.township.code,
            "name": "示范街道社会工作服务站",
            "opened_on": "2021-07-01",
            "floor_area": "200",
        },
        success=302,
    ),
    Endpoint("social:station_detail", READ, kwargs=_centre, object_level=True),
    Endpoint(
        "social:station_assess",
        EDIT,
        method="post",
        kwargs=_centre,
        data=lambda p: {"assess-standard": "on"},
        object_level=True,
        success=302,
    ),
    Endpoint("social:worker_list", READ),
    Endpoint("social:worker_new", EDIT),
    Endpoint(
        "social:worker_new",
        EDIT,
        method="post",
        data=lambda p: {
            "name": "王静",
            "level": "social_worker",
            "certificate_number": "S2020320777",
            "certified_year": "2020",
            "area": p.village.code,
        },
        success=302,
    ),
    Endpoint("social:worker_leave", EDIT, method="post", kwargs=_worker, object_level=True, success=302),
    Endpoint("social:project_list", READ),
    Endpoint("social:project_new", EDIT),
    Endpoint(
        "social:project_new",
        EDIT,
        method="post",
        data=lambda p: {
            "name": "温暖冬衣",
            "area": p.township.code,
            "service_field": "assistance",
            "description": "为困难群众发放冬衣",
            "starts_on": "2022-11-01",
            "accepts_referrals": "on",
        },
        success=302,
    ),
    Endpoint("social:project_detail", READ, kwargs=_project, object_level=True),
    Endpoint(
        "social:donation_new",
        EDIT,
        method="post",
        kwargs=_project,
        data=lambda p: {
            "gift-donor": "宿迁某爱心企业",
            "gift-kind": "money",
            "gift-amount": "5000",
            "gift-received_on": "2023-01-05",
        },
        object_level=True,
        success=302,
    ),
)
