"""An id or number in a page's query or form that is not one (``²``: a digit to isdigit(), not to int(); 40 digits;
a word) is a 404 or the form's own refusal, never a 500 (core/numbers.py is the one reader)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from minsheng.accounts.roles import Role
from minsheng.intake.tests.endpoints import _application
from minsheng.testing import Personas, make_person

pytestmark = pytest.mark.django_db

NOT_IDS = ["²", "9" * 40, "abc", "-1"]


def _client(personas: Personas, role: str) -> Client:
    client = Client()
    client.force_login(personas[role])
    return client


@pytest.mark.parametrize("value", NOT_IDS)
@pytest.mark.parametrize("key", ["case", "person"])
def test_temporary_assistance_for_a_case_or_person_that_is_no_id_is_a_404(
    personas: Personas, key: str, value: str
) -> None:
    response = _client(personas, Role.TOWNSHIP_WINDOW).get(reverse("assistance:temporary_new"), {key: value})
    assert response.status_code == 404


def test_temporary_assistance_still_opens_for_a_real_person_and_without_one(personas: Personas) -> None:
    client = _client(personas, Role.TOWNSHIP_WINDOW)
    person = make_person(personas.village)
    assert client.get(reverse("assistance:temporary_new"), {"person": str(person.pk)}).status_code == 200
    assert client.get(reverse("assistance:temporary_new"), {"person": ""}).status_code == 200


@pytest.mark.parametrize("value", NOT_IDS)
def test_merging_records_that_are_no_ids_is_a_404(personas: Personas, value: str) -> None:
    keep = make_person(personas.village)
    response = _client(personas, Role.COUNTY_APPROVER).post(
        reverse("people:merge"), {"keep": str(keep.pk), "duplicate": value, "reason": "重复"}
    )
    assert response.status_code == 404


@pytest.mark.parametrize("value", NOT_IDS)
def test_transferring_to_a_department_that_is_no_id_asks_for_the_department(personas: Personas, value: str) -> None:
    case = _application(personas).cases.get()
    response = _client(personas, Role.DEPARTMENT_HANDLER).post(
        reverse("intake:case_transfer", kwargs={"pk": case.pk}), {"department": value, "reason": "属住建"}, follow=True
    )
    assert response.redirect_chain == [(reverse("intake:inbox"), 302)]
    assert "请选择转办部门。" in response.content.decode()
    case.refresh_from_db()
    assert case.department.code == "education"


@pytest.mark.parametrize("value", ["²", "9" * 40, "abc"])
def test_the_calendar_of_a_year_that_is_no_number_shows_this_year(personas: Personas, value: str) -> None:
    response = _client(personas, Role.CITY_ADMIN).get(reverse("workdays:calendar"), {"year": value})
    assert response.status_code == 200


@pytest.mark.parametrize(("value", "selected"), [("²", False), ("9" * 40, False), ("abc", False), ("1", True)])
def test_the_public_price_report_preselects_only_a_real_facility_id(value: str, selected: bool) -> None:
    response = Client().get(reverse("funeral:public_report"), {"facility": value})
    assert response.status_code == 200
    assert (response.context["form"].initial.get("facility") == 1) is selected


@pytest.mark.parametrize(
    ("line", "error"),
    [("手机 × 2", False), ("手机 × 32767", False), ("手机 × 32768", True), ("手机 × 0", True), ("手机 × ²", False)],
)
def test_a_belonging_quantity_beyond_its_column_is_refused_by_the_form(line: str, error: bool) -> None:
    from minsheng.relief.forms import AdmissionForm
    from minsheng.relief.models import Station

    form = AdmissionForm({"belongings": line}, stations=Station.objects.none())
    form.is_valid()
    assert ("belongings" in form.errors) is error, form.errors.get("belongings")
