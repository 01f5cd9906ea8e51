"""The demo step on a small city: the published facilities (at least one of each kind), the care list topped up to the
scaled published figure by the rules, orders, visits, compliance and settlements — once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from minsheng.core.months import month_of
from minsheng.eldercare import demo
from minsheng.eldercare.models import Elder, Facility, OrderLine, ServiceVisit, Settlement
from minsheng.payments.tests.factories import enrol
from minsheng.people.demo import demo_city
from minsheng.people.models import Membership

pytestmark = pytest.mark.django_db


def test_demo_step_reproduces_the_published_figures_once() -> None:
    demo_city(scale=0.0003, seed=7, today=timezone.localdate())
    # unscoped: the test's own small city
    heads = Membership.objects.unscoped().filter(relation="head").select_related("person").order_by("household_id")
    for membership in heads[::8]:
        enrol(membership.person, first_month=dt.date(2025, 1, 1))
    scale = 0.001  # 160 old people; every kind of facility at least once
    line = demo.demo_step(scale, 5, lambda text: None)
    assert line is not None and "160 old people on the care list" in line
    counts = {k: Facility.objects.unscoped().filter(kind=k).count() for k in demo.PUBLISHED}
    assert counts == {"institution": 1, "rural_centre": 1, "medical_care": 1, "station": 1, "day_care": 1}
    assert Elder.objects.unscoped().filter(active=True).count() == 160
    this = month_of(timezone.localdate())
    assert OrderLine.objects.unscoped().filter(month=this).count() >= 160
    last = month_of(this - dt.timedelta(days=1))
    ended = OrderLine.objects.unscoped().filter(month=last)
    owed = sum(ended.values_list("owed", flat=True))
    delivered = ServiceVisit.objects.unscoped().filter(line__month=last).count()
    assert owed > 0 and 0.8 * owed < delivered <= owed
    settled = Settlement.objects.unscoped().filter(month=last, status="paid")
    assert sum(settled.values_list("visit_count", flat=True)) == delivered
    # a second run adds nothing
    assert demo.demo_step(scale, 5, lambda text: None) is None
    assert Elder.objects.unscoped().filter(active=True).count() == 160
