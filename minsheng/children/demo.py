"""The demo city's children in difficulty (demo step 87, after the caseload, the window, monitoring and social;
before the statistics): the workforce (a supervisor in 95 of the townships, a director in 1,401 villages: the
published figures, whatever the scale, since every division exists at every scale), the register opened set-based
from the registry and the programmes (``categories_refresh``), an assessment per child with realistic colours, half a
year of visits (mostly on time), case plans for the red and orange children, 145 children's homes and 30 practice
bases, and care projects (400 at scale 1.0) serving 1,000 children once each. Written in bulk (the statistics step
rebuilds the summary afterwards); a second run adds nothing."""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable

from django.db import connection, transaction
from django.utils import timezone

from minsheng.accounts.models import RoleAssignment, User
from minsheng.areas.models import Division
from minsheng.children.categories import categories_refresh
from minsheng.children.models import (
    Assessment,
    CarePlace,
    CareProject,
    CasePlan,
    CaseVisit,
    Child,
    Enrolment,
    PlanService,
)
from minsheng.children.rules import colour_for, rules_for, stage_of
from minsheng.core.months import demo_history_months

CITY = "3213"
# The published figures (BRIEF.md, end of Q2 2023), reproduced at scale 1.0; places and posts at every scale.
TARGETS = {
    "townships_with_supervisor": 95,
    "villages_with_director": 1401,
    "childrens_homes": 145,
    "practice_bases": 30,
    "care_projects": 400,
    "children_served": 1000,
}
# Colours drawn for the children's assessments (per mille), and the factor that gives each by the demo rules.
COLOURS = (("red", 30, ["abuse"]), ("orange", 120, ["guardian_unable"]), ("yellow", 350, ["out_of_school"]))
ON_TIME_PER_MILLE = 880


def wanted(scale: float) -> dict[str, int]:
    found = dict(TARGETS)
    for key in ("care_projects", "children_served"):
        found[key] = max(1, round(TARGETS[key] * scale))
    return found


def _workforce(seed: int) -> tuple[int, int]:
    divisions = Division.objects.filter(code__startswith=CITY)
    townships = list(divisions.filter(level="township").order_by("code"))
    villages = list(divisions.filter(level="village").order_by("code"))
    rng = random.Random(f"{seed}:children:workforce")
    chosen = [
        ("child_supervisor", d)
        for d in rng.sample(townships, min(len(townships), TARGETS["townships_with_supervisor"]))
    ]
    chosen += [
        ("child_director", d) for d in rng.sample(villages, min(len(villages), TARGETS["villages_with_director"]))
    ]
    users = []
    for role, division in chosen:
        user = User(
            username=f"{'dudao' if role == 'child_supervisor' else 'ertong'}-{division.code}",
            display_name=f"{division.name}{'儿童督导员' if role == 'child_supervisor' else '儿童主任'}",
            home_area=division,
        )
        user.set_unusable_password()
        users.append(user)
    User.objects.bulk_create(users, batch_size=2000)
    made = {u.username: u for u in User.objects.filter(username__in=[u.username for u in users])}
    RoleAssignment.objects.bulk_create(
        [
            RoleAssignment(user=made[u.username], role=role, division=division)
            for u, (role, division) in zip(users, chosen, strict=True)
        ],
        batch_size=2000,
    )
    return sum(1 for r, _ in chosen if r == "child_supervisor"), sum(1 for r, _ in chosen if r == "child_director")


def _cases(seed: int, today: dt.date) -> dict[str, int]:
    """Assessments, visits and plans for the register just opened (set-based, in memory, bulk-written)."""
    rules = rules_for("", today)
    directors = dict(RoleAssignment.objects.filter(role="child_director").values_list("division__code", "user_id"))
    anyone = next(iter(directors.values()), None)
    if anyone is None:
        return {}
    first = demo_history_months(today)[0]
    # unscoped: demo city built by the system: every case just opened
    cases = list(Child.objects.unscoped().filter(status=Child.Status.OPEN, colour=""))
    assessments, visits, plans = [], [], []
    for case in cases:
        rng = random.Random(f"{seed}:children:{case.person_id}")
        draw, colour, factors = rng.randrange(1000), "green", ["poverty"]
        for name, per_mille, found in COLOURS:
            if draw < per_mille:
                colour, factors = name, found
                break
            draw -= per_mille
        assert colour_for(factors, rules.bands) == colour
        assessed = first - dt.timedelta(days=rng.randint(1, 60))
        by = directors.get(case.area_code, anyone)
        assessments.append(
            Assessment(
                child=case,
                assessed_on=assessed,
                factors=factors,
                colour=colour,
                rule=rules.risk_rule,
                assessed_by_id=by,
            )
        )
        interval = rules.interval(colour)
        due, last = assessed + dt.timedelta(days=interval), None
        while due <= today:
            late = rng.randrange(1000) >= ON_TIME_PER_MILLE
            day = min(
                today,
                due + dt.timedelta(days=rng.randint(1, 20)) if late else due - dt.timedelta(days=rng.randint(0, 10)),
            )
            visits.append(
                CaseVisit(
                    child=case,
                    visited_on=day,
                    colour=colour,
                    due_on=due,
                    on_time=day <= due,
                    area_code=case.area_code,
                    recorded_by_id=by,
                )
            )
            last, due = day, day + dt.timedelta(days=interval)
        case.colour, case.last_visit_on, case.next_visit_due = colour, last, due
        case.opened_on = min(case.opened_on, assessed)
        has_plan = colour in ("red", "orange")
        if has_plan:
            plans.append((case, assessed, by))
        case.stage = stage_of(closed=False, assessed=True, plan_open=has_plan, services=1 if has_plan else 0)
    with transaction.atomic():
        Assessment.objects.bulk_create(assessments, batch_size=5000)
        CaseVisit.objects.bulk_create(visits, batch_size=5000)
        made = CasePlan.objects.bulk_create(
            [
                CasePlan(child=c, goal="落实监护责任，保障基本生活和就学", made_on=on, made_by_id=by)
                for c, on, by in plans
            ],
            batch_size=5000,
        )
        PlanService.objects.bulk_create(
            [
                PlanService(
                    plan=p,
                    service="每月入户探访并链接心理辅导",
                    responsible="儿童主任",
                    follow_up_on=p.made_on + dt.timedelta(days=30),
                )
                for p in made
            ],
            batch_size=5000,
        )
        # One parameterised UPDATE per case, sent as a batch (bulk_update's CASE over 5,000 ids a statement took
        # minutes at scale 1.0).
        table = connection.ops.quote_name(Child._meta.db_table)
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET colour = %s, last_visit_on = %s, next_visit_due = %s, opened_on = %s, stage = %s "
                "WHERE id = %s",
                [(c.colour, c.last_visit_on, c.next_visit_due, c.opened_on, c.stage, c.pk) for c in cases],
            )
    return {"assessed": len(assessments), "visits": len(visits), "plans": len(plans)}


def _places_and_projects(seed: int, scale: float, today: dt.date) -> dict[str, int]:
    rng = random.Random(f"{seed}:children:places")
    want = wanted(scale)
    villages = list(Division.objects.filter(code__startswith=CITY, level="village").order_by("code"))
    townships = list(Division.objects.filter(code__startswith=CITY, level="township").order_by("code"))
    places = [
        CarePlace(
            kind="home", name=f"{v.name}儿童之家", area_code=v.code, opened_on=dt.date(2020 + rng.randint(0, 2), 6, 1)
        )
        for v in rng.sample(villages, want["childrens_homes"])
    ] + [
        CarePlace(kind="base", name=f"{t.name}未成年人保护实践基地", area_code=t.code, opened_on=dt.date(2021, 9, 1))
        for t in rng.sample(townships, want["practice_bases"])
    ]
    CarePlace.objects.bulk_create(places)
    start = demo_history_months(today)[-1]
    projects = []
    for i in range(want["care_projects"]):
        township = rng.choice(townships)
        projects.append(
            CareProject(
                name=("爱心暑托班", "周末课堂", "心理关爱小组", "四点半课堂")[i % 4] + f"（{township.name}）",
                area_code=township.code,
                capacity=30,
                starts_on=start,
                ends_on=start + dt.timedelta(days=rng.randint(40, 180)),
            )
        )
    CareProject.objects.bulk_create(projects)
    pool: dict[str, list[int]] = {}
    # unscoped: demo city built by the system: the children near each project's township
    for pk, area in Child.objects.unscoped().filter(status=Child.Status.OPEN).values_list("pk", "area_code"):
        pool.setdefault(area[:9], []).append(pk)
    enrolments, served = [], 0
    for project in rng.sample(projects, len(projects)):
        if served >= want["children_served"]:
            break
        nearby = pool.get(project.area_code[:9], [])
        take = min(len(nearby), want["children_served"] - served, rng.randint(1, 5))
        for child_id in rng.sample(nearby, take):
            enrolments.append(Enrolment(project=project, child_id=child_id, enrolled_on=project.starts_on))
        served += take
    Enrolment.objects.bulk_create(enrolments)
    return {"places": len(places), "projects": len(projects), "served": len(enrolments)}


def demo_children(*, scale: float, seed: int, today: dt.date | None = None) -> dict[str, int]:
    today = today or timezone.localdate()
    if RoleAssignment.objects.filter(role="child_director").exists():
        return {}
    counts: dict[str, int] = {}
    counts["supervisors"], counts["directors"] = _workforce(seed)
    refreshed = categories_refresh(today=today)
    counts["cases"] = refreshed.opened
    counts |= _cases(seed, today) if refreshed.opened else {}
    counts |= _places_and_projects(seed, scale, today)
    return counts


def demo_step(scale: float, seed: int, say: Callable[[str], None]) -> str | None:
    started = time.perf_counter()
    counts = demo_children(scale=scale, seed=seed)
    if not counts:
        return None
    return (
        f"children in difficulty: {counts['cases']:,} case files, {counts.get('visits', 0):,} visits, "
        f"{counts['supervisors']} supervisors, {counts['directors']:,} directors, {counts['places']} places, "
        f"{counts['projects']} projects serving {counts['served']:,} children ({time.perf_counter() - started:.1f} s)"
    )
