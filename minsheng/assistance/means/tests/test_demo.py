"""The demo economic statuses' seeded draws: a tuned rate adds cases and never reshuffles them."""

from __future__ import annotations

import random

from minsheng.assistance.means.demo import _per_mille


def draws(rate: float, n: int = 20_000) -> set[int]:
    return {i for i in range(n) if _per_mille(random.Random(f"7:{i}"), rate)}


def test_a_whole_rate_is_the_plain_per_mille_draw() -> None:
    assert draws(53.0) == {i for i in range(20_000) if random.Random(f"7:{i}").randrange(1000) < 53}


def test_a_higher_rate_adds_cases_to_a_lower_ones() -> None:
    low, middle, high = draws(53.0), draws(55.8), draws(56.0)
    assert low < middle < high
    # Between the whole milles only the boundary mille's fraction is drawn.
    boundary = {i for i in range(20_000) if random.Random(f"7:{i}").randrange(1000) == 55}
    assert high - middle <= boundary
    assert middle - draws(55.0) <= boundary


def test_rate_zero_draws_nobody() -> None:
    assert draws(0.0) == set()
