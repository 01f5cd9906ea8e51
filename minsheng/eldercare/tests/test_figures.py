"""Elderly care's figures in the statistics summary: facilities by kind with their beds, the old people on the list,
visits owed, delivered and on time, per village and month."""

from __future__ import annotations

import pytest
from django.utils import timezone

from minsheng.core.months import month_of
from minsheng.eldercare import services
from minsheng.eldercare.tests import factories as f
from minsheng.statistics.models import Cell
from minsheng.statistics.refresh import cells_rebuild
from minsheng.testing import Personas

pytestmark = pytest.mark.django_db


def _cell(indicator: str, area: str, dimension: str = "") -> tuple[int, int]:
    month = month_of(timezone.localdate())
    row = Cell.objects.filter(indicator=indicator, area=int(area), month=month, dimension=dimension).first()
    return (row.value, row.value2) if row else (0, 0)


def test_the_summary_counts_facilities_elders_and_visits(personas: Personas) -> None:
    s = f.scenario(personas)
    f.facility(personas.village, beds=80)
    f.facility(personas.village, kind="station", beds=0)
    f.record(personas)
    services.compliance_compute(month=month_of(timezone.localdate()))
    cells_rebuild()
    village = personas.village.code
    assert _cell("care_facilities", village, "institution") == (1, 80)
    assert _cell("care_facilities", village, "station") == (1, 0)
    assert _cell("care_elders", village) == (1, 0)
    assert _cell("care_visits", village, "visit") == (1, 1)
    assert _cell("care_on_time", village, "visit") == (1, 1)
    assert _cell("care_elders", personas.county.code) == (1, 0)
    assert s["line"].owed == 1
