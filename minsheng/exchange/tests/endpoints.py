"""Permission-matrix registrations of the data exchange's pages (the department clients' API is tested in
test_api.py: it takes a client's key, not a staff session)."""

from __future__ import annotations

import uuid
from typing import Any

from minsheng.accounts.roles import Role
from minsheng.exchange.module import OFFICER
from minsheng.testing import Endpoint, Personas, register

READ = frozenset({OFFICER, Role.CITY_ADMIN, Role.AUDITOR})
CLIENTS_READ = frozenset({Role.CITY_ADMIN, Role.AUDITOR})
ADMIN = frozenset({Role.CITY_ADMIN})


def _feed_pk(p: Personas) -> dict[str, Any]:
    if "exchange_feed" not in p.extra:
        from minsheng.exchange.tests.factories import death_feed

        p.extra["exchange_feed"] = death_feed(p)
    return {"pk": p.extra["exchange_feed"].pk}


def _rejection_pk(p: Personas) -> dict[str, Any]:
    """A refused file of the reference county, with its error report."""
    if "exchange_rejection" not in p.extra:
        from minsheng.exchange.feeds import FeedRejected
        from minsheng.exchange.services import feed_upload
        from minsheng.exchange.tests.factories import csv_of, id_number, source

        try:
            feed_upload(
                actor=p[OFFICER],
                source=source("police_death"),
                batch="bad",
                content=csv_of(["id_number", "name", "died_on"], [id_number(12), "李四", "2099-01-01"]),
                filename="bad.csv",
            )
        except FeedRejected as refused:
            p.extra["exchange_rejection"] = refused.rejection
    return {"pk": p.extra["exchange_rejection"].pk}


def _client_pk(p: Personas) -> dict[str, Any]:
    if "exchange_client" not in p.extra:
        from minsheng.exchange.tests.factories import client

        p.extra["exchange_client"] = client(p)[0]
    return {"pk": p.extra["exchange_client"].pk}


def _authorised(p: Personas) -> Any:
    """(household, head, authorisation) of the reference village."""
    if "exchange_authorised" not in p.extra:
        from minsheng.exchange.tests.factories import authorise, family

        household, head, spouse, _ = family(p)
        p.extra["exchange_authorised"] = (household, head, authorise(p, household, [head, spouse]))
    return p.extra["exchange_authorised"]


def _finding_pk(p: Personas) -> dict[str, Any]:
    """A finding whose review was brought forward, in the reference village."""
    if "exchange_finding" not in p.extra:
        import datetime as dt

        from minsheng.exchange.models import Finding
        from minsheng.exchange.services import monthly_check_start
        from minsheng.exchange.tests.factories import family, upload_contributions
        from minsheng.payments.tests.factories import enrol

        _, head, _, _ = family(p)
        enrol(head, "dibao", 156_000, first_month=dt.date(2026, 6, 1))
        upload_contributions(p, [(head, "5000")], batch="RS-matrix")
        monthly_check_start(actor=None, month=dt.date(2026, 1, 1))
        p.extra["exchange_finding"] = Finding.objects.unscoped().get(outcome="review")
    return {"pk": p.extra["exchange_finding"].pk}


def _client_data(p: Personas) -> dict[str, Any]:
    from minsheng.exchange.models import DataSource

    return {
        "name": f"系统{uuid.uuid4().hex[:8]}",
        "area": p.city.code,
        "sources": [DataSource.objects.get(code="vehicle").pk],
    }


AUTH_READ = frozenset(
    {OFFICER, Role.VILLAGE_WORKER, Role.TOWNSHIP_WINDOW, Role.TOWNSHIP_REVIEWER, Role.COUNTY_APPROVER, Role.AUDITOR}
)
QUERY = frozenset({OFFICER, Role.CITY_ADMIN, Role.TOWNSHIP_REVIEWER, Role.COUNTY_APPROVER, Role.AUDITOR})

register(
    Endpoint(
        "exchange:household_authorisations",
        AUTH_READ,
        kwargs=lambda p: {"pk": _authorised(p)[0].pk},
        object_level=True,
    ),
    Endpoint(
        "exchange:authorisation_new",
        frozenset({Role.VILLAGE_WORKER, Role.TOWNSHIP_WINDOW}),
        kwargs=lambda p: {"pk": _authorised(p)[0].pk},
        object_level=True,
    ),
    Endpoint(
        "exchange:authorisation_detail",
        AUTH_READ,
        kwargs=lambda p: {"pk": _authorised(p)[2].pk},
        object_level=True,
    ),
    Endpoint(
        "exchange:authorisation_end",
        frozenset({Role.TOWNSHIP_REVIEWER, Role.COUNTY_APPROVER}),
        method="post",
        kwargs=lambda p: {"pk": _authorised(p)[2].pk},
        data=lambda p: {"on": "2026-01-10", "reason": "不符合条件"},
        object_level=True,
        success=302,
    ),
    Endpoint(
        "exchange:person_records",
        QUERY,
        kwargs=lambda p: {"pk": _authorised(p)[1].pk},
        object_level=True,
    ),
    Endpoint("exchange:check_list", frozenset({OFFICER, Role.CITY_ADMIN, Role.AUDITOR})),
    Endpoint(
        "exchange:check_start",
        frozenset({OFFICER}),
        method="post",
        data=lambda p: {"month": "2026-01"},
        success=302,
    ),
    Endpoint(
        "exchange:finding_list",
        frozenset({OFFICER, Role.CITY_ADMIN, Role.AUDITOR, Role.TOWNSHIP_REVIEWER, Role.COUNTY_APPROVER}),
    ),
    Endpoint(
        "exchange:finding_close",
        frozenset({Role.TOWNSHIP_REVIEWER, Role.COUNTY_APPROVER}),
        method="post",
        kwargs=_finding_pk,
        data=lambda p: {"note": "复核仍符合"},
        object_level=True,
        success=302,
    ),
    Endpoint("exchange:source_list", READ),
    Endpoint("exchange:feed_list", READ),
    Endpoint("exchange:feed_new", frozenset({OFFICER})),
    Endpoint("exchange:feed_detail", READ, kwargs=_feed_pk, object_level=True),
    Endpoint("exchange:rejection_report", frozenset({OFFICER}), kwargs=_rejection_pk, object_level=True),
    Endpoint("exchange:client_list", CLIENTS_READ),
    Endpoint("exchange:client_new", ADMIN, method="post", data=_client_data),
    Endpoint("exchange:client_rotate", ADMIN, method="post", kwargs=_client_pk, object_level=True),
    Endpoint(
        "exchange:client_may_verify",
        ADMIN,
        method="post",
        kwargs=_client_pk,
        data=lambda p: {"may_verify": "1"},
        object_level=True,
        success=302,
    ),
    Endpoint(
        "exchange:client_revoke",
        ADMIN,
        method="post",
        kwargs=_client_pk,
        data=lambda p: {"reason": "系统停用"},
        object_level=True,
        success=302,
    ),
)


# --- 核对 for one household ---------------------------------------------------------------------------------------


def _verification(p: Personas, state: str) -> Any:
    """(verification, head) of a household of the reference village: a request submitted, dispatched (the bank's
    query waiting) or reported (the bank answered)."""
    key = f"exchange_verification_{state}"
    if key not in p.extra:
        from minsheng.exchange.services import feed_upload
        from minsheng.exchange.tests.factories import authorise, family, source
        from minsheng.exchange.verification import verification_request, verification_review

        household, head, spouse, _ = family(p)
        authorise(p, household, [head, spouse], serial=f"SQ-{state}")
        verification = verification_request(actor=p[Role.TOWNSHIP_WINDOW], household=household, purpose="dibao")
        if state != "submitted":
            verification = verification_review(actor=p[OFFICER], verification=verification, dispatch=True)
        if state == "reported":
            query = verification.queries.get(source__code="financial_asset")
            feed_upload(
                actor=p[OFFICER],
                source=source("financial_asset"),
                batch=query.reference,
                content=_bank_file(head, query.reference),
                filename="answer.csv",
            )
            verification.refresh_from_db()
        p.extra[key] = (verification, head)
    return p.extra[key]


def _bank_file(head: Any, reference: str) -> bytes:
    from minsheng.exchange.tests.factories import csv_of

    return csv_of(
        ["id_number", "name", "institution", "kind", "as_of", "balance"],
        [head.id_number, head.name, "宿迁农商行", "deposit", "2026-11-20", "100.00"],
    )


def _verification_pk(state: str) -> Any:
    return lambda p: {"pk": _verification(p, state)[0].pk}


def _query_pk(p: Personas) -> dict[str, Any]:
    verification, _head = _verification(p, "dispatched")
    return {"pk": verification.pk, "query_pk": verification.queries.get(source__code="financial_asset").pk}


def _answer(p: Personas) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    verification, head = _verification(p, "dispatched")
    reference = verification.queries.get(source__code="financial_asset").reference
    return {"file": SimpleUploadedFile("answer.csv", _bank_file(head, reference), "text/csv")}


VERIFY_READ = frozenset(
    {
        Role.TOWNSHIP_WINDOW,
        Role.TOWNSHIP_REVIEWER,
        OFFICER,
        Role.COUNTY_APPROVER,
        Role.AUDITOR,
        Role.CITY_ADMIN,
    }
)
VERIFY_REQUEST = frozenset({Role.TOWNSHIP_WINDOW, Role.TOWNSHIP_REVIEWER})

register(
    Endpoint(
        "exchange:verification_new",
        VERIFY_REQUEST,
        kwargs=lambda p: {"pk": _authorised(p)[0].pk},
        object_level=True,
    ),
    Endpoint("exchange:verification_list", VERIFY_READ),
    Endpoint("exchange:verification_detail", VERIFY_READ, kwargs=_verification_pk("submitted"), object_level=True),
    Endpoint(
        "exchange:verification_review",
        frozenset({OFFICER}),
        method="post",
        kwargs=_verification_pk("submitted"),
        data=lambda p: {"decision": "dispatch"},
        object_level=True,
        success=302,
    ),
    Endpoint("exchange:verification_query_file", frozenset({OFFICER}), kwargs=_query_pk, object_level=True),
    Endpoint(
        "exchange:verification_answer",
        frozenset({OFFICER}),
        method="post",
        kwargs=_query_pk,
        data=_answer,
        object_level=True,
        success=302,
    ),
    Endpoint("exchange:verification_pdf", VERIFY_READ, kwargs=_verification_pk("reported"), object_level=True),
    Endpoint(
        "exchange:verification_object",
        VERIFY_REQUEST,
        method="post",
        kwargs=_verification_pk("reported"),
        data=lambda p: {"objection": "存款为代管资金"},
        object_level=True,
        success=302,
    ),
)
