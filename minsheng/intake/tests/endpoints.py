from typing import Any

from minsheng.accounts.roles import Role
from minsheng.testing import Endpoint, Personas, register

VIEW = frozenset(
    {
        Role.VILLAGE_WORKER,
        Role.TOWNSHIP_WINDOW,
        Role.TOWNSHIP_REVIEWER,
        Role.COUNTY_APPROVER,
        Role.CITY_ADMIN,
        Role.AUDITOR,
    }
)
ADD = frozenset({Role.VILLAGE_WORKER, Role.TOWNSHIP_WINDOW, Role.TOWNSHIP_REVIEWER, Role.COUNTY_APPROVER})

register(
    Endpoint("intake:consultations", VIEW),
    Endpoint(
        "intake:consultations",
        ADD,
        method="post",
        data=lambda p: {"topic": "低保怎么申请", "outcome": "answered"},
        success=302,
    ),
)

WINDOW = ADD


def _application(p: Personas) -> Any:
    if "application" not in p.extra:
        from minsheng.catalog.models import Item
        from minsheng.intake.services import ItemRequest, application_submit
        from minsheng.testing import make_person

        item = Item.objects.get(number=30)
        application = application_submit(
            actor=p[Role.VILLAGE_WORKER],
            person=make_person(p.village, "吴敏"),
            requests=[ItemRequest(item=item, materials_provided=tuple(item.materials))],
            on_behalf=True,
        )
        p.extra["application"] = application
    return p.extra["application"]


register(
    Endpoint("intake:application_new", WINDOW),
    Endpoint(
        "intake:application_new",
        WINDOW,
        method="post",
        data=lambda p: {"id_number": _application(p).person.id_number, "items": [], "on_behalf": "on"},
        success=400,  # no item chosen: the form is shown again with the error, nothing written
    ),
    Endpoint("intake:application_detail", WINDOW, kwargs=lambda p: {"pk": _application(p).pk}, object_level=True),
    Endpoint("intake:inbox", WINDOW | {Role.DEPARTMENT_HANDLER}),
    Endpoint(
        "intake:case_decide",
        frozenset({Role.DEPARTMENT_HANDLER}),
        method="post",
        kwargs=lambda p: {"pk": _application(p).cases.get().pk},
        data=lambda p: {"decision": "grant", "reason": "符合条件"},
        object_level=True,
        success=302,
    ),
)


def _department(code: str) -> int:
    from minsheng.catalog.models import Department

    return Department.objects.get(code=code).pk


def _waiting_case(p: Personas) -> Any:
    if "waiting_case" not in p.extra:
        from minsheng.catalog.models import Item
        from minsheng.intake.services import ItemRequest, application_submit
        from minsheng.testing import make_person

        application = application_submit(
            actor=p[Role.VILLAGE_WORKER],
            person=make_person(p.village, "郑敏"),
            requests=[ItemRequest(item=Item.objects.get(number=30))],  # nothing brought: waiting
            on_behalf=True,
        )
        p.extra["waiting_case"] = application.cases.get()
    return p.extra["waiting_case"]


register(
    Endpoint(
        "intake:case_request_materials",
        frozenset({Role.DEPARTMENT_HANDLER}),
        method="post",
        kwargs=lambda p: {"pk": _application(p).cases.get().pk},
        data=lambda p: {"materials": "学籍证明", "reason": "缺材料"},
        object_level=True,
        success=302,
    ),
    Endpoint(
        "intake:case_transfer",
        frozenset({Role.DEPARTMENT_HANDLER}),
        method="post",
        kwargs=lambda p: {"pk": _application(p).cases.get().pk},
        data=lambda p: {"department": _department("housing"), "reason": "属住建"},
        object_level=True,
        success=302,
    ),
    Endpoint(
        "intake:case_materials_received",
        WINDOW,
        method="post",
        kwargs=lambda p: {"pk": _waiting_case(p).pk},
        object_level=True,
        success=302,
    ),
    Endpoint("intake:overdue", WINDOW | {Role.DEPARTMENT_HANDLER}),
)


def _attachment(p: Personas) -> Any:
    if "attachment" not in p.extra:
        from django.core.files.uploadedfile import SimpleUploadedFile

        from minsheng.intake.services import attachment_add

        p.extra["attachment"] = attachment_add(
            actor=p[Role.VILLAGE_WORKER],
            application=_application(p),
            uploaded=SimpleUploadedFile("a.pdf", b"%PDF-1.4 test"),
            material="户口簿",
        )
    return p.extra["attachment"]


def _upload(p: Personas) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"material": "户口簿", "file": SimpleUploadedFile("b.pdf", b"%PDF-1.4 upload")}


register(
    Endpoint(
        "intake:attachment_upload",
        WINDOW,
        method="post",
        kwargs=lambda p: {"pk": _application(p).pk},
        data=_upload,
        object_level=True,
        success=302,
    ),
    Endpoint("intake:attachment_download", WINDOW, kwargs=lambda p: {"pk": _attachment(p).pk}, object_level=True),
)

from minsheng.testing import ALL_PERSONAS  # noqa: E402

register(Endpoint("intake:notifications", ALL_PERSONAS))

register(
    Endpoint(
        "intake:case_receive",
        frozenset({Role.DEPARTMENT_HANDLER}),
        method="post",
        kwargs=lambda p: {"pk": _application(p).cases.get().pk},
        object_level=True,
        success=302,
    ),
)

# An item's page and its documents: the window, and the department the item is routed to (the persona's education
# department: item 30 is an education item). Another department's items and documents: see test_checklist.py.
register(
    Endpoint(
        "intake:case_detail",
        WINDOW | {Role.DEPARTMENT_HANDLER},
        kwargs=lambda p: {"pk": _application(p).cases.get().pk},
        object_level=True,
    ),
    Endpoint(
        "intake:case_document",
        WINDOW | {Role.DEPARTMENT_HANDLER},
        kwargs=lambda p: {"pk": _application(p).cases.get().pk, "document": _attachment(p).pk},
        object_level=True,
    ),
)


def _decided_case(p: Personas) -> Any:
    if "decided_case" not in p.extra:
        from minsheng.catalog.models import Item
        from minsheng.intake.services import ItemRequest, application_submit, case_decide
        from minsheng.testing import make_person

        item = Item.objects.get(number=30)
        application = application_submit(
            actor=p[Role.VILLAGE_WORKER],
            person=make_person(p.village, "钱敏"),
            requests=[ItemRequest(item=item, materials_provided=tuple(item.materials))],
            on_behalf=False,
        )
        case = application.cases.get()
        p.extra["decided_case"] = case_decide(actor=p[Role.DEPARTMENT_HANDLER], case=case, granted=True, reason="符合")
    return p.extra["decided_case"]


# The application list and the papers of the window (PDF).
register(
    Endpoint("intake:application_list", WINDOW),
    Endpoint("intake:application_receipt", WINDOW, kwargs=lambda p: {"pk": _application(p).pk}, object_level=True),
    Endpoint(
        "intake:application_notice", WINDOW, kwargs=lambda p: {"pk": _waiting_case(p).application_id}, object_level=True
    ),
    Endpoint(
        "intake:case_notice",
        WINDOW | {Role.DEPARTMENT_HANDLER},
        kwargs=lambda p: {"pk": _decided_case(p).pk},
        object_level=True,
    ),
)
