"""The demo city's assistance caseload: economic statuses for the households the bureau would know
(``means.demo``), then the means-test engine decides who is enrolled.

The engine (:func:`minsheng.assistance.means.engine.assess`, fed by the set-based reader) decides, and every eligible
result becomes a benefit. The knobs of ``means.demo`` were tuned so that at ``--scale 1.0`` the outcome lands on the
published figures (BRIEF.md: 低保 137,000 persons; 特困 17,500; persons with disabilities in difficulty 84,000;
children in difficulty 9,597); ``make bench`` checks it.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from minsheng.assistance.benefits.models import Benefit
from minsheng.assistance.means.demo import CITY_PREFIX, demo_economic_statuses, reset_sequences
from minsheng.assistance.means.engine import assess
from minsheng.assistance.means.facts import RuleBook, current_statuses, facts_for_statuses
from minsheng.assistance.means.simulation import area_prefixes
from minsheng.assistance.programmes import Programme
from minsheng.core.months import add_months
from minsheng.people.models import Household

# Published figures at scale 1.0 (BRIEF.md), checked by the benchmark, never written.
TARGETS = {"dibao_persons": 137_000, "tekun_persons": 17_500, "disabled_in_difficulty": 84_000, "children": 9_597}

# The demo caseload is enrolled before the payroll history (payments/demo.py, the first half of 2023) starts, so that
# every month of it pays the whole calibrated caseload: first months are spread over these four years.
ENROLLED_FROM = dt.date(2019, 1, 1)
ENROLLED_BY = dt.date(2023, 1, 1)
ENROLLED = (
    Programme.DIBAO,
    Programme.TEKUN,
    Programme.DISABILITY_LIVING,
    Programme.DISABILITY_CARE,
    Programme.ORPHAN,
    Programme.CHILD_ILL_DISABLED,
)


@dataclass
class ProgrammeCounts:
    statuses: int = 0
    lines: int = 0
    benefits: int = 0
    by_programme: dict[str, int] = field(default_factory=dict)
    figures: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def _months_between(start: dt.date, end: dt.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


def demo_enrol(*, seed: int, today: dt.date, progress: Callable[[str], None] | None = None) -> dict[str, int]:
    """Run the engine on every household with an economic status and enrol every eligible result that has no
    running benefit yet. Returns the benefits made per programme.

    Each benefit's first month is drawn between ``ENROLLED_FROM`` and ``ENROLLED_BY`` (never after ``today``'s
    month), and its next review is the first one after ``today`` on its own cycle from there."""
    book = RuleBook(today)
    # unscoped: demo city built by the system: the heads of households with an economic status
    heads = dict(
        Household.objects.unscoped()
        .filter(economic_statuses__isnull=False, memberships__relation="head", memberships__left_on__isnull=True)
        .values_list("id", "memberships__person_id")
    )
    # unscoped: demo city built by the system: benefits already running are not enrolled twice
    running = set(
        Benefit.objects.unscoped().exclude(status=Benefit.Status.STOPPED).values_list("programme", "payee_id")
    )
    made: dict[str, int] = defaultdict(int)
    next_id = int(Benefit._base_manager.aggregate(m=Max("id"))["m"] or 0) + 1
    for prefix in area_prefixes(CITY_PREFIX):
        rows = []
        for facts in facts_for_statuses(current_statuses(prefix), today):
            rules = book.for_area(facts.area_code)
            rng = random.Random(f"{seed}:enrol:{facts.household_id}")
            first_month = min(
                add_months(ENROLLED_FROM, rng.randint(0, _months_between(ENROLLED_FROM, ENROLLED_BY))),
                today.replace(day=1),
            )
            for result in assess(facts, rules, explain=False):
                if not result.eligible or result.programme not in ENROLLED:
                    continue
                payee = result.person_id or heads.get(facts.household_id)
                if payee is None or (result.programme, payee) in running:
                    continue
                running.add((result.programme, payee))
                if result.programme == Programme.DIBAO:
                    months = rules.review_months.get(result.review_class, 12)
                elif result.programme == Programme.TEKUN:
                    months = rules.tekun_review_months
                else:
                    months = 12
                next_review = first_month
                while next_review <= today:
                    next_review = add_months(next_review, months)
                rows.append(
                    Benefit(
                        id=next_id,
                        programme=result.programme,
                        household_id=facts.household_id,
                        payee_id=payee,
                        area_code=facts.area_code,
                        category=result.category or result.review_class,
                        covered=result.covered or 1,
                        monthly_fen=result.monthly_fen,
                        first_month=first_month,
                        review_months=months,
                        next_review_on=next_review,
                    )
                )
                next_id += 1
                made[result.programme] += 1
        with transaction.atomic():
            Benefit.objects.bulk_create(rows, batch_size=5000)
        if progress:
            progress(f"county {prefix}: {len(rows):,} benefits")
    reset_sequences(Benefit)
    return dict(made)


def published_figures() -> dict[str, int]:
    """The four published figures, counted from the running benefits."""
    # unscoped: demo city built by the system: the published figures count every running benefit
    running = Benefit.objects.unscoped().exclude(status=Benefit.Status.STOPPED)
    dibao = running.filter(programme=Programme.DIBAO)
    disabled = running.filter(programme__in=[Programme.DISABILITY_LIVING, Programme.DISABILITY_CARE])
    children = running.filter(programme__in=[Programme.ORPHAN, Programme.CHILD_ILL_DISABLED])
    return {
        "dibao_persons": sum(dibao.values_list("covered", flat=True)),
        "tekun_persons": running.filter(programme=Programme.TEKUN).count(),
        "disabled_in_difficulty": disabled.values("payee_id").distinct().count(),
        "children": children.values("payee_id").distinct().count(),
    }


def demo_programmes(
    *, seed: int, today: dt.date | None = None, progress: Callable[[str], None] | None = None
) -> ProgrammeCounts:
    started = time.perf_counter()
    today = today or timezone.localdate()
    counts = ProgrammeCounts()
    counts.statuses = demo_economic_statuses(seed=seed, today=today, progress=progress)
    counts.by_programme = demo_enrol(seed=seed, today=today, progress=progress)
    counts.benefits = sum(counts.by_programme.values())
    counts.figures = published_figures()
    counts.seconds = time.perf_counter() - started
    return counts
