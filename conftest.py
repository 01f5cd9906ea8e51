from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """Load the bundled division tree once into the test database."""
    from minsheng.areas.services import divisions_load_bundled

    with django_db_blocker.unblock():
        divisions_load_bundled()


@pytest.fixture
def personas(db):  # type: ignore[no-untyped-def]
    from minsheng.testing import build_personas

    # A transactional test (the browser tests) empties the tables behind it; build_personas reloads them.
    return build_personas()


@pytest.fixture(autouse=True)
def _empty_cache():  # type: ignore[no-untyped-def]
    """Each test starts with an empty cache: the header's to-do counts are cached per user id, and ids come again
    after the tables are emptied, so one test's counts must not show in the next."""
    from django.core.cache import cache

    cache.clear()
    yield
