"""Writes of the desk: notices, sent by the modules' services inside their own transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.db import transaction

from minsheng.desk.models import Notice
from minsheng.desk.selectors import forget_badges

if TYPE_CHECKING:
    from minsheng.core.typing import Actor


def notices_send(*, recipients: Iterable[Any], text: str, link: str = "") -> int:
    """One notice to each user (each once, inactive users skipped); call inside the service's transaction, so the
    notices exist exactly when what they announce does. Returns how many were written."""
    users = {u.pk: u for u in recipients if u is not None and u.is_active}
    Notice.objects.bulk_create(Notice(recipient_id=pk, text=text[:300], link=link[:200]) for pk in users)
    transaction.on_commit(lambda: forget_badges(list(users)))
    return len(users)


def notices_mark_read(*, actor: Actor, ids: Iterable[int] | None = None) -> int:
    """Mark the actor's own notices read (all of them, or those of ``ids``)."""
    notices = Notice.objects.filter(recipient_id=actor.pk, read=False)
    if ids is not None:
        notices = notices.filter(pk__in=list(ids))
    marked = notices.update(read=True)
    cache.delete(f"desk:notices:{actor.pk}")
    return marked
