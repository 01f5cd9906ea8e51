"""Permission-matrix registrations of the registry's pages and API."""

from __future__ import annotations

from typing import Any

from minsheng.accounts.roles import Role
from minsheng.testing import Endpoint, Personas, make_household, make_person, register

VIEW = frozenset(
    {
        Role.VILLAGE_WORKER,
        Role.TOWNSHIP_WINDOW,
        Role.TOWNSHIP_REVIEWER,
        Role.COUNTY_APPROVER,
        Role.COUNTY_PAYMENT_OFFICER,
        Role.CITY_ADMIN,
        Role.AUDITOR,
    }
)
# The verification centre's officers (the data exchange module) read persons and households for 核对.
READ = VIEW | {"verification_officer"}
WRITE = frozenset({Role.VILLAGE_WORKER, Role.TOWNSHIP_WINDOW, Role.TOWNSHIP_REVIEWER, Role.COUNTY_APPROVER})
REVEAL = frozenset({Role.TOWNSHIP_WINDOW, Role.TOWNSHIP_REVIEWER, Role.COUNTY_APPROVER, Role.COUNTY_PAYMENT_OFFICER})
CONFIRM = frozenset({Role.TOWNSHIP_REVIEWER, Role.COUNTY_APPROVER})


def registry(p: Personas) -> dict[str, Any]:
    """A household of two in the reference village, and a pending change asked for by the village worker."""
    if "registry" not in p.extra:
        from minsheng.people.models import ChangeRequest

        head = make_person(p.village, "王建国", birth="1960-05-01")
        child = make_person(p.village, "王小明", birth="1990-07-12")
        newcomer = make_person(p.village, "李秀英", birth="1962-02-02")
        household = make_household(p.village, head, (child, "child"))
        change = ChangeRequest.objects.create(
            person=child,
            area_code=p.village.code,
            changes={"labour_capacity": "partial"},
            reason="体检结论",
            requested_by=p[Role.VILLAGE_WORKER],
        )
        child_membership = household.memberships.get(person=child)
        p.extra["registry"] = {
            "head": head,
            "child": child,
            "newcomer": newcomer,
            "household": household,
            "change": change,
            "child_membership": child_membership,
        }
    registry: dict[str, Any] = p.extra["registry"]
    return registry


def person_pk(p: Personas) -> dict[str, Any]:
    return {"pk": registry(p)["head"].pk}


def household_pk(p: Personas) -> dict[str, Any]:
    return {"pk": registry(p)["household"].pk}


register(
    Endpoint("people:search", READ, data=lambda p: {"name": "王"}),
    Endpoint("people:person_create", WRITE),
    Endpoint(
        "people:person_create",
        WRITE,
        method="post",
        data=lambda p: {
            "name": "赵新",
            "id_number": "11010519491231002X",
            "hukou_area": p.village.code,
            "labour_capacity": "full",
        },
        success=302,
    ),
    Endpoint("people:person_detail", READ, kwargs=person_pk, object_level=True),
    Endpoint(
        "people:person_reveal",
        REVEAL,
        method="post",
        kwargs=person_pk,
        data=lambda p: {"reason": "受理核对"},
        object_level=True,
    ),
    Endpoint("people:person_change", WRITE, kwargs=person_pk, object_level=True),  # the form, fetched on opening
    Endpoint(
        "people:person_change",
        WRITE,
        method="post",
        kwargs=person_pk,
        data=lambda p: {
            "name": "王建民",
            "status": "living",
            "hukou_area": p.village.code,
            "residence_area": p.village.code,
            "labour_capacity": "full",
            "reason": "更正姓名",
        },
        object_level=True,
        success=302,
    ),
    Endpoint("people:household_detail", READ, kwargs=household_pk, object_level=True),
    Endpoint("people:household_create", WRITE),
    Endpoint(
        "people:member_add",
        WRITE,
        method="post",
        kwargs=household_pk,
        data=lambda p: {
            "id_number": registry(p)["newcomer"].id_number,
            "relation": "spouse",
            "living_together": "on",
            "joined_on": "2024-03-01",
        },
        object_level=True,
        success=302,
    ),
    Endpoint(
        "people:member_remove",
        WRITE,
        method="post",
        kwargs=lambda p: {"pk": registry(p)["household"].pk, "membership_pk": registry(p)["child_membership"].pk},
        data=lambda p: {"left_on": "2025-01-01", "reason": "分户"},
        object_level=True,
        success=302,
    ),
    Endpoint(
        "people:head_change",
        WRITE,
        method="post",
        kwargs=household_pk,
        data=lambda p: {
            "new_head": registry(p)["child"].pk,
            "former_head_relation": "parent",
            "on": "2025-01-01",
            "reason": "户主变更",
        },
        object_level=True,
        success=302,
    ),
    Endpoint("people:change_requests", VIEW),
    Endpoint(
        "people:change_request_decide",
        CONFIRM,
        method="post",
        kwargs=lambda p: {"pk": registry(p)["change"].pk},
        data=lambda p: {"decision": "confirm"},
        object_level=True,
        success=302,
    ),
    Endpoint("api:person-list", READ, data=lambda p: {"name": "王"}, api=True),
    Endpoint("api:person-detail", READ, kwargs=person_pk, api=True, object_level=True),
    Endpoint(
        "api:person-reveal",
        REVEAL,
        method="post",
        kwargs=person_pk,
        data=lambda p: {"reason": "发放核对"},
        api=True,
        object_level=True,
    ),
    Endpoint("api:household-list", READ, data=lambda p: {"area": p.village.code}, api=True),
    Endpoint("api:household-detail", READ, kwargs=household_pk, api=True, object_level=True),
)

IMPORT = frozenset({Role.COUNTY_APPROVER, Role.CITY_ADMIN})


def import_job(p: Personas) -> dict[str, Any]:
    """A finished import in the reference county, with an error report on disk."""
    if "import_job" not in p.extra:
        from pathlib import Path

        from django.conf import settings

        from minsheng.people.models import ImportJob

        report = "imports/matrix-errors.xlsx"
        path = Path(settings.MEDIA_ROOT) / report
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"PK\x03\x04")
        job = ImportJob.objects.create(
            area_code=p.county.code,
            created_by=p[Role.COUNTY_APPROVER],
            original_name="legacy.csv",
            stored_file="imports/none.csv",
            status="done",
            error_report=report,
        )
        p.extra["import_job"] = {"pk": job.pk}
    arguments: dict[str, Any] = p.extra["import_job"]
    return arguments


def upload(p: Personas) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"file": SimpleUploadedFile("residents.csv", "户编号,与户主关系,姓名,证件号码,户籍地区划代码\n".encode())}


register(
    Endpoint("people:imports", IMPORT),
    Endpoint("people:imports", IMPORT, method="post", data=upload, success=302),
    Endpoint("people:import_template", IMPORT),
    Endpoint("people:import_detail", IMPORT, kwargs=import_job, object_level=True),
    Endpoint("people:import_errors", IMPORT, kwargs=import_job, object_level=True),
)

MERGE = frozenset({Role.COUNTY_APPROVER, Role.CITY_ADMIN})


def merge_pair(p: Personas) -> dict[str, Any]:
    if "merge_pair" not in p.extra:
        keep = make_person(p.village, "周敏", birth="1980-03-03")
        duplicate = make_person(p.village, "周敏", birth="1980-03-03")
        p.extra["merge_pair"] = {"keep": keep.pk, "duplicate": duplicate.pk, "reason": "同一人重复登记"}
    pair: dict[str, Any] = p.extra["merge_pair"]
    return pair


register(
    Endpoint("people:duplicates", MERGE),
    # The merge names its records in the body; an outsider is refused with 404 like any out-of-area object.
    Endpoint("people:merge", MERGE, method="post", data=merge_pair, object_level=True, success=302),
)
