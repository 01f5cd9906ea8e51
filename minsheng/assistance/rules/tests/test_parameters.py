from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from minsheng.accounts.roles import Role
from minsheng.assistance.rules.models import Parameter
from minsheng.assistance.rules.selectors import MissingParameter, parameter_for
from minsheng.assistance.rules.services import parameter_set
from minsheng.audit.models import AuditEvent
from minsheng.testing import Personas

pytestmark = pytest.mark.django_db

D = dt.date


def test_the_value_in_force_depends_on_the_date_and_the_most_specific_area(personas: Personas) -> None:
    village = personas.village.code
    assert parameter_for("dibao.standard", area_code=village, on=D(2024, 6, 30)).value == 80000
    assert parameter_for("dibao.standard", area_code=village, on=D(2024, 7, 1)).value == 84000
    assert parameter_for("dibao.edge_multiplier", area_code=village, on=D(2025, 1, 1)).value == "1.5"
    admin = personas[Role.CITY_ADMIN]
    parameter_set(
        actor=admin,
        key="dibao.standard",
        area_prefix="321302",
        valid_from=D(2025, 7, 1),
        value=90000,
        source="宿城区试点通知",
        is_demo=False,
    )
    county = parameter_for("dibao.standard", area_code=village, on=D(2025, 8, 1))
    city = parameter_for("dibao.standard", area_code=personas.other_village.code, on=D(2025, 8, 1))
    assert (county.value, county.is_demo, city.value, city.is_demo) == (90000, False, 88000, True)
    with pytest.raises(MissingParameter):
        parameter_for("dibao.standard", area_code=village, on=D(2020, 1, 1))
    with pytest.raises(MissingParameter):
        parameter_for("dibao.standard", area_code="320300000000", on=D(2025, 8, 1))  # 徐州: none entered


def test_a_new_value_closes_the_previous_one_and_keeps_history(personas: Personas) -> None:
    admin = personas[Role.CITY_ADMIN]
    new = parameter_set(
        actor=admin,
        key="dibao.standard",
        area_prefix="3213",
        valid_from=D(2026, 7, 1),
        value=92000,
        source="宿迁市2026年标准通知",
        is_demo=False,
    )
    rows = list(Parameter.objects.filter(key="dibao.standard", area_prefix="3213").order_by("valid_from"))
    assert [(r.valid_from, r.valid_to, r.value) for r in rows] == [
        (D(2023, 7, 1), D(2024, 6, 30), 80000),
        (D(2024, 7, 1), D(2025, 6, 30), 84000),
        (D(2025, 7, 1), D(2026, 6, 30), 88000),
        (D(2026, 7, 1), None, 92000),
    ]
    event = AuditEvent.objects.unscoped().get(action="assistance.parameter_set")
    assert event.before == {"value": 88000, "valid_from": "2025-07-01"} and event.object_id == str(new.pk)
    with pytest.raises(ValidationError):  # out of date order
        parameter_set(
            actor=admin,
            key="dibao.standard",
            area_prefix="3213",
            valid_from=D(2026, 1, 1),
            value=1,
            source="x",
            is_demo=False,
        )
    for bad in (-1, 1.5, "800"):
        with pytest.raises(ValidationError):
            parameter_set(
                actor=admin,
                key="dibao.standard",
                area_prefix="3213",
                valid_from=D(2027, 7, 1),
                value=bad,
                source="x",
                is_demo=False,
            )
    with pytest.raises(PermissionDenied):
        parameter_set(
            actor=personas[Role.COUNTY_APPROVER],
            key="dibao.standard",
            area_prefix="3213",
            valid_from=D(2027, 7, 1),
            value=1,
            source="x",
            is_demo=False,
        )


def test_the_rules_page_labels_demo_values(personas: Personas) -> None:
    client = Client()
    client.force_login(personas[Role.VILLAGE_WORKER])
    page = client.get(reverse("assistance:rules")).content.decode()
    assert "88000" in page and "示例值" in page
