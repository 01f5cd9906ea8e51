"""Demo step (filled in below)."""

from __future__ import annotations

from collections.abc import Callable


def demo_step(scale: float, seed: int, say: Callable[[str], None]) -> str | None:
    return None
