from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from minsheng.accounts.roles import Role
from minsheng.audit.models import AuditEvent
from minsheng.catalog.models import Department, Item, ItemRevision
from minsheng.catalog.services import item_update
from minsheng.testing import Personas

pytestmark = pytest.mark.django_db


def test_the_catalogue_ships_54_items_of_22_departments() -> None:
    assert Item.objects.count() == 54
    assert Department.objects.count() == 22
    used = Department.objects.filter(items__isnull=False).distinct().count()
    assert used == 20  # 财政 (funding) and 税务/不动产 (verification) own no item; see DOMAIN §7
    assert sorted(Item.objects.get(number=8).owners.values_list("code", flat=True)) == [
        "civil_affairs",
        "disabled_federation",
    ]
    assert sorted(Item.objects.get(number=54).owners.values_list("code", flat=True)) == ["power_supply", "water_gas"]
    dibao = Item.objects.get(number=1)
    assert (dibao.kind, dibao.time_limit_days, dibao.time_limit_is_demo, dibao.needs_verification) == (
        "monthly",
        30,
        False,
        True,
    )
    assert sorted(dibao.follow_on.values_list("number", flat=True)) == [24, 25, 54]
    assert Item.objects.get(number=6).deciding_level == "township"


def test_an_edit_keeps_the_history_and_is_audited(personas: Personas) -> None:
    admin = personas[Role.CITY_ADMIN]
    item = Item.objects.get(number=24)
    revision = item_update(
        actor=admin,
        item=item,
        changes={"time_limit_days": 15, "time_limit_is_demo": False, "materials": ["住院费用清单", " ", "出院小结"]},
        reason="市医保局承诺时限",
    )
    assert revision is not None
    item.refresh_from_db()
    assert (item.time_limit_days, item.time_limit_is_demo, item.materials) == (15, False, ["住院费用清单", "出院小结"])
    assert (revision.before["time_limit_days"], revision.after["time_limit_days"]) == (20, 15)
    assert ItemRevision.objects.count() == 1
    event = AuditEvent.objects.unscoped().get(action="catalog.item_changed")
    assert (event.reason, event.area_code) == ("市医保局承诺时限", personas.city.code)
    assert item_update(actor=admin, item=item, changes={"time_limit_days": 15}, reason="再次") is None


def test_only_city_administrators_edit_and_bad_values_are_refused(personas: Personas) -> None:
    item = Item.objects.get(number=24)
    with pytest.raises(PermissionDenied):
        item_update(actor=personas[Role.COUNTY_APPROVER], item=item, changes={"time_limit_days": 3}, reason="x")
    admin = personas[Role.CITY_ADMIN]
    with pytest.raises(ValidationError):
        item_update(actor=admin, item=item, changes={"owners": []}, reason="x")
    with pytest.raises(ValidationError):
        item_update(actor=admin, item=item, changes={"time_limit_days": 0}, reason="x")
    with pytest.raises(ValidationError):
        item_update(actor=admin, item=item, changes={"follow_on": [item]}, reason="x")
    item.refresh_from_db()
    assert item.time_limit_days == 20 and not ItemRevision.objects.exists()


def test_the_catalogue_pages(personas: Personas) -> None:
    client = Client()
    client.force_login(personas[Role.VILLAGE_WORKER])
    page = client.get(reverse("catalog:item_list")).content.decode()
    assert "最低生活保障" in page and "水电气费用减免" in page
    assert client.post(reverse("catalog:item_detail", args=[1]), {"reason": "x"}).status_code == 403
    admin = Client()
    admin.force_login(personas[Role.CITY_ADMIN])
    form = admin.get(reverse("catalog:item_detail", args=[24])).context["form"]
    data = {k: v for k, v in form.initial.items() if v not in (None, False)}
    data["owners"] = [d.pk for d in data["owners"]]
    data["follow_on"] = [i.pk for i in data.get("follow_on", [])]
    data.update(time_limit_days="12", reason="承诺时限")
    response = admin.post(reverse("catalog:item_detail", args=[24]), data)
    assert response.status_code == 302
    assert Item.objects.get(number=24).time_limit_days == 12
