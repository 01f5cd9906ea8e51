"""Reads of the desk: the due work every module declares (``Module.due_work``) and the user's notices.

The desk knows no module: it reads the declarations, so a module added later puts its kinds of due work on the list
without an edit here. Each kind costs two queries (its count and its first rows), whatever the number of rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.utils import timezone

from minsheng.core.modules import DueItem, DueWork, derived, modules
from minsheng.desk.models import Notice

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from minsheng.core.typing import Actor

PAGE_SIZE = 25
# A page lists rows of each kind up to its own end: the last page reached is bounded so that a page never reads more
# than this many rows of one kind (page 20 of 25 rows).
MAX_ROWS = 500
# The counts in the navigation are read at most this often per user (seconds); notices are forgotten when sent.
BADGE_SECONDS = 120


@derived
def due_kinds() -> tuple[DueWork, ...]:
    """Every module's kinds of due work, by their order."""
    return tuple(sorted((w for m in modules() for w in m.due_work), key=lambda w: (w.order, w.key)))


def kinds_for(user: Actor) -> list[DueWork]:
    return [work for work in due_kinds() if user.has_perm(work.permission)]


@dataclass(frozen=True)
class DuePage:
    rows: list[DueItem]
    counts: list[tuple[DueWork, int]]  # every kind the user holds, with its count
    total: int  # the rows of the kinds shown (all of them, or the one filtered)
    page: int
    pages: int


def _order(item: DueItem) -> tuple[bool, dt.date, str]:
    """Soonest deadline first; rows without a deadline last."""
    return (item.deadline is None, item.deadline or dt.date.max, item.kind)


def due_page(*, user: Actor, today: dt.date, kind: str = "", page: int = 1) -> DuePage:
    """One page of the user's due work, every kind merged by deadline (or one kind)."""
    held = kinds_for(user)
    counts = [(work, work.count(user, today)) for work in held]
    shown = [(work, n) for work, n in counts if n and (not kind or work.key == kind)]
    total = sum(n for _work, n in shown)
    pages = max(1, min(-(-total // PAGE_SIZE), MAX_ROWS // PAGE_SIZE))
    page = min(max(page, 1), pages)
    end = page * PAGE_SIZE
    rows: list[DueItem] = []
    for work, _n in shown:
        rows.extend(work.items(user, today, end))
    rows.sort(key=_order)
    return DuePage(rows=rows[end - PAGE_SIZE : end], counts=counts, total=total, page=page, pages=pages)


def _badge_key(user: Actor) -> str:
    assignment = getattr(user, "active_assignment", None)
    return f"desk:todo:{user.pk}:{assignment.pk if assignment is not None else ''}"


def due_count(user: Actor | AnonymousUser) -> int:
    """How much is due for the user (the number beside 我的待办), read at most every ``BADGE_SECONDS``."""
    if not user.is_authenticated:
        return 0
    key = _badge_key(user)
    count = cache.get(key)
    if count is None:
        today = timezone.localdate()
        count = sum(work.count(user, today) for work in kinds_for(user))
        cache.set(key, count, BADGE_SECONDS)
    return int(count)


def unread_count(user: Actor | AnonymousUser) -> int:
    """The user's unread notices (kept in the cache until one is sent or read)."""
    if not user.is_authenticated:
        return 0
    key = f"desk:notices:{user.pk}"
    count = cache.get(key)
    if count is None:
        count = Notice.objects.filter(recipient_id=user.pk, read=False).count()
        cache.set(key, count, BADGE_SECONDS)
    return int(count)


def forget_badges(user_ids: Iterable[int]) -> None:
    cache.delete_many([f"desk:notices:{pk}" for pk in user_ids])


def notices_of(user: Actor, limit: int = 50) -> list[Notice]:
    return list(Notice.objects.filter(recipient_id=user.pk)[:limit])
