"""Policy simulation: every household with an economic status in an area under today's rules and under a changed
低保 standard, read set-based and assessed in slices (in parallel processes on PostgreSQL); run by a Celery task
that records progress county by county. The page starts a run with ``services.simulation_start``."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from celery import Task, shared_task
from django.db import connection, connections
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy

from minsheng.areas.codes import level_of, prefix_of
from minsheng.areas.models import Division
from minsheng.assistance.means.engine import HouseholdFacts, Result, assess
from minsheng.assistance.means.facts import CHUNK, RuleBook, current_statuses, facts_for_statuses
from minsheng.assistance.means.models import EconomicStatus, Simulation
from minsheng.assistance.programmes import Programme
from minsheng.core.db_router import reading_from_replica
from minsheng.core.jobs import job_finish, job_progress, job_run, redelivered


@dataclass
class Totals:
    """Who qualifies for 低保 and 特困 and what it costs per month."""

    dibao_households: int = 0
    dibao_persons: int = 0
    dibao_fen: int = 0
    tekun_persons: int = 0
    tekun_fen: int = 0
    edge_households: int = 0
    qualifying: set[int] = field(default_factory=set)  # households with any 低保 or 特困 payment

    def add(self, facts: HouseholdFacts, results: list[Result]) -> None:
        paid = False
        for r in results:
            if not r.eligible:
                continue
            if r.programme == Programme.DIBAO:
                self.dibao_persons += r.covered
                self.dibao_fen += r.monthly_fen
                if r.person_id is None:
                    self.dibao_households += 1
                paid = True
            elif r.programme == Programme.TEKUN:
                self.tekun_persons += 1
                self.tekun_fen += r.monthly_fen
                paid = True
            elif r.programme == Programme.EDGE:
                self.edge_households += 1
        if paid:
            self.qualifying.add(facts.household_id)

    def merge(self, other: Totals) -> None:
        self.dibao_households += other.dibao_households
        self.dibao_persons += other.dibao_persons
        self.dibao_fen += other.dibao_fen
        self.tekun_persons += other.tekun_persons
        self.tekun_fen += other.tekun_fen
        self.edge_households += other.edge_households
        self.qualifying |= other.qualifying

    @property
    def monthly_fen(self) -> int:
        return self.dibao_fen + self.tekun_fen

    def as_dict(self) -> dict[str, int]:
        return {
            "households": len(self.qualifying),
            "dibao_households": self.dibao_households,
            "dibao_persons": self.dibao_persons,
            "dibao_fen": self.dibao_fen,
            "tekun_persons": self.tekun_persons,
            "tekun_fen": self.tekun_fen,
            "edge_households": self.edge_households,
            "monthly_fen": self.monthly_fen,
        }


@dataclass
class SimulationResult:
    households_assessed: int
    before: Totals
    after: Totals

    @property
    def joining(self) -> int:
        return len(self.after.qualifying - self.before.qualifying)

    @property
    def leaving(self) -> int:
        return len(self.before.qualifying - self.after.qualifying)

    @property
    def budget_change_fen(self) -> int:
        return self.after.monthly_fen - self.before.monthly_fen

    def as_dict(self) -> dict[str, Any]:
        return {
            "households_assessed": self.households_assessed,
            "joining": self.joining,
            "leaving": self.leaving,
            "budget_change_fen": self.budget_change_fen,
            "before": self.before.as_dict(),
            "after": self.after.as_dict(),
        }


def area_prefixes(area_prefix: str) -> list[str]:
    """A city or province is read county by county, so that each read stays small and progress can be shown."""
    if len(area_prefix) >= 6:
        return [area_prefix]
    counties = (
        Division.objects.all()
        .filter(level=Division.Level.COUNTY, code__startswith=area_prefix)
        .order_by("code")
        .values_list("code", flat=True)
    )
    return [code[:6] for code in counties] or [area_prefix]


def _simulate_part(args: tuple[list[int], dt.date, int | None]) -> tuple[int, Totals, Totals]:
    """One slice of the simulation (up to 5,000 statuses, given by id): runs in a worker process or in place."""
    status_ids, on, standard_fen = args
    # unscoped: system job: a slice of the statuses chosen in the simulation's area; totals leave it
    statuses = EconomicStatus.objects.unscoped().filter(id__in=status_ids)
    book = RuleBook(on)
    before, after = Totals(), Totals()
    assessed = 0
    for facts in facts_for_statuses(statuses, on):
        rules = book.for_area(facts.area_code)
        before.add(facts, assess(facts, rules, explain=False, allowances=False))
        changed = rules if standard_fen is None else rules.with_standard(standard_fen)
        after.add(facts, assess(facts, changed, explain=False, allowances=False))
        assessed += 1
    return assessed, before, after


def _parallel(parts: list[Any]) -> Any:
    """Counties in parallel processes on PostgreSQL (a process per core); one after the other elsewhere, inside a
    transaction (other connections would not see its rows) or where processes cannot be started (a daemonic
    worker)."""
    workers = min(os.cpu_count() or 1, len(parts))
    serial = connection.vendor != "postgresql" or connection.in_atomic_block or multiprocessing.current_process().daemon
    if workers < 2 or serial:
        return map(_simulate_part, parts), None
    connections.close_all()  # each process opens its own connection
    pool = multiprocessing.get_context("fork").Pool(workers)
    return pool.imap(_simulate_part, parts), pool


def simulate(
    *,
    area_prefix: str,
    on: dt.date,
    standard_fen: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    statuses: QuerySet[EconomicStatus] | None = None,
) -> SimulationResult:
    """Every household with an economic status in the area (or the given ``statuses``), under the rules in force
    on ``on`` and under the same rules with the 低保 standard replaced by ``standard_fen``: who joins, who
    leaves, what the month costs. The facts are read set-based, 5,000 households a slice (slices in parallel
    processes on PostgreSQL); no query per household."""
    chosen = statuses if statuses is not None else current_statuses(area_prefix)
    ids = list(chosen.order_by("id").values_list("id", flat=True))
    # Slices of equal size keep both processes busy to the end (counties differ fourfold in size).
    parts = [ids[start : start + CHUNK] for start in range(0, len(ids), CHUNK)]
    results, pool = _parallel([(part, on, standard_fen) for part in parts])
    before, after = Totals(), Totals()
    assessed = 0
    try:
        for index, (count, part_before, part_after) in enumerate(results):
            assessed += count
            before.merge(part_before)
            after.merge(part_after)
            if progress is not None:
                progress(index + 1, len(parts))
    finally:
        if pool is not None:
            pool.close()
            pool.join()
    return SimulationResult(households_assessed=assessed, before=before, after=after)


def prefix_of_area(area_code: str) -> str:
    """The code without its trailing zero levels: 321302000000 → 321302 (a county), 321300000000 → 3213."""
    return prefix_of(area_code, level_of(area_code))


SIMULATION_FAILED = gettext_lazy("The simulation stopped because of an error on the server (%(kind)s).")


def simulation_run(simulation_id: int, *, redelivered: bool = False) -> Simulation:
    """Run the simulation job to its end (claimed by the core runner: a second delivery does not run it again)."""
    return job_run(Simulation, simulation_id, _simulation_run, fallback=SIMULATION_FAILED, redelivered=redelivered)


def _simulation_run(simulation: Simulation) -> None:
    started = time.perf_counter()
    # The facts are read from the replica when one is configured (the progress and the result are written to the
    # primary): a bulk read off the primary's cores.
    with reading_from_replica():
        outcome = simulate(
            area_prefix=prefix_of_area(simulation.area_code),
            on=simulation.from_month,
            standard_fen=simulation.standard_fen,
            progress=lambda done, total: job_progress(simulation, done, total),
        )
    job_finish(simulation, result=outcome.as_dict(), seconds=round(time.perf_counter() - started, 3))


@shared_task(bind=True, acks_late=True, name="assistance.run_simulation")
def run_simulation(self: Task[Any, Any], simulation_id: int) -> str:
    """Idempotent: a run claimed already is left alone; one whose worker died runs again from the start."""
    return simulation_run(simulation_id, redelivered=redelivered(self)).status
