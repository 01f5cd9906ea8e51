"""The demo city's assistance caseload: economic statuses for the households the bureau would know
(``means.demo``), then the means-test engine decides who is enrolled.

The engine (:func:`minsheng.assistance.means.engine.assess`, fed by the set-based reader) decides, and every eligible
result becomes a benefit. The knobs of ``means.demo`` were tuned so that at ``--scale 1.0`` the outcome lands on the
published figures (BRIEF.md: 低保 137,000 persons; 特困 17,500; persons with disabilities in difficulty 84,000;
children in difficulty 9,597); ``make bench`` checks it.

Then the caseload moves (``demo_churn``): over the months of the demo's histories (``core.months.demo_history_months``:
the last complete half-year to the present), a seeded ``CHURN_PER_MILLE`` of the 低保 households a month join — their
benefit's first month is moved into the history — and as many leave: households the bureau knows whose income is now
above the line had a 低保 benefit since before the history, stopped at a review in a month of it. Joining and leaving
spread evenly over the same months, the stock at the end of the calibrated half-year and today is the engine's.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from minsheng.assistance.benefits.models import Benefit, BenefitChange
from minsheng.assistance.means.demo import CITY_PREFIX, demo_economic_statuses, reset_sequences
from minsheng.assistance.means.engine import assess
from minsheng.assistance.means.facts import RuleBook, current_statuses, facts_for_statuses
from minsheng.assistance.means.simulation import area_prefixes
from minsheng.assistance.programmes import Programme
from minsheng.core.months import add_months, demo_history_months, last_complete_half
from minsheng.people.models import Household

# Published figures at scale 1.0 (BRIEF.md), checked by the benchmark, never written.
TARGETS = {"dibao_persons": 137_000, "tekun_persons": 17_500, "disabled_in_difficulty": 84_000, "children": 9_597}

# The demo caseload is enrolled before the histories (payments/demo.py: from the last complete half-year to the present)
# start, so that every month of them pays the calibrated caseload: first months are spread from ENROLLED_FROM to the
# start of that half-year (``enrolled_by``).
ENROLLED_FROM = dt.date(2019, 1, 1)
# Of the 低保 households, this many per mille a month join during the histories, and as many leave.
CHURN_PER_MILLE = 8
STOP_REASON = "复核：家庭人均收入已高于当地低保标准，自次月起停发。"


def enrolled_by(today: dt.date) -> dt.date:
    """The enrolled caseload starts before this month: the first month of the last complete half-year."""
    return last_complete_half(today)[0]


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
    churn: ChurnCounts | None = None
    seconds: float = 0.0


def _months_between(start: dt.date, end: dt.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


def demo_enrol(*, seed: int, today: dt.date, progress: Callable[[str], None] | None = None) -> dict[str, int]:
    """Run the engine on every household with an economic status and enrol every eligible result that has no
    running benefit yet. Returns the benefits made per programme.

    Each benefit's first month is drawn from ``ENROLLED_FROM`` to the month before ``enrolled_by(today)``, and its
    next review is the first one after ``today`` on its own cycle from there."""
    book = RuleBook(today)
    last_first = enrolled_by(today)
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
            first_month = add_months(ENROLLED_FROM, rng.randint(0, _months_between(ENROLLED_FROM, last_first) - 1))
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


def _at(month: dt.date) -> dt.datetime:
    """A review recorded on the 20th of ``month``."""
    return timezone.make_aware(dt.datetime.combine(month.replace(day=20), dt.time(10)))


@dataclass
class ChurnCounts:
    joined: int = 0
    left: int = 0
    months: int = 0


def demo_churn(*, seed: int, today: dt.date) -> ChurnCounts:
    """Households joining and leaving 低保 in every month of the histories (see the module's docstring). Run once,
    after ``demo_enrol``: skipped when a 低保 benefit already starts inside the histories."""
    months = demo_history_months(today)
    counts = ChurnCounts(months=len(months))
    # unscoped: demo city built by the system: its whole 低保 caseload
    dibao = Benefit.objects.unscoped().filter(programme=Programme.DIBAO)
    if dibao.filter(first_month__gte=months[0]).exists():
        return counts
    rng = random.Random(f"{seed}:churn")
    enrolled = sorted(dibao.filter(status=Benefit.Status.ACTIVE).values_list("id", flat=True))
    movers = round(len(enrolled) * CHURN_PER_MILLE / 1000 * len(months))
    if not movers:
        return counts
    joiners = rng.sample(enrolled, min(movers, len(enrolled)))
    by_month: dict[dt.date, list[int]] = defaultdict(list)
    for index, pk in enumerate(joiners):
        by_month[months[index % len(months)]].append(pk)
    for month, ids in by_month.items():
        # unscoped: demo city built by the system: the joiners chosen above
        Benefit.objects.unscoped().filter(pk__in=ids).update(first_month=month)
    counts.joined = len(joiners)
    # Those who leave: known households, not on 低保 now, with a payee at their head.
    paid = set(dibao.values_list("household_id", flat=True))
    # unscoped: demo city built by the system: heads of the households the bureau knows
    heads = dict(
        Household.objects.unscoped()
        .filter(economic_statuses__isnull=False, memberships__relation="head", memberships__left_on__isnull=True)
        .values_list("id", "memberships__person_id")
    )
    # unscoped: demo city built by the system: their sizes and villages
    households = Household.objects.unscoped().filter(pk__in=list(heads), memberships__left_on__isnull=True)
    sizes = dict(households.annotate(n=Count("memberships")).values_list("id", "n"))
    areas = dict(households.values_list("id", "area_id"))
    candidates = sorted(pk for pk in heads if pk not in paid)
    leavers = rng.sample(candidates, min(movers, len(candidates)))
    book = RuleBook(months[0])
    last_first = enrolled_by(today)
    now = timezone.now()
    next_id = int(Benefit._base_manager.aggregate(m=Max("id"))["m"] or 0) + 1
    rows, changes = [], []
    for index, household_id in enumerate(leavers):
        area = areas[household_id]
        covered = sizes.get(household_id, 1)
        standard = book.for_area(area).standard_fen
        monthly = rng.randint(10, 40) * standard * covered // 100 // 100 * 100  # 10–40 % of the gap, whole yuan
        stopped_from = months[index % len(months)]
        first = add_months(ENROLLED_FROM, rng.randint(0, _months_between(ENROLLED_FROM, last_first) - 1))
        rows.append(
            Benefit(
                id=next_id,
                programme=Programme.DIBAO,
                household_id=household_id,
                payee_id=heads[household_id],
                area_code=area,
                category="income",
                covered=covered,
                monthly_fen=max(monthly, 100),
                first_month=first,
                review_months=12,
                next_review_on=stopped_from,
                status=Benefit.Status.STOPPED,
                stopped_from=stopped_from,
            )
        )
        changes.append(
            BenefitChange(
                benefit_id=next_id,
                kind=BenefitChange.Kind.STOP,
                effective_month=stopped_from,
                old_fen=max(monthly, 100),
                new_fen=0,
                reason=STOP_REASON,
                created_at=min(now, _at(add_months(stopped_from, -1))),
            )
        )
        next_id += 1
    with transaction.atomic():
        Benefit.objects.bulk_create(rows, batch_size=5000)
        BenefitChange.objects.bulk_create(changes, batch_size=5000)
    reset_sequences(Benefit)
    counts.left = len(rows)
    return counts


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
    counts.churn = demo_churn(seed=seed, today=today)
    counts.benefits = sum(counts.by_programme.values())
    counts.figures = published_figures()
    counts.seconds = time.perf_counter() - started
    return counts
