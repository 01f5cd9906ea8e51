from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from minsheng.accounts.roles import Role
from minsheng.catalog.models import Item
from minsheng.core.sms import LogSmsSender
from minsheng.intake.models import Notification
from minsheng.intake.notifications import deadlines_sweep
from minsheng.intake.services import ItemRequest, application_submit, case_decide
from minsheng.testing import Personas, make_person

if TYPE_CHECKING:
    from minsheng.accounts.models import User

pytestmark = pytest.mark.django_db


def _submit(p: Personas, **person: object) -> object:
    school = Item.objects.get(number=30)
    return application_submit(
        actor=p[Role.VILLAGE_WORKER],
        person=make_person(p.village, **person),  # type: ignore[arg-type]
        requests=[ItemRequest(item=school, materials_provided=tuple(school.materials))],
        on_behalf=True,
    )


def _notices(user: User) -> list[str]:
    return list(Notification.objects.filter(recipient=user).order_by("kind").values_list("kind", flat=True))


def test_a_new_item_reaches_its_department_and_the_decision_reaches_the_applicant(
    personas: Personas, django_capture_on_commit_callbacks: object
) -> None:
    application = _submit(personas, phone="13912345678", phone_masked="139****5678")
    handler = personas[Role.DEPARTMENT_HANDLER]
    assert _notices(handler) == ["new_case"]
    assert _notices(personas.outsider(Role.DEPARTMENT_HANDLER)) == []
    LogSmsSender.sent.clear()
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        case_decide(actor=handler, case=application.cases.get(), granted=True, reason="符合条件")  # type: ignore[attr-defined]
    assert len(LogSmsSender.sent) == 1
    phone, text = LogSmsSender.sent[0]
    assert phone == "13912345678" and application.receipt_number in text and "符合条件" in text  # type: ignore[attr-defined]


def test_the_sweep_warns_escalates_and_is_idempotent(personas: Personas) -> None:
    application = _submit(personas)
    case = application.cases.get()  # type: ignore[attr-defined]
    handler, city_admin = personas[Role.DEPARTMENT_HANDLER], personas[Role.CITY_ADMIN]
    due_day = case.deadline - dt.timedelta(days=1)
    counts = deadlines_sweep(today=due_day)
    assert counts["due_soon"] == 1 and _notices(handler) == ["due_soon", "new_case"]
    late = case.deadline + dt.timedelta(days=2)
    assert deadlines_sweep(today=late) == {"due_soon": 0, "overdue": 1, "escalated": 1}
    deadlines_sweep(today=late)  # again: nothing new
    assert _notices(handler) == ["due_soon", "new_case", "overdue"]
    assert _notices(city_admin) == ["escalated"]  # the county decides this item: the city is above it
    assert Notification.objects.count() == 4
    call_command("sweep_deadlines")


def test_the_notices_page_shows_and_marks_read(personas: Personas) -> None:
    _submit(personas)
    client = Client()
    client.force_login(personas[Role.DEPARTMENT_HANDLER])
    home = client.get(reverse("home")).content.decode()
    assert 'id="unread-count">1<' in home
    page = client.get(reverse("intake:notifications")).content.decode()
    assert "义务教育家庭经济困难学生生活补助" in page
    assert 'id="unread-count"' not in client.get(reverse("home")).content.decode()


def test_the_sweep_reads_a_fixed_number_of_queries_whatever_the_number_of_cases(personas: Personas) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for(applications: int) -> int:
        Notification.objects.all().delete()
        cases = [_submit(personas).cases.get() for _ in range(applications)]  # type: ignore[attr-defined]
        Notification.objects.all().delete()
        late = max(c.deadline for c in cases) + dt.timedelta(days=2)
        with CaptureQueriesContext(connection) as captured:
            counts = deadlines_sweep(today=late)
        assert counts["overdue"] == len(ItemCaseModel.objects.unscoped().filter(status="accepted"))
        return len(captured)

    from minsheng.intake.models import ItemCase as ItemCaseModel

    assert queries_for(2) == queries_for(6)
