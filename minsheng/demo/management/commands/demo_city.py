from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from minsheng.demo.city import demo_steps
from minsheng.people.demo import PERSONS_AT_SCALE_1
from minsheng.statistics.tasks import refresh_paused


class Command(BaseCommand):
    help = (
        "Fill the Suqian villages with synthetic residents (about 5 million at --scale 1.0) and let every module add "
        "its demo records (Module.demo, in order). Each step adds nothing when its records are there already, so a "
        "second run adds nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", type=float, default=0.01, help="1.0 is about 5,000,000 persons")
        parser.add_argument("--seed", type=int, default=2023)
        parser.add_argument(
            "--until",
            type=int,
            default=None,
            metavar="ORDER",
            help="stop after the steps of order ORDER or less (10 persons, 20 assistance caseload, 30 intake, …)",
        )

    def handle(self, *args: Any, scale: float, seed: int, until: int | None = None, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("demo_city refuses to run with MINSHENG_ENV=production")
        if not 0 < scale <= 2:
            raise CommandError("--scale must be above 0 and at most 2")
        self.stdout.write(
            f"demo city: about {int(PERSONS_AT_SCALE_1 * scale):,} residents (scale {scale}, seed {seed})"
        )
        # The statistics' own step rebuilds the summary at the end: no refresh after each step's changes.
        with refresh_paused():
            for step in demo_steps():
                if until is not None and step.order > until:
                    self.stdout.write(f"demo city: stopped after the steps of order {until} or less (--until)")
                    break
                try:
                    line = step.run(scale, seed, self.stdout.write)
                except ValueError as exc:
                    raise CommandError(str(exc)) from None
                if line:
                    self.stdout.write(line)
