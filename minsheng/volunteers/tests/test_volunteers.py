"""Registration (real name, ID checked, minors' consent), teams, service records (a day's hours, no double record)
and star levels by cumulative hours."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from minsheng.accounts.roles import Role
from minsheng.assistance.rules.models import Parameter
from minsheng.audit.models import AuditEvent
from minsheng.core.crypto import blind_index
from minsheng.people.services import id_lookup_key
from minsheng.testing import Personas
from minsheng.volunteers import services
from minsheng.volunteers.models import MonthlyHours, ServiceRecord, Volunteer
from minsheng.volunteers.rules import star_for, star_thresholds
from minsheng.volunteers.tests.factories import activity, id_number, team, volunteer

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 5)


def _register(p: Personas, **fields: object) -> Volunteer:
    data = services.VolunteerData(**{"name": "李𪚥", "area_code": p.village.code, **fields})  # type: ignore[arg-type]
    return services.volunteer_register(actor=p[Role.TOWNSHIP_WINDOW], data=data, today=TODAY)


def test_registration_stores_the_id_as_the_registry_does(personas: Personas) -> None:
    number = id_number(dt.date(1990, 5, 6))
    v = _register(personas, id_number=number.lower(), phone="13812345678")
    assert v.name == "李𪚥"  # a 生僻字 of Extension B is a real name
    assert v.id_index == blind_index(number) == id_lookup_key(number)
    assert v.id_masked == number[:6] + "********" + number[-4:]
    assert v.phone_masked == "138****5678"
    assert v.birth_date == dt.date(1990, 5, 6)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM volunteers_volunteer WHERE id = %s", [v.pk])
        stored_id, stored_phone = cursor.fetchone()
    assert stored_id.startswith("1$") and number not in stored_id
    assert stored_phone.startswith("1$")
    event = AuditEvent.objects.unscoped().get(action="volunteers.registered")
    assert event.after is not None
    assert event.after["id"] == v.id_masked and number not in str(event.after)


def test_a_bad_id_number_or_a_second_registration_is_refused(personas: Personas) -> None:
    number = id_number()
    bad = number[:17] + ("0" if number[17] != "0" else "1")
    with pytest.raises(ValidationError) as error:
        _register(personas, id_number=bad)
    assert "id_number" in error.value.message_dict
    _register(personas, id_number=number)
    with pytest.raises(ValidationError) as error:
        _register(personas, id_number=number, name="王芳")
    assert error.value.message_dict["id_number"] == ["该身份证号已注册为志愿者。"]
    assert Volunteer.objects.unscoped().count() == 1


def test_a_minor_needs_a_guardians_consent(personas: Personas) -> None:
    minor = id_number(dt.date(2010, 3, 1))  # 16 on TODAY
    with pytest.raises(ValidationError) as error:
        _register(personas, id_number=minor)
    assert "guardian_name" in error.value.message_dict
    assert error.value.message_dict["guardian_name"] == [
        "该志愿者未满18周岁：未成年人须经监护人同意方可注册，请填写监护人姓名和同意日期。"
    ]
    assert Volunteer.objects.unscoped().count() == 0
    v = _register(personas, id_number=minor, guardian_name="李建国", guardian_consent_on=dt.date(2026, 11, 30))
    assert (v.guardian_name, v.guardian_consent_on) == ("李建国", dt.date(2026, 11, 30))
    # The day before the 18th birthday still counts as a minor; on it, no consent is needed.
    almost = id_number(dt.date(2008, 12, 6))
    with pytest.raises(ValidationError):
        _register(personas, id_number=almost)
    adult = _register(personas, id_number=id_number(dt.date(2008, 12, 5)))
    assert adult.guardian_consent_on is None


def test_registering_outside_ones_areas_is_refused(personas: Personas) -> None:
    data = services.VolunteerData(name="王芳", id_number=id_number(), area_code=personas.village.code)
    with pytest.raises(PermissionDenied):
        services.volunteer_register(actor=personas.outsider(Role.TOWNSHIP_WINDOW), data=data)
    assert Volunteer.objects.unscoped().count() == 0


def test_hours_are_recorded_once_per_activity_and_at_most_a_day(personas: Personas) -> None:
    actor = personas[Role.TOWNSHIP_WINDOW]
    v = volunteer(personas)
    t = team(personas)
    services.team_join(actor=actor, team=t, volunteer=v)
    day = timezone.localdate() - dt.timedelta(days=1)
    first = activity(personas, t, held_on=day, tenths=150)
    rows = services.service_record(actor=actor, activity=first, served=[services.Served(v, 150, "陪老人聊天")])
    assert [(r.hours_tenths, r.area_code) for r in rows] == [(150, personas.village.code)]
    # The same volunteer and activity again (a double submit): refused, nothing doubled.
    with pytest.raises(ValidationError) as error:
        services.service_record(actor=actor, activity=first, served=[services.Served(v, 150, "陪老人聊天")])
    assert error.value.message_dict == {"volunteer": ["张伟在此项服务的时长已记录，不能重复记录。"]}
    # A second activity the same day: 15 + 10 > 24 hours.
    second = activity(personas, t, held_on=day, tenths=100)
    with pytest.raises(ValidationError) as error:
        services.service_record(actor=actor, activity=second, served=[services.Served(v, 100, "打扫卫生")])
    assert error.value.message_dict == {"hours": [f"张伟在{day.isoformat()}已记录15小时，再加上本次将超过单日24小时。"]}
    rows = services.service_record(actor=actor, activity=second, served=[services.Served(v, 90, "打扫卫生")])
    v.refresh_from_db()
    assert (v.hours_tenths, v.star) == (240, 0)
    assert ServiceRecord.objects.unscoped().count() == 2
    month = MonthlyHours.objects.get()
    assert (month.area_code, month.month, month.hours_tenths, month.records) == (
        personas.village.code,
        day.replace(day=1),
        240,
        2,
    )
    # The database refuses a second record of the same volunteer and activity, whatever the code does.
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceRecord.objects.create(
            volunteer=v, activity=first, area_code=v.area_code, served_on=day, hours_tenths=1, content="x"
        )


def test_future_dates_and_bad_hours_are_refused(personas: Personas) -> None:
    actor = personas[Role.TOWNSHIP_WINDOW]
    v = volunteer(personas)
    t = team(personas)
    later = activity(personas, t, held_on=timezone.localdate() + dt.timedelta(days=3))
    with pytest.raises(ValidationError) as error:
        services.service_record(actor=actor, activity=later, served=[services.Served(v, 10, "x")])
    assert error.value.message_dict == {"served_on": ["不能记录未来日期的服务。"]}
    now = activity(personas, t)
    with pytest.raises(ValidationError) as error:
        services.service_record(actor=actor, activity=now, served=[services.Served(v, 0, "x")])
    assert "hours" in error.value.message_dict
    assert ServiceRecord.objects.unscoped().count() == 0


def test_star_levels_follow_the_thresholds(personas: Personas) -> None:
    thresholds = star_thresholds(personas.village.code, TODAY)
    assert thresholds == [(5, 15000), (4, 10000), (3, 6000), (2, 3000), (1, 1000)]
    assert [star_for(h, thresholds) for h in (0, 999, 1000, 2999, 3000, 6000, 9999, 10000, 14999, 15000, 99999)] == [
        0,
        0,
        1,
        1,
        2,
        3,
        3,
        4,
        4,
        5,
        5,
    ]


def test_stars_are_a_stored_column_updated_set_based(personas: Personas) -> None:
    a, b, c = volunteer(personas, "甲"), volunteer(personas, "乙"), volunteer(personas, "丙")
    Volunteer.objects.unscoped().filter(pk=a.pk).update(hours_tenths=999)
    Volunteer.objects.unscoped().filter(pk=b.pk).update(hours_tenths=6000)
    Volunteer.objects.unscoped().filter(pk=c.pk).update(hours_tenths=20000)
    assert services.stars_refresh() == 2  # a stays at 0; b and c change
    stars = dict(Volunteer.objects.unscoped().values_list("name", "star"))
    assert stars == {"甲": 0, "乙": 3, "丙": 5}
    assert services.stars_refresh() == 0  # nothing changes twice
    # New thresholds (a rule change) restar everyone in one pass.
    Parameter.objects.filter(key="volunteers.star_hours").update(
        value=[{"star": 1, "hours": 50}, {"star": 2, "hours": 99}, {"star": 3, "hours": 700}]
    )
    assert services.stars_refresh() == 3
    assert dict(Volunteer.objects.unscoped().values_list("name", "star")) == {"甲": 2, "乙": 2, "丙": 3}


def test_crossing_a_threshold_by_a_record_sets_the_star(personas: Personas) -> None:
    actor = personas[Role.TOWNSHIP_WINDOW]
    v = volunteer(personas)
    Volunteer.objects.unscoped().filter(pk=v.pk).update(hours_tenths=990)
    t = team(personas)
    services.service_record(
        actor=actor, activity=activity(personas, t, tenths=10), served=[services.Served(v, 10, "x")]
    )
    v.refresh_from_db()
    assert (v.hours_tenths, v.star) == (1000, 1)


def test_team_names_are_unique_in_an_area_and_membership_once(personas: Personas) -> None:
    actor = personas[Role.TOWNSHIP_WINDOW]
    t = team(personas)
    with pytest.raises(ValidationError):
        team(personas)
    v = volunteer(personas)
    services.team_join(actor=actor, team=t, volunteer=v)
    with pytest.raises(ValidationError):
        services.team_join(actor=actor, team=t, volunteer=v)
    assert t.memberships.count() == 1


def test_search_by_name_pinyin_id_team_and_area_within_scope(personas: Personas) -> None:
    from minsheng.volunteers.selectors import VolunteerQuery, volunteer_search

    actor = personas[Role.TOWNSHIP_WINDOW]
    zhang, chang, li = volunteer(personas, "张伟"), volunteer(personas, "章伟"), volunteer(personas, "李娜")
    t = team(personas)
    services.team_join(actor=actor, team=t, volunteer=li)

    def names(user: object = actor, **query: object) -> list[str]:
        return [v.name for v in volunteer_search(user=user, query=VolunteerQuery(**query))]  # type: ignore[arg-type]

    assert names(text="张") == ["张伟"]
    assert names(text="zhangw") == ["张伟", "章伟"]  # the same sound, ordered by pinyin then id
    assert names(text=chang.id_number) == ["章伟"]
    assert names(text=zhang.id_number[:17] + "0" if zhang.id_number[17] != "0" else zhang.id_number[:17] + "1") == []
    assert names(team=t.pk) == ["李娜"]
    assert names(area=personas.village.code) == ["张伟", "章伟", "李娜"]
    assert names(area=personas.other_village.code) == []
    assert names(user=personas.outsider(Role.TOWNSHIP_WINDOW), text="张") == []
    assert len(names(page=2)) == 0
