"""Who is a child in difficulty (DOMAIN §6.2), derived set-based from the registry and the programmes and kept current
(``categories_refresh``, daily and after the demo): 孤儿 and 事实无人抚养 (the living allowance paid for the child, the
registry's two dead parents, or the director's determination with its evidence), 低保/特困 family children (a current
member of a household the programme pays), 重病重残 (the allowance, a grade 1–2 disability certificate in force, or a
serious illness in the registry). Other children needing help are recorded by the director."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q

from minsheng.assistance.benefits.models import Benefit
from minsheng.assistance.programmes import Programme
from minsheng.audit.services import audit_record
from minsheng.children.models import Category, Child
from minsheng.children.rules import rules_for
from minsheng.people.models import DisabilityCertificate, Membership, Person


@dataclass
class RefreshCounts:
    children: int = 0
    opened: int = 0
    changed: int = 0


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def derived_categories(today: dt.date, *, person_ids: list[int] | None = None) -> dict[int, set[str]]:
    """Person id → the categories the data gives, for living children under the adult age (the city's value)."""
    adult = rules_for("", today).adult_age
    born_after = _add_years(today, -adult)
    # unscoped: system job: the whole registry's children are classified set-based
    persons = Person.objects.unscoped().filter(status=Person.Status.LIVING, birth_date__gt=born_after)
    if person_ids is not None:
        persons = persons.filter(pk__in=person_ids)
    children = persons.values("pk")
    found: dict[int, set[str]] = defaultdict(set)
    # unscoped: system job: the benefits paid for children, city-wide
    running = Benefit.objects.unscoped().exclude(status=Benefit.Status.STOPPED)
    for payee, programme, category in running.filter(
        programme__in=[Programme.ORPHAN, Programme.CHILD_ILL_DISABLED], payee__in=children
    ).values_list("payee_id", "programme", "category"):
        if programme == Programme.CHILD_ILL_DISABLED:
            found[payee].add(Category.ILL_DISABLED)
        else:
            found[payee].add(Category.DE_FACTO if category == "de_facto" else Category.ORPHAN)
    poor = running.filter(programme__in=[Programme.DIBAO, Programme.TEKUN]).values("household_id")
    # unscoped: system job: current members of the households the programmes pay
    for person_id in (
        Membership.objects.unscoped()
        .filter(household_id__in=poor, left_on__isnull=True, person__in=children)
        .values_list("person_id", flat=True)
    ):
        found[person_id].add(Category.POOR_FAMILY)
    # unscoped: system job: grade 1-2 certificates in force of children
    for person_id in (
        DisabilityCertificate.objects.unscoped()
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today), grade__lte=2, person__in=children)
        .values_list("person_id", flat=True)
    ):
        found[person_id].add(Category.ILL_DISABLED)
    for person_id in persons.filter(illnesses__isnull=False).values_list("pk", flat=True).distinct():
        found[person_id].add(Category.ILL_DISABLED)
    # The registry: a child of the household whose head and spouse have both died.
    # unscoped: system job: households with two dead parents
    dead_parents = (
        Membership.objects.unscoped()
        .filter(relation__in=["head", "spouse"], person__status=Person.Status.DECEASED)
        .values("household_id")
        .annotate(n=Count("id"))
        .filter(n__gte=2)
        .values("household_id")
    )
    # unscoped: system job: the children of those households
    for person_id in (
        Membership.objects.unscoped()
        .filter(household_id__in=dead_parents, relation="child", left_on__isnull=True, person__in=children)
        .values_list("person_id", flat=True)
    ):
        found[person_id].add(Category.ORPHAN)
    # The director's determination of 事实无人抚养 with its evidence stands until the case closes.
    # unscoped: system job: cases with a determination
    for person_id in (
        Child.objects.unscoped()
        .filter(de_facto_on__isnull=False, status=Child.Status.OPEN, person__in=children)
        .values_list("person_id", flat=True)
    ):
        found[person_id].add(Category.DE_FACTO)
    for categories in found.values():
        if Category.ORPHAN in categories:
            categories.discard(Category.DE_FACTO)
    return found


@transaction.atomic
def categories_refresh(*, today: dt.date, person_ids: list[int] | None = None) -> RefreshCounts:
    """Open a case for every child the data names who has none, and bring every open case's derived categories up to
    date (a category the data no longer gives is dropped; the case stays open until its director closes it).
    Set-based: a few reads, one bulk insert, one bulk update; one system audit event per county changed."""
    found = derived_categories(today, person_ids=person_ids)
    counts = RefreshCounts()
    # unscoped: system job: every open case is compared with the data
    cases = Child.objects.unscoped().filter(status=Child.Status.OPEN)
    if person_ids is not None:
        cases = cases.filter(person_id__in=person_ids)
    existing = {c.person_id: c for c in cases.only("id", "person_id", "derived_categories", "area_code")}
    # unscoped: system job: a closed case is not opened again by the data (its director reopens it)
    closed = set(Child.objects.unscoped().filter(status=Child.Status.CLOSED).values_list("person_id", flat=True))
    changed: list[Child] = []
    for case in existing.values():
        now = sorted(found.get(case.person_id, set()))
        if now != sorted(case.derived_categories):
            case.derived_categories = now
            changed.append(case)
    new_ids = [pid for pid in found if pid not in existing and pid not in closed]
    # unscoped: system job: the villages of the new children
    villages = dict(Person.objects.unscoped().filter(pk__in=new_ids).values_list("pk", "residence_area__code"))
    rows = [
        Child(person_id=pid, area_code=villages[pid], derived_categories=sorted(found[pid]), opened_on=today)
        for pid in new_ids
        if villages.get(pid)
    ]
    Child.objects.bulk_create(rows, batch_size=5000)
    # unscoped: system job: the cases compared above
    Child.objects.unscoped().bulk_update(changed, ["derived_categories"], batch_size=5000)
    counts.opened, counts.changed, counts.children = len(rows), len(changed), len(existing) + len(rows)
    counties = sorted({c.area_code[:6] for c in [*rows, *changed]})
    for county in counties:
        audit_record(
            actor=None,
            action="children.categories_refreshed",
            kind="system",
            area_code=county.ljust(12, "0"),
            object_type="children.child",
            after={"opened": sum(1 for r in rows if r.area_code.startswith(county)), "on": today.isoformat()},
        )
    return counts
