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
    assert "¥880.00" in page and "示例值" in page
    assert "88000" not in page and "{&#x27;" not in page  # no fen, no Python dicts
    assert "新值" not in page  # no editing without the right


def test_every_seeded_value_fits_its_rule(personas: Personas) -> None:
    from minsheng.assistance.rules.services import validate_value
    from minsheng.assistance.rules.specs import SPEC_BY_KEY

    rows = list(Parameter.objects.all())
    assert {row.key for row in rows} <= set(SPEC_BY_KEY)
    for row in rows:
        assert validate_value(row.key, row.value) == row.value, row.key


def test_bands_and_tiers_show_as_tables_in_yuan(personas: Personas) -> None:
    client = Client()
    client.force_login(personas[Role.VILLAGE_WORKER])
    page = client.get(reverse("assistance:rules")).content.decode()
    # 特困 care tiers: one row per self-care level, amounts in 元.
    assert "<td>全护理</td><td>¥600.00</td>" in page
    assert "<td>90 周岁</td><td>¥100.00</td>" in page  # 尊老金 from 90
    assert "<td>24 个月</td><td>0 个</td><td>1 个</td>" in page  # the asset limits record


def _post(client: Client, **data: object) -> str:
    base = {"area_prefix": "3213", "valid_from": "2026-07-01", "source": "宿迁市2026年通知"}
    return client.post(reverse("assistance:rules"), {**base, **data}, follow=True).content.decode()


def test_a_tier_table_is_entered_row_by_row_in_yuan(personas: Personas) -> None:
    client = Client()
    client.force_login(personas[Role.CITY_ADMIN])
    form = client.get(reverse("assistance:rules") + "?edit=tekun.care_tiers").content.decode()
    assert 'name="r0_fen" value="600.00"' in form and 'name="r3_fen" value=""' in form
    _post(
        client,
        key="tekun.care_tiers",
        r0_level="fully_unable",
        r0_fen="650",
        r1_level="partly_unable",
        r1_fen="320.50",
        r2_level="able",
        r2_fen="110",
        r3_level="",
        r3_fen="",
    )
    row = parameter_for("tekun.care_tiers", area_code=personas.village.code, on=D(2026, 7, 1))
    assert row.value == [
        {"level": "fully_unable", "fen": 65000},
        {"level": "partly_unable", "fen": 32050},
        {"level": "able", "fen": 11000},
    ]


def test_single_values_records_and_choices_are_entered_through_the_form(personas: Personas) -> None:
    client = Client()
    client.force_login(personas[Role.CITY_ADMIN])
    _post(client, key="dibao.standard", value="920.50")
    _post(client, key="dibao.refused_jobs", r0_offers="3", r0_share_cut="1")
    _post(client, key="disability.living_allowance_groups", choice=["dibao"])
    village, on = personas.village.code, D(2026, 7, 1)
    assert parameter_for("dibao.standard", area_code=village, on=on).value == 92050
    assert parameter_for("dibao.refused_jobs", area_code=village, on=on).value == {"offers": 3, "share_cut": "1"}
    assert parameter_for("disability.living_allowance_groups", area_code=village, on=on).value == ["dibao"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"key": "dibao.standard", "value": "abc"}, "为单位填写数字金额"),
        ({"key": "dibao.standard", "value": "0"}, "不得小于 1。"),
        ({"key": "dibao.edge_multiplier", "value": "3.5"}, "不得大于 3。"),
        ({"key": "tekun.care_tiers", "r0_level": "able", "r0_fen": "-1"}, "每月照料护理费"),
        ({"key": "tekun.care_tiers", "r0_level": "", "r0_fen": "100"}, "自理能力：请填写。"),
        ({"key": "dibao.refused_jobs", "r0_offers": "2.5", "r0_share_cut": "1"}, "请填写整数"),
    ],
)
def test_bad_values_are_refused_in_chinese(personas: Personas, data: dict[str, str], message: str) -> None:
    client = Client()
    client.force_login(personas[Role.CITY_ADMIN])
    before = Parameter.objects.count()
    page = _post(client, **data)
    assert message in page
    assert Parameter.objects.count() == before
