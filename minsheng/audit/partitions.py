"""The audit table's monthly partitions on PostgreSQL (migration ``audit/0003``; docs/modules/audit.md).

``audit_auditevent`` is partitioned by range of ``occurred_at``: one partition per month in ``TIME_ZONE``
(``audit_auditevent_pYYYYMM``) and a DEFAULT partition (``audit_auditevent_default``) that takes any row no month
partition holds, so that an insert is never refused.

- :func:`partitions_ensure` (``manage.py audit_partitions``, the daily task ``audit.partitions``) creates the months
  from the current one to ``AUDIT_PARTITION_MONTHS_AHEAD`` ahead, and a month partition for every month up to then
  the default partition holds rows of (rows written before their month was created), moving those rows into it. A
  partition cannot be created over rows the default already holds, and the rows cannot be deleted from it
  (append-only), so the default is detached (which takes its copy of the trigger away), the months are created with a
  new empty default, the rows inserted again through the parent, and the detached table dropped — in one
  transaction: nothing is lost and no row is ever updated or deleted.
- :func:`partitions_archive` (``manage.py audit_archive``) takes every month partition older than
  ``AUDIT_RETENTION_MONTHS``: detaches it, writes its rows to ``AUDIT_ARCHIVE_DIR`` (gzipped CSV with a JSON
  manifest: the month, the bounds, the columns, the row count and the SHA-256 of the file), reads the file back to
  check the count, and drops the table — in one transaction, so a failure leaves the partition attached.

On SQLite (the embedded default) the table is one plain table and these do nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from minsheng.core.months import add_months, month_of

TABLE = "audit_auditevent"
DEFAULT = f"{TABLE}_default"
NAME = re.compile(rf"^{TABLE}_p(\d{{4}})(\d{{2}})$")


def partitioned() -> bool:
    """True on PostgreSQL once migration 0003 made the table a partitioned one."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [TABLE])
        row = cursor.fetchone()
    return row is not None and row[0] == "p"


def partition_name(month: dt.date) -> str:
    return f"{TABLE}_p{month:%Y%m}"


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The first instant of ``month`` and of the month after, in ``TIME_ZONE``."""
    zone = timezone.get_default_timezone()
    start = dt.datetime.combine(month_of(month), dt.time(), tzinfo=zone)
    return start, dt.datetime.combine(add_months(month_of(month), 1), dt.time(), tzinfo=zone)


def attached() -> dict[str, dt.date | None]:
    """The partitions attached to the table: name → its month (None: the default partition)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = to_regclass(%s) ORDER BY c.relname",
            [TABLE],
        )
        names = [row[0] for row in cursor.fetchall()]
    found: dict[str, dt.date | None] = {}
    for name in names:
        match = NAME.match(name)
        found[name] = dt.date(int(match[1]), int(match[2]), 1) if match else None
    return found


def _months_in_default() -> list[dt.date]:
    """The months (in TIME_ZONE) of the rows the default partition holds."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT date_trunc('month', occurred_at AT TIME ZONE %s)::date FROM {DEFAULT}",
            [timezone.get_default_timezone_name()],
        )
        return sorted(row[0] for row in cursor.fetchall())


def _create(cursor: Any, month: dt.date) -> None:
    start, end = month_bounds(month)
    cursor.execute(
        f"CREATE TABLE {partition_name(month)} PARTITION OF {TABLE} FOR VALUES FROM (%s) TO (%s)", [start, end]
    )
    _append_only_grants(cursor, partition_name(month))


def _append_only_grants(cursor: Any, name: str) -> None:
    """A new partition gets the schema's default privileges (the application's UPDATE and DELETE among them): take
    UPDATE, DELETE and TRUNCATE back from every role but the owner, as the release script does for the table
    (docs/deployment.md, section 3). The trigger refuses them anyway; this keeps the grants saying so too."""
    cursor.execute(
        "SELECT DISTINCT a.grantee::regrole::text FROM pg_class c, aclexplode(c.relacl) a "
        "WHERE c.oid = to_regclass(%s) AND a.grantee <> c.relowner AND a.grantee <> 0 "
        "AND a.privilege_type IN ('UPDATE', 'DELETE', 'TRUNCATE')",
        [name],
    )
    for (grantee,) in cursor.fetchall():
        cursor.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {name} FROM {grantee}")


@transaction.atomic
def partitions_ensure(*, months_ahead: int, today: dt.date | None = None) -> list[str]:
    """Create the month partitions from the current month to ``months_ahead`` ahead that are missing, and one for each
    month the default partition holds rows of (moving them there). Returns the names created (idempotent: a second
    call creates nothing)."""
    if not partitioned():
        return []
    this_month = month_of(today or timezone.localdate())
    present = attached()
    have = {month for month in present.values() if month is not None}
    wanted = {add_months(this_month, n) for n in range(months_ahead + 1)}
    # Months the default caught, up to the horizon: a row dated beyond it (a clock error) stays in the default.
    horizon = add_months(this_month, months_ahead)
    caught = {m for m in _months_in_default() if m <= horizon} if DEFAULT in present else set()
    missing = sorted((wanted | caught) - have)
    if not missing:
        return []
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {TABLE} IN ACCESS EXCLUSIVE MODE")
        if caught & set(missing):
            # A table with deferred foreign-key checks pending cannot be dropped: run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            # Rows wait in the default for a month being created: move them (see the module docstring).
            cursor.execute(f"ALTER TABLE {TABLE} DETACH PARTITION {DEFAULT}")
            cursor.execute(f"ALTER TABLE {DEFAULT} RENAME TO {DEFAULT}_moving")
            for month in missing:
                _create(cursor, month)
            cursor.execute(f"CREATE TABLE {DEFAULT} PARTITION OF {TABLE} DEFAULT")
            _append_only_grants(cursor, DEFAULT)
            cursor.execute(f"INSERT INTO {TABLE} SELECT * FROM {DEFAULT}_moving")
            cursor.execute(f"DROP TABLE {DEFAULT}_moving")
        else:
            for month in missing:
                _create(cursor, month)
            if DEFAULT not in present:
                cursor.execute(f"CREATE TABLE {DEFAULT} PARTITION OF {TABLE} DEFAULT")
                _append_only_grants(cursor, DEFAULT)
    return [partition_name(month) for month in missing]


@dataclass(frozen=True)
class Archived:
    """A month partition written to the archive and removed from the database (or, dry run, that would be)."""

    name: str
    month: dt.date
    rows: int
    path: Path | None
    sha256: str = ""


def archivable(*, retention_months: int, today: dt.date | None = None) -> list[tuple[str, dt.date]]:
    """The month partitions wholly older than the retention: every month before the current month minus
    ``retention_months``."""
    oldest_kept = add_months(month_of(today or timezone.localdate()), -retention_months)
    return sorted(
        ((name, month) for name, month in attached().items() if month is not None and month < oldest_kept),
        key=lambda item: item[1],
    )


def partitions_archive(
    *, retention_months: int, directory: Path, today: dt.date | None = None, dry_run: bool = False
) -> list[Archived]:
    """Detach, dump and drop every month partition older than the retention (oldest first), one transaction each."""
    if not partitioned():
        return []
    done = []
    for name, month in archivable(retention_months=retention_months, today=today):
        if dry_run:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT count(*) FROM {name}")
                done.append(Archived(name, month, cursor.fetchone()[0], None))
            continue
        done.append(_archive_one(name, month, directory))
    return done


@transaction.atomic
def _archive_one(name: str, month: dt.date, directory: Path) -> Archived:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.csv.gz"
    start, end = month_bounds(month)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred check may be pending on a table to drop
        cursor.execute(f"ALTER TABLE {TABLE} DETACH PARTITION {name}")
        cursor.execute(f"SELECT count(*) FROM {name}")
        rows = cursor.fetchone()[0]
        copy_sql = f"COPY (SELECT * FROM {name} ORDER BY occurred_at, id) TO STDOUT WITH (FORMAT csv, HEADER)"
        with gzip.open(path, "wb") as out, cursor.cursor.copy(copy_sql) as copy:
            for chunk in copy:  # streamed: a month of a province is millions of rows
                out.write(bytes(chunk))
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        # Read the file back: the rows it holds must be the rows the partition held, before the partition goes.
        with gzip.open(path, "rt", encoding="utf-8", newline="") as back:
            reader = csv.reader(back)
            columns = next(reader)
            written = sum(1 for _row in reader)
        if written != rows:
            raise RuntimeError(f"{path}: {written} rows written, {rows} in {name}; the partition is kept")
        manifest = {
            "table": TABLE,
            "partition": name,
            "month": f"{month:%Y-%m}",
            "from": start.isoformat(),
            "to": end.isoformat(),
            "columns": columns,
            "rows": rows,
            "file": path.name,
            "sha256": digest,
            "archived_at": timezone.now().isoformat(),
        }
        (directory / f"{name}.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        cursor.execute(f"DROP TABLE {name}")
    return Archived(name, month, rows, path, digest)
