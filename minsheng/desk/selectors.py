"""Reads of the desk: the due work every module declares (``Module.due_work``) and the user's notices.

The desk knows no module: it reads the declarations, so a module added later puts its kinds of due work on the list
without an edit here. Each kind costs two queries (its count and the rows of the page after the kind's position),
whatever the number of rows and however deep the page.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core import signing
from django.core.cache import cache
from django.utils import timezone

from minsheng.core.keyset import BadCursor
from minsheng.core.modules import DUE_COUNT_CAP, DueItem, DuePosition, DueWork, badge_text, derived, modules
from minsheng.desk.models import Notice

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from minsheng.core.typing import Actor

PAGE_SIZE = 25
# The counts in the navigation are read at most this often per user (seconds); notices are forgotten when sent.
BADGE_SECONDS = 120
# The next page's cursor: where each kind stands (signed, so that a user cannot hand-craft one).
CURSOR_SALT = "minsheng.keyset.desk.todo"


@derived
def due_kinds() -> tuple[DueWork, ...]:
    """Every module's kinds of due work, by their order."""
    return tuple(sorted((w for m in modules() for w in m.due_work), key=lambda w: (w.order, w.key)))


def kinds_for(user: Actor) -> list[DueWork]:
    return [work for work in due_kinds() if user.has_perm(work.permission)]


@dataclass(frozen=True)
class DuePage:
    """One page of the to-do list; it is also the page ``components/pagination.html`` shows the next link of."""

    rows: list[DueItem]
    counts: list[tuple[DueWork, int]]  # every kind the user holds, with its count (capped: ``count_due``)
    total: int  # the rows of the kinds shown (all of them, or the one filtered), each kind's up to the cap
    next_cursor: str = ""
    first: bool = True  # the first page (no cursor in the address)
    keyset: bool = True
    count_capped: bool = False  # a kind shown has more rows than the cap: the total is "more than"

    @property
    def has_next(self) -> bool:
        return bool(self.next_cursor)

    @property
    def has_previous(self) -> bool:
        return False  # the list moves forwards; "from the top" is the page's own link

    @property
    def count(self) -> int:
        return self.total

    @property
    def badges(self) -> list[tuple[DueWork, int, str]]:
        """Every kind held with its count and the badge's text ("99+" above the cap)."""
        return [(work, n, badge_text(n)) for work, n in self.counts]


def _position(value: Any) -> DuePosition:
    if not (isinstance(value, list) and len(value) == 2 and isinstance(value[1], int)):
        raise BadCursor
    at, pk = value
    if at is None:
        return DuePosition(None, pk)
    if not isinstance(at, str) or len(at) > 40:
        raise BadCursor
    try:
        return DuePosition(dt.date.fromisoformat(at) if len(at) == 10 else dt.datetime.fromisoformat(at), pk)
    except ValueError as exc:
        raise BadCursor from exc


def _read_cursor(cursor: str) -> dict[str, DuePosition]:
    if len(cursor) > 4000:
        raise BadCursor
    try:
        payload = signing.loads(cursor, salt=CURSOR_SALT)
    except (signing.BadSignature, ValueError, TypeError, UnicodeError) as exc:
        raise BadCursor from exc
    if not isinstance(payload, dict) or len(payload) > 200:
        raise BadCursor
    return {str(kind): _position(value) for kind, value in payload.items()}


def _write_cursor(positions: dict[str, DuePosition]) -> str:
    def plain(at: dt.date | dt.datetime | None) -> str | None:
        return at.isoformat() if at is not None else None

    payload = {kind: [plain(p.at), p.id] for kind, p in positions.items()}
    return signing.dumps(payload, salt=CURSOR_SALT, compress=True)


def _by_deadline(item: DueItem) -> tuple[bool, dt.date]:
    """Soonest deadline first; rows without a deadline last."""
    return (item.deadline is None, item.deadline or dt.date.max)


def due_page(*, user: Actor, today: dt.date, kind: str = "", cursor: str = "") -> DuePage:
    """One page of the user's due work, every kind merged by deadline (or one kind), after ``cursor``.

    Each kind's provider reads at most a page and one row after where that kind stands (the cursor holds each kind's
    position: its last row shown); the sorted, limited lists are merged (soonest deadline first, rows without one
    last, then by the kinds' order) and the page's rows move each kind's position on. The cost of a page is two
    queries a kind, whatever the number of rows due and however deep the page. BadCursor: not a cursor of this list.
    """
    held = kinds_for(user)
    counts = [(work, work.count(user, today)) for work in held]
    cache.set(_badge_key(user), sum(n for _work, n in counts), BADGE_SECONDS)  # the header reads these, not again
    shown = [work for work, n in counts if n and (not kind or work.key == kind)]
    total = sum(min(n, DUE_COUNT_CAP) for work, n in counts if work in shown)
    capped = any(n > DUE_COUNT_CAP for work, n in counts if work in shown)
    positions = _read_cursor(cursor) if cursor else {}
    streams = []
    for index, work in enumerate(shown):
        items = work.items(user, today, PAGE_SIZE + 1, positions.get(work.key))
        streams.append(
            [(item.deadline is None, item.deadline or dt.date.max, index, n, item) for n, item in enumerate(items)]
        )
    merged = [entry[-1] for entry in itertools.islice(heapq.merge(*streams), PAGE_SIZE + 1)]
    rows = merged[:PAGE_SIZE]
    moved = dict(positions)
    for item in rows:
        if item.position is None:
            raise ValueError(f"due work {item.kind!r} lists an item without its position (core.modules.due_rows)")
        moved[item.kind] = item.position
    next_cursor = _write_cursor(moved) if len(merged) > PAGE_SIZE else ""
    return DuePage(
        rows=rows, counts=counts, total=total, next_cursor=next_cursor, first=not cursor, count_capped=capped
    )


def _badge_key(user: Actor) -> str:
    assignment = getattr(user, "active_assignment", None)
    return f"desk:todo:{user.pk}:{assignment.pk if assignment is not None else ''}"


def due_count(user: Actor | AnonymousUser) -> int:
    """How much is due for the user (the number beside 我的待办: each kind's up to ``DUE_COUNT_CAP + 1``, so that
    "99+" shows when it is more), read at most every ``BADGE_SECONDS``."""
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
