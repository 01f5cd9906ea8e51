"""The demo city: every installed module's demo step, in order."""

from __future__ import annotations

from minsheng.core.modules import DemoStep, modules


def demo_steps() -> list[DemoStep]:
    return sorted((step for module in modules() for step in module.demo), key=lambda step: step.order)
