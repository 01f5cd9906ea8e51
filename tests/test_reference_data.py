"""The reference rows the data migrations seed (rules, data sources, departments, items, illnesses, calendar years)
come back whole when a browser test has emptied the tables: ``ensure_reference_data`` reloads them from the same
migrations, so a new seeding migration missing from its list fails here, not in a browser test."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import Model

from minsheng.assistance.rules.models import Parameter
from minsheng.exchange.models import DataSource
from minsheng.testing import ensure_reference_data

pytestmark = pytest.mark.django_db


def _rows(model: type[Model]) -> list[tuple[Any, ...]]:
    fields = [f.attname for f in model._meta.concrete_fields if f.attname not in ("id", "created_at", "updated_at")]
    return sorted((tuple(str(v) for v in row) for row in model._default_manager.values_list(*fields)), key=str)


@pytest.mark.parametrize("model", [Parameter, DataSource])
def test_emptied_reference_rows_are_reloaded_as_the_migrations_seeded_them(model: type[Model]) -> None:
    seeded = _rows(model)
    assert seeded
    model._default_manager.all().delete()
    ensure_reference_data()
    assert _rows(model) == seeded
