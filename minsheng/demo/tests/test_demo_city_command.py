from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from django.core.management import call_command

from minsheng.core.modules import DemoStep
from minsheng.demo.management.commands import demo_city


def _steps(ran: list[int]) -> list[DemoStep]:
    def step(order: int) -> DemoStep:
        def run(scale: float, seed: int, say: Callable[[str], None]) -> str:
            ran.append(order)
            return f"step {order}"

        return DemoStep(order, run)

    return [step(10), step(20), step(30), step(1000)]


@pytest.mark.parametrize(
    ("until", "expected"),
    [(None, [10, 20, 30, 1000]), (20, [10, 20]), (25, [10, 20]), (10, [10]), (5, [])],
)
def test_until_stops_after_the_steps_of_that_order_or_less(
    monkeypatch: pytest.MonkeyPatch, until: int | None, expected: list[int]
) -> None:
    ran: list[int] = []
    monkeypatch.setattr(demo_city, "demo_steps", lambda: _steps(ran))
    out = io.StringIO()
    options = {} if until is None else {"until": until}
    call_command("demo_city", scale=0.01, stdout=out, **options)
    assert ran == expected
    assert [line for line in out.getvalue().splitlines() if line.startswith("step ")] == [f"step {n}" for n in expected]
    assert ("stopped after the steps of order" in out.getvalue()) is (until is not None and until < 1000)
