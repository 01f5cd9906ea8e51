"""The demo step on a small city: the published figures scaled, generated in SQL from the registry."""

from __future__ import annotations

import pytest
from django.db.models import Count, Sum
from django.utils import timezone

from minsheng.people.demo import demo_city
from minsheng.people.models import Person
from minsheng.volunteers import demo
from minsheng.volunteers.models import Activity, Membership, MonthlyHours, ServiceRecord, Team, Volunteer
from minsheng.volunteers.rules import star_for, star_thresholds

pytestmark = pytest.mark.django_db


def test_the_demo_registers_adult_residents_in_teams_with_a_year_of_hours() -> None:
    today = timezone.localdate()
    demo_city(scale=0.0003, seed=7, today=today)
    done = demo.demo_volunteers(scale=0.001, seed=7, today=today)
    # unscoped: the test's own small city
    volunteers = Volunteer.objects.unscoped()
    assert done.volunteers == volunteers.count() == 1540
    assert done.teams == Team.objects.unscoped().count() == 7  # 7,212 × 0.001
    # Each volunteer is a resident: the same blind index, name and masked number; aged 18 to 70.
    # unscoped: the test's own small city
    persons = {p.id_index: p for p in Person.objects.unscoped().filter(id_index__in=volunteers.values("id_index"))}
    assert len(persons) == 1540
    for v in volunteers[:50]:
        p = persons[v.id_index]
        assert (v.name, v.id_masked, v.birth_date, v.area_code) == (
            p.name,
            p.id_masked,
            p.birth_date,
            p.residence_area_id,
        )
        assert v.id_number == p.id_number
        age = today.year - v.birth_date.year - ((today.month, today.day) < (v.birth_date.month, v.birth_date.day))
        assert 18 <= age <= 70
    # One team each, of their own village when it has one (a small city has fewer teams than villages).
    assert Membership.objects.count() == 1540
    assert Membership.objects.values("volunteer").distinct().count() == 1540
    with_team = set(Team.objects.unscoped().values_list("area_code", flat=True))
    for m in Membership.objects.select_related("team", "volunteer"):
        assert m.team.area_code == m.volunteer.area_code or m.volunteer.area_code not in with_team
    # An activity per team and month for twelve months; the records' hours are the monthly totals.
    assert Activity.objects.unscoped().count() == done.activities == 7 * 12
    records = ServiceRecord.objects.unscoped()
    assert records.count() == done.records > 0
    assert MonthlyHours.objects.aggregate(h=Sum("hours_tenths"))["h"] == records.aggregate(h=Sum("hours_tenths"))["h"]
    assert len(MonthlyHours.objects.values("month").annotate(n=Count("id"))) == 12
    # Stars follow the stored hours.
    thresholds = star_thresholds("321300", today)
    assert all(v.star == star_for(v.hours_tenths, thresholds) for v in volunteers)
    assert {v.star for v in volunteers} >= {0, 1, 5}
    # A second run adds nothing.
    assert demo.demo_volunteers(scale=0.001, seed=7, today=today).volunteers == 0
