"""Reads that may go to a read replica (issue 22): PostgreSQL streaming replication, used when one is configured.

With ``DATABASE_REPLICA_URL`` set, settings add the database alias ``replica`` (a hot standby of the primary) and
this router. Everything goes to the primary (``default``) except the reads a caller marks:

- ``with reading_from_replica(): …`` — the reads inside (the statistics dashboard and its Excel exports, the policy
  simulation's facts) go to the replica;
- ``queryset.using(read_alias())`` — a queryset evaluated later, outside such a block (the auditor's search, paged by
  the view).

Reads that must see their own writes stay on the primary: inside a transaction on the primary (a service's
``atomic`` block, a job's claim) the marked reads go there too, and every write goes there whatever the block says.
A replica lags the primary by what it has not replayed yet (milliseconds on a local network): only reads that can
show figures a moment old are marked. Without a replica nothing changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"

_reading_from_replica: ContextVar[bool] = ContextVar("reading_from_replica", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def read_alias() -> str:
    """The alias a read that may be a moment old goes to: the replica when one is configured and the primary holds
    no open transaction of this thread (whose writes the replica cannot see yet), else the primary."""
    if replica_configured() and not connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return REPLICA
    return DEFAULT_DB_ALIAS


@contextmanager
def reading_from_replica() -> Iterator[None]:
    """The reads inside go to the replica (when one is configured, outside a transaction on the primary)."""
    token = _reading_from_replica.set(True)
    try:
        yield
    finally:
        _reading_from_replica.reset(token)


class ReplicaRouter:
    """Django's database router for the ``replica`` alias (``DATABASE_ROUTERS``, set when a replica is configured)."""

    def db_for_read(self, model: Any, **hints: Any) -> str:
        return read_alias() if _reading_from_replica.get() else DEFAULT_DB_ALIAS

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # the same database, replayed

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS
