"""The audit table partitioned by month on PostgreSQL (issue 22): rows land in their month, the table stays
append-only on every partition, the auditor's search by date reads only its months, the months ahead are created
(and rows the default caught moved, nothing lost), and the archive detaches, dumps and drops a month past the
retention."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from minsheng.accounts.roles import Role
from minsheng.audit import partitions
from minsheng.audit.models import AuditEvent
from minsheng.audit.selectors import audit_event_search
from minsheng.core.months import add_months, month_of
from minsheng.testing import Personas

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="declarative partitioning is PostgreSQL's"),
]

ZONE = timezone.get_default_timezone()
THIS_MONTH = month_of(timezone.localdate())


def _event(p: Personas, at: dt.datetime, code: str = "") -> AuditEvent:
    """An event written at ``at`` (the partition key), as ``audit_record`` writes one."""
    admin = p[Role.CITY_ADMIN]
    return AuditEvent.objects.create(
        actor=admin,
        actor_username=admin.username,
        action="accounts.user_created",
        object_type="accounts.user",
        object_id=str(p[Role.VILLAGE_WORKER].pk),
        area_code=code,
        occurred_at=at,
    )


def _partition_of(event: AuditEvent) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM audit_auditevent WHERE id = %s", [event.pk])
        return str(cursor.fetchone()[0])


def _at(month: dt.date, day: int = 1, hour: int = 0) -> dt.datetime:
    return dt.datetime(month.year, month.month, day, hour, tzinfo=ZONE)


def test_the_table_is_partitioned_with_the_trimmed_indexes() -> None:
    assert partitions.partitioned()
    present = partitions.attached()
    assert partitions.DEFAULT in present
    assert {add_months(THIS_MONTH, n) for n in range(4)} <= set(present.values())
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'audit_auditevent' ORDER BY indexname")
        assert [row[0] for row in cursor.fetchall()] == [
            "audit_audit_object__0e78a5_idx",
            "audit_auditevent_pkey",
            "audit_event_actor_upper_idx",
            "audit_event_area_time_idx",
            "audit_event_time_area_idx",
        ]
        cursor.execute("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'audit_auditevent_pkey'")
        assert cursor.fetchone()[0] == "PRIMARY KEY (id, occurred_at)"


def test_rows_land_in_their_month_local_time_and_the_rest_in_the_default(personas: Personas) -> None:
    p = personas
    first = _event(p, _at(THIS_MONTH), p.village.code)  # local midnight of the 1st: UTC 16:00 the day before
    late = _event(p, _at(THIS_MONTH, 1) - dt.timedelta(seconds=1), p.village.code)  # the last second before it
    next_month = _event(p, _at(add_months(THIS_MONTH, 1), 15, 12), p.village.code)
    far = _event(p, _at(dt.date(2099, 1, 1)), p.village.code)
    assert _partition_of(first) == partitions.partition_name(THIS_MONTH)
    previous = add_months(THIS_MONTH, -1)
    assert _partition_of(late) == (
        partitions.partition_name(previous) if previous in partitions.attached().values() else partitions.DEFAULT
    )
    assert _partition_of(next_month) == partitions.partition_name(add_months(THIS_MONTH, 1))
    assert _partition_of(far) == partitions.DEFAULT


@pytest.mark.parametrize("statement", ["UPDATE {t} SET reason = 'x'", "DELETE FROM {t}"])
def test_update_and_delete_are_refused_on_the_table_and_on_each_partition(personas: Personas, statement: str) -> None:
    p = personas
    _event(p, _at(THIS_MONTH, 2), p.village.code)
    _event(p, _at(dt.date(2099, 1, 1)), p.village.code)
    # unscoped: the test reads every row
    rows = list(AuditEvent.objects.unscoped().order_by("pk").values_list("pk", "occurred_at", "reason"))
    for table in ("audit_auditevent", partitions.partition_name(THIS_MONTH), partitions.DEFAULT):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement.format(t=table))
    # unscoped: the test reads every row
    assert list(AuditEvent.objects.unscoped().order_by("pk").values_list("pk", "occurred_at", "reason")) == rows


def test_the_auditors_search_by_date_reads_only_its_months(personas: Personas) -> None:
    p = personas
    _event(p, _at(add_months(THIS_MONTH, 1), 3, 9), p.village.code)
    day = add_months(THIS_MONTH, 1).replace(day=3)
    events = audit_event_search(user=p[Role.AUDITOR], date_from=day, date_to=day)
    plan = events.explain()
    assert partitions.partition_name(add_months(THIS_MONTH, 1)) in plan
    for other in (THIS_MONTH, add_months(THIS_MONTH, 2), add_months(THIS_MONTH, 3)):
        assert partitions.partition_name(other) not in plan
    assert partitions.DEFAULT not in plan
    assert events.count() == 1
    # A range over two months reads those two.
    plan = audit_event_search(user=p[Role.AUDITOR], date_from=THIS_MONTH, date_to=day).explain()
    assert partitions.partition_name(THIS_MONTH) in plan
    assert partitions.partition_name(add_months(THIS_MONTH, 2)) not in plan


def test_partitions_are_created_ahead_and_rows_the_default_caught_are_moved(personas: Personas) -> None:
    p = personas
    ahead = add_months(THIS_MONTH, 6)
    caught = _event(p, _at(ahead, 10), p.village.code)
    kept = _event(p, _at(dt.date(2099, 1, 1)), p.village.code)
    before = AuditEvent.objects.unscoped().count()  # unscoped: test counts every row
    assert _partition_of(caught) == partitions.DEFAULT

    created = partitions.partitions_ensure(months_ahead=6)
    assert created == [partitions.partition_name(add_months(THIS_MONTH, n)) for n in (4, 5, 6)]
    assert _partition_of(caught) == partitions.partition_name(ahead)
    assert AuditEvent.objects.unscoped().count() == before  # unscoped: nothing lost, nothing doubled
    assert _partition_of(AuditEvent.objects.unscoped().get(pk=caught.pk)) == partitions.partition_name(ahead)
    # unscoped: the far-future row stays in the (new) default partition
    assert _partition_of(AuditEvent.objects.unscoped().get(pk=kept.pk)) == partitions.DEFAULT
    assert partitions.partitions_ensure(months_ahead=6) == []  # idempotent
    # The moved rows are still append-only.
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {partitions.partition_name(ahead)}")


def test_the_archive_detaches_dumps_and_drops_the_months_past_the_retention(personas: Personas, tmp_path: Path) -> None:
    p = personas
    old = add_months(THIS_MONTH, -40)
    recent = add_months(THIS_MONTH, -2)
    olds = [_event(p, _at(old, day), p.village.code) for day in (1, 15, 28)]
    young = _event(p, _at(recent, 5), p.village.code)
    partitions.partitions_ensure(months_ahead=3)  # the two months' rows move out of the default
    assert _partition_of(olds[0]) == partitions.partition_name(old)
    total = AuditEvent.objects.unscoped().count()  # unscoped: test counts every row

    call_command("audit_archive", retention_months=36, to=tmp_path, dry_run=True)
    assert partitions.partition_name(old) in partitions.attached()  # a dry run changes nothing

    call_command("audit_archive", retention_months=36, to=tmp_path)
    name = partitions.partition_name(old)
    assert name not in partitions.attached()
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [name])
        assert cursor.fetchone()[0] is None  # dropped
    assert AuditEvent.objects.unscoped().count() == total - 3  # unscoped: test counts every row
    assert _partition_of(young) == partitions.partition_name(recent)  # within the retention: kept

    with gzip.open(tmp_path / f"{name}.csv.gz", "rt", encoding="utf-8", newline="") as dump:
        rows = list(csv.DictReader(dump))
    assert [int(row["id"]) for row in rows] == [e.pk for e in olds]
    assert {row["action"] for row in rows} == {"accounts.user_created"}
    manifest = json.loads((tmp_path / f"{name}.json").read_text(encoding="utf-8"))
    assert (manifest["rows"], manifest["month"], manifest["partition"]) == (3, f"{old:%Y-%m}", name)
    assert manifest["sha256"] == hashlib.sha256((tmp_path / f"{name}.csv.gz").read_bytes()).hexdigest()
