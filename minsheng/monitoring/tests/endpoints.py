"""Permission-matrix registrations of the monitoring pages (the phone's endpoints register beside them)."""

from __future__ import annotations

import datetime as dt
from typing import Any

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
RULES_READ = frozenset({Role.CITY_ADMIN, Role.AUDITOR})


def _alert(p: Personas, key: str, visited: bool = False) -> Any:
    """An open (or visited) warning about a person of the reference village."""
    if key not in p.extra:
        from django.utils import timezone

        from minsheng.exchange.services import feed_upload
        from minsheng.exchange.tests.factories import OFFICER, csv_of, source
        from minsheng.monitoring.models import Alert
        from minsheng.monitoring.services import alerts_raise
        from minsheng.testing import make_household, make_person

        person = make_person(p.village, "冯七" if visited else "陈八", birth="1975-05-05")
        make_household(p.village, person)
        feed_upload(
            actor=p[OFFICER],
            source=source("hotline_12345"),
            batch=f"RX-{key}",
            content=csv_of(
                ["id_number", "name", "ticket", "called_on", "summary"],
                [
                    person.id_number,
                    person.name,
                    f"T-{key}",
                    (timezone.localdate() - dt.timedelta(days=1)).isoformat(),
                    "咨询低保",
                ],
            ),
            filename="12345.csv",
        )
        now = timezone.now()
        alerts_raise(since=now - dt.timedelta(hours=1), until=now + dt.timedelta(seconds=1), codes=["hotline"])
        alert = Alert.objects.unscoped().get(person=person)
        if visited:
            Alert.objects.unscoped().filter(pk=alert.pk).update(
                status=Alert.Status.VISITED, outcome="closed", reason="已解答"
            )
        p.extra[key] = alert
    return p.extra[key]


def _monitored(p: Personas) -> dict[str, Any]:
    if "monitoring_household" not in p.extra:
        from django.utils import timezone

        from minsheng.monitoring.models import MonitoredHousehold

        alert = _alert(p, "monitoring_open")
        p.extra["monitoring_household"] = MonitoredHousehold.objects.create(
            household=alert.household,
            area_code=p.village.code,
            groups=["anti_poverty"],
            since=timezone.localdate(),
            updated_on=timezone.localdate(),
        )
    return {"pk": p.extra["monitoring_household"].pk}


def _rule(p: Personas) -> dict[str, Any]:
    from minsheng.monitoring.models import WarningRule

    return {"pk": WarningRule.objects.get(code="hotline").pk}


register(
    Endpoint("monitoring:alert_list", READ),
    Endpoint(
        "monitoring:alert_detail", READ, kwargs=lambda p: {"pk": _alert(p, "monitoring_open").pk}, object_level=True
    ),
    Endpoint(
        "monitoring:visit_desk",
        frozenset({Role.VILLAGE_WORKER, Role.TOWNSHIP_REVIEWER}),
        method="post",
        kwargs=lambda p: {"pk": _alert(p, "monitoring_open").pk},
        data=lambda p: {"checked_in_at": "2026-12-04T09:00", "outcome": "closed", "reason": "已电话解答政策"},
        object_level=True,
        success=302,
    ),
    Endpoint(
        "monitoring:alert_confirm",
        frozenset({Role.TOWNSHIP_REVIEWER}),
        method="post",
        kwargs=lambda p: {"pk": _alert(p, "monitoring_visited", visited=True).pk},
        data=lambda p: {"decision": "confirm"},
        object_level=True,
        success=302,
    ),
    Endpoint("monitoring:population", READ),
    Endpoint("monitoring:household_file", READ, kwargs=_monitored, object_level=True),
    Endpoint("monitoring:rule_list", RULES_READ),
    Endpoint("monitoring:rule_new", frozenset({Role.CITY_ADMIN})),
    Endpoint("monitoring:rule_edit", frozenset({Role.CITY_ADMIN}), kwargs=_rule),
)


# The visit on a phone (phone.py); the service worker and the manifest are public (test_phone.py).
def _phone_alert(p: Personas) -> dict[str, Any]:
    from minsheng.monitoring.tests.factories import open_alert

    return {"pk": open_alert(p, name="钱秀英").pk}


def _phone_fields(p: Personas) -> dict[str, Any]:
    from minsheng.monitoring.tests.factories import phone_visit_fields

    return phone_visit_fields()


register(
    Endpoint(
        "monitoring:visit_phone",
        frozenset({Role.VILLAGE_WORKER, Role.TOWNSHIP_REVIEWER}),
        kwargs=_phone_alert,
        object_level=True,
    ),
    Endpoint(
        "monitoring:visit_submit",
        frozenset({Role.VILLAGE_WORKER, Role.TOWNSHIP_REVIEWER}),
        method="post",
        kwargs=_phone_alert,
        data=_phone_fields,
        api=True,
        object_level=True,
        success=201,
    ),
    Endpoint("monitoring:visit_queue", frozenset({Role.VILLAGE_WORKER, Role.TOWNSHIP_REVIEWER})),
    # The page and endpoint of every module's visit kinds, here with monitoring's own kind (a warning's visit: the
    # page sends on to the warning's phone page, the endpoint records it as the warning's own does).
    Endpoint(
        "monitoring:visit_kind_phone",
        frozenset({Role.VILLAGE_WORKER, Role.TOWNSHIP_REVIEWER}),
        kwargs=lambda p: {"kind": "warning", "subject": _phone_alert(p)["pk"]},
        object_level=True,
        success=302,
    ),
    Endpoint(
        "monitoring:visit_kind_submit",
        frozenset({Role.VILLAGE_WORKER, Role.TOWNSHIP_REVIEWER}),
        method="post",
        kwargs=lambda p: {"kind": "warning", "subject": _phone_alert(p)["pk"]},
        data=_phone_fields,
        api=True,
        object_level=True,
        success=201,
    ),
)
