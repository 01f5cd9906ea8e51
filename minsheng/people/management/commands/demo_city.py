from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from minsheng.assistance.demo import demo_programmes
from minsheng.assistance.demo_temporary import demo_temporary_history
from minsheng.intake.demo import demo_history
from minsheng.payments.demo import demo_payroll_history
from minsheng.people.demo import PERSONS_AT_SCALE_1, demo_city
from minsheng.statistics.models import Cell
from minsheng.statistics.refresh import cells_rebuild


class Command(BaseCommand):
    help = (
        "Fill the Suqian villages with synthetic residents: about 5 million at --scale 1.0. "
        "Villages that have residents already are left alone, so a second run adds nothing. Also a year of "
        "one-window history (consultations and applications at the published volumes) when there is none."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", type=float, default=0.01, help="1.0 is about 5,000,000 persons")
        parser.add_argument("--seed", type=int, default=2023)

    def handle(self, *args: Any, scale: float, seed: int, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("demo_city refuses to run with MINSHENG_ENV=production")
        if not 0 < scale <= 2:
            raise CommandError("--scale must be above 0 and at most 2")
        self.stdout.write(
            f"demo city: about {int(PERSONS_AT_SCALE_1 * scale):,} residents (scale {scale}, seed {seed})"
        )
        step = {"last": 0}

        def progress(done: int, total: int, persons: int) -> None:
            percent = 100 * done // total
            if percent >= step["last"] + 10 or done == total:
                step["last"] = percent
                self.stdout.write(f"  {percent:3d}%  {done}/{total} villages, {persons:,} residents")

        try:
            counts = demo_city(scale=scale, seed=seed, progress=progress)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        programmes = demo_programmes(seed=seed, progress=lambda text: self.stdout.write(f"  {text}"))
        figures = ", ".join(f"{name} {value:,}" for name, value in programmes.figures.items())
        self.stdout.write(
            f"assistance: {programmes.statuses:,} economic statuses, {programmes.benefits:,} benefits enrolled by the "
            f"means test ({figures}) in {programmes.seconds:.1f}s"
        )
        history = demo_history(scale=scale, seed=seed)
        self.stdout.write(
            f"one window: {history.consultations:,} consultations, {history.applications:,} applications "
            f"({history.cases:,} items, {history.overdue:,} overdue) over the past year"
        )
        payroll = demo_payroll_history(seed=seed, progress=lambda text: self.stdout.write(f"  {text}"))
        if payroll.batches:
            self.stdout.write(
                f"payroll 2023-01 to 2023-06: {payroll.batches} batches, {payroll.paid:,} lines paid, "
                f"{payroll.failed} failed, {payroll.reissued} re-issued, {payroll.held} held back "
                f"({payroll.payees_without_account} payees without an account); "
                f"¥{payroll.paid_fen / 100:,.2f} paid in the half year in {payroll.seconds:.1f}s"
            )
            for programme, (payees, persons, fen) in payroll.by_programme.items():
                self.stdout.write(
                    f"  {programme}: {payees:,} payees ({persons:,} persons covered) paid for 2023-06, "
                    f"¥{fen / 100:,.2f} in the half year"
                )
        temporary = demo_temporary_history(scale=scale, seed=seed)
        if temporary.persons:
            self.stdout.write(
                f"temporary assistance 2023-01 to 2023-06: {temporary.persons:,} persons helped, "
                f"¥{temporary.paid_fen / 100:,.2f} paid"
            )
        # The demo writes in bulk, without audit events: the statistics are rebuilt from the records here rather
        # than left for the dashboard to notice the new rows.
        started = time.perf_counter()
        cells_rebuild()
        self.stdout.write(
            f"statistics: {Cell.objects.count():,} summary cells rebuilt in {time.perf_counter() - started:.1f}s"
        )
        self.stdout.write(
            f"added {counts.persons:,} residents in {counts.households:,} households over {counts.villages} villages "
            f"({counts.certificates:,} disability certificates, {counts.illnesses:,} serious illnesses) "
            f"in {counts.seconds:.1f}s"
        )
