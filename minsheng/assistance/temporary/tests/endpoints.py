"""Permission-matrix registrations of the temporary pages."""

from __future__ import annotations

from typing import Any

from minsheng.accounts.roles import Role
from minsheng.testing import Endpoint, Personas, register

# assistance.view_temporaryaid / view_assessmentprompt
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
# assistance.add_temporaryaid, change_temporaryaid, add_referral, change_assessmentprompt
TOWNSHIP = frozenset({Role.TOWNSHIP_WINDOW, Role.TOWNSHIP_REVIEWER})
COUNTY = frozenset({Role.COUNTY_APPROVER})


def _aid(p: Personas, key: str, name: str, yuan: int) -> Any:
    """A 急难型 case in the reference village: within the township cap (¥1,000) it is paid first."""
    if key not in p.extra:
        from minsheng.assistance.temporary.services import temporary_aid_open
        from minsheng.testing import make_household, make_person

        person = make_person(p.village, name)
        make_household(p.village, person)
        p.extra[key] = temporary_aid_open(
            actor=p[Role.TOWNSHIP_WINDOW], person=person, kind="urgent", event="家中失火", requested_fen=yuan * 100
        )
    return p.extra[key]


def _paid_first(p: Personas) -> Any:
    return _aid(p, "paid_first", "林芳", 800)


def _with_county(p: Personas) -> Any:
    return _aid(p, "with_county", "高峰", 3000)


def _referral(p: Personas) -> Any:
    if "referral" not in p.extra:
        from minsheng.assistance.temporary.services import referral_record

        p.extra["referral"] = referral_record(
            actor=p[Role.TOWNSHIP_WINDOW], aid=_paid_first(p), kind="charity", organisation="宿迁市慈善总会"
        )
    return p.extra["referral"]


def _new_applicant(p: Personas) -> Any:
    if "new_applicant" not in p.extra:
        from minsheng.testing import make_person

        p.extra["new_applicant"] = make_person(p.village, "周强")
    return p.extra["new_applicant"]


register(
    Endpoint("assistance:temporary_list", VIEW),
    Endpoint("assistance:temporary_new", TOWNSHIP),
    Endpoint(
        "assistance:temporary_new",
        TOWNSHIP,
        method="post",
        data=lambda p: {"id_number": _new_applicant(p).id_number, "kind": "urgent", "event": "车祸", "amount": "800"},
        success=302,
    ),
    Endpoint("assistance:temporary_detail", VIEW, kwargs=lambda p: {"pk": _paid_first(p).pk}, object_level=True),
    Endpoint("assistance:temporary_receipt", VIEW, kwargs=lambda p: {"pk": _paid_first(p).pk}, object_level=True),
    Endpoint(
        "assistance:temporary_papers",
        TOWNSHIP,
        method="post",
        kwargs=lambda p: {"pk": _paid_first(p).pk},
        data=lambda p: {"note": "材料已补齐"},
        object_level=True,
        success=302,
    ),
    Endpoint(
        "assistance:temporary_decide",
        COUNTY,  # above the township cap: the township roles reach the page and are refused (403) by the service
        method="post",
        kwargs=lambda p: {"pk": _with_county(p).pk},
        data=lambda p: {"decision": "grant", "amount": "2500", "reason": "火灾损失严重"},
        object_level=True,
        success=302,
    ),
    Endpoint(
        "assistance:temporary_refer",
        TOWNSHIP,
        method="post",
        kwargs=lambda p: {"pk": _paid_first(p).pk},
        data=lambda p: {"kind": "red_cross", "organisation": "宿城区红十字会", "note": "衣被"},
        object_level=True,
        success=302,
    ),
    Endpoint(
        "assistance:referral_outcome",
        TOWNSHIP,
        method="post",
        kwargs=lambda p: {"pk": _referral(p).pk},
        data=lambda p: {"outcome": "已资助 2000 元"},
        object_level=True,
        success=302,
    ),
    Endpoint("assistance:assessment_prompts", VIEW),
    Endpoint(
        "assistance:prompt_close",
        TOWNSHIP,
        method="post",
        kwargs=lambda p: {"pk": _paid_first(p).prompts.get().pk},
        data=lambda p: {"outcome": "已申请低保", "assessment": ""},
        object_level=True,
        success=302,
    ),
)
