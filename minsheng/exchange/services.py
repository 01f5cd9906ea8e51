"""Writes of the data exchange: department clients and their keys (city administrators), and feeds received by file
or API. Each service checks the actor, validates, writes and audits in one transaction; a rejected feed writes nothing
but its audit event."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.accounts.models import User
from minsheng.audit.models import AuditEvent
from minsheng.audit.services import audit_record
from minsheng.core.limits import REASON_MAX, require_length
from minsheng.core.scoping import require_scope
from minsheng.exchange.feeds import (
    FeedRejected,
    api_rows,
    check_chunks,
    digest_of,
    file_rows,
    whole,
    write_records,
)
from minsheng.exchange.layouts import Layout, layout_for
from minsheng.exchange.models import (
    ClientKey,
    DataSource,
    DepartmentClient,
    Feed,
    FeedRecord,
    FeedRejection,
    Finding,
    MonthlyCheck,
)
from minsheng.exchange.monthly import check_run
from minsheng.exchange.verification import answer_from_feed
from minsheng.people.imports import write_error_report
from minsheng.people.models import Person
from minsheng.people.services import persons_status_report

KEY_PREFIX = "mx_"

# Records of these sources and values say a person died or moved away: they go to the registry as change requests.
STATUS_REPORTS: dict[str, tuple[str, str, str]] = {
    # source → (column that must hold the value, the value, the registry status); "" column: every record
    "police_death": ("", "", Person.Status.DECEASED),
    "police_household": ("change", "moved_out", Person.Status.MOVED_AWAY),
}


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _client_snapshot(client: DepartmentClient) -> dict[str, Any]:
    return {
        "name": client.name,
        "area_code": client.area_code,
        "active": client.active,
        "may_verify": client.may_verify,
        "sources": sorted(client.sources.values_list("code", flat=True)),
    }


@transaction.atomic
def client_create(
    *, actor: User, name: str, area_code: str, sources: Iterable[DataSource], may_verify: bool = False
) -> tuple[DepartmentClient, str]:
    """A department's system as an API client, with its first key (shown once, returned here); ``may_verify``: it
    may request verifications of its applicants' households (the shared service)."""
    require_scope(actor, "exchange.add_departmentclient", area_code)
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Enter the name of the department's system.")})
    require_length(name=(name, 100))
    sources = list(sources)
    if not sources:
        raise ValidationError({"sources": _("Choose the data sources the client sends.")})
    # unscoped: a client's name is unique across all areas
    if DepartmentClient.objects.unscoped().filter(name=name).exists():
        raise ValidationError({"name": _("A client of this name exists already.")})
    user = User(username=f"exchange-{secrets.token_hex(6)}", display_name=name)
    user.set_unusable_password()  # a service account: it signs in only with its API key
    user.save()
    client = DepartmentClient.objects.create(name=name, user=user, area_code=area_code, may_verify=may_verify)
    client.sources.set(sources)
    audit_record(
        actor=actor, action="exchange.client_created", obj=client, area_code=area_code, after=_client_snapshot(client)
    )
    return client, _issue(actor=actor, client=client)


def _client_locked(actor: User, client: DepartmentClient) -> DepartmentClient:
    row = DepartmentClient.objects.restrict(actor, "change").select_for_update().filter(pk=client.pk).first()
    if row is None:
        raise PermissionDenied(_("This client is outside what you may manage."))
    return row


def _issue(*, actor: User, client: DepartmentClient) -> str:
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    ClientKey.objects.create(client=client, digest=key_digest(key), prefix=key[:8], created_by=actor)
    audit_record(
        actor=actor, action="exchange.key_issued", obj=client, area_code=client.area_code, after={"key": key[:8]}
    )
    return key


@transaction.atomic
def client_key_rotate(*, actor: User, client: DepartmentClient) -> str:
    """A new key for the client; its keys before stop working at once. Returns the new key (shown once)."""
    row = _client_locked(actor, client)
    if not row.active:
        raise ValidationError(_("This client is revoked; create a new one."))
    row.keys.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
    return _issue(actor=actor, client=row)


@transaction.atomic
def client_revoke(*, actor: User, client: DepartmentClient, reason: str) -> DepartmentClient:
    """The client and every key of it stop working."""
    row = _client_locked(actor, client)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the client is revoked.")})
    require_length(reason=(reason, REASON_MAX))
    before = _client_snapshot(row)
    row.active = False
    row.save(update_fields=["active"])
    row.keys.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
    User.objects.filter(pk=row.user_id).update(is_active=False)
    audit_record(
        actor=actor,
        action="exchange.client_revoked",
        obj=row,
        area_code=row.area_code,
        before=before,
        after=_client_snapshot(row),
        reason=reason,
    )
    return row


@transaction.atomic
def client_may_verify_set(*, actor: User, client: DepartmentClient, may_verify: bool) -> DepartmentClient:
    """Allow the client to request verifications (the shared service), or withdraw it; its requests made before stay
    readable to it. Setting what is set already changes nothing and writes no event."""
    row = _client_locked(actor, client)
    if not row.active:
        raise ValidationError(_("This client is revoked; create a new one."))
    if row.may_verify == may_verify:
        return row
    before = _client_snapshot(row)
    row.may_verify = may_verify
    row.save(update_fields=["may_verify"])
    audit_record(
        actor=actor,
        action="exchange.client_changed",
        obj=row,
        area_code=row.area_code,
        before=before,
        after=_client_snapshot(row),
    )
    return row


def _layout(source: DataSource) -> Layout:
    layout = layout_for(source.code, source.layout_version)
    if layout is None:
        raise whole(_("No layout is defined for this source."))
    return layout


def feed_status_reports(feed: Feed) -> None:
    """A death or move away in a matched record goes to the registry as a change request for a second user."""
    spec = STATUS_REPORTS.get(feed.source.code)
    if spec is None:
        return
    column, value, status = spec
    # unscoped: the records of the feed this system job has just written
    records = FeedRecord.objects.unscoped().filter(feed=feed, match=FeedRecord.Match.MATCHED, on__isnull=False)
    if column:
        records = records.filter(**{f"values__{column}": value})
    reports = [(person, on) for person, on in records.values_list("person_id", "on") if on is not None]
    if reports:
        persons_status_report(
            actor=feed.submitted_by,
            status=status,
            reports=reports,
            reason=_("%(source)s feed %(batch)s") % {"source": str(feed.source), "batch": feed.batch},
        )


def _rejected(*, actor: User, source: DataSource, batch: str, area_code: str, problem: FeedRejected) -> None:
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="exchange.feed_rejected",
            kind=AuditEvent.Kind.SYSTEM,
            object_type="exchange.datasource",
            object_id=str(source.pk),
            object_repr=str(source),
            area_code=area_code,
            after={"batch": batch, "bad_rows": len(problem.problems) + problem.more},
            reason="；".join(f"{row}: {'，'.join(reasons)}" for row, reasons in problem.problems[:3])[:REASON_MAX],
        )


def _receive(
    *,
    actor: User,
    source: DataSource,
    batch: str,
    digest: str,
    rows: Iterator[tuple[int, dict[str, str]]],
    channel: str,
    area_code: str,
    client: DepartmentClient | None,
) -> tuple[Feed, bool]:
    batch = batch.strip()
    if not batch or len(batch) > 40:
        raise whole(_("Give the batch number (up to 40 characters)."))
    # unscoped: a source's batches are unique whatever area sent them
    earlier = Feed.objects.unscoped().filter(Q(digest=digest) | Q(batch=batch), source=source).first()
    if earlier is not None:
        if earlier.digest != digest:
            raise whole(
                _("Batch %(batch)s of this source was received on %(day)s with other content: send a new batch number.")
                % {"batch": batch, "day": timezone.localtime(earlier.received_at).date().isoformat()}
            )
        return earlier, False
    layout = _layout(source)
    try:
        # The rows are checked while they are written: a bad row anywhere rejects the feed (FeedRejected, raised
        # once every row is checked) and this transaction, records written so far included, rolls back.
        with transaction.atomic():
            feed = Feed.objects.create(
                source=source,
                layout_version=layout.version,
                batch=batch,
                digest=digest,
                channel=channel,
                client=client,
                submitted_by=actor,
                area_code=area_code,
            )
            write_records(feed, check_chunks(layout, rows))
            feed_status_reports(feed)
            answer_from_feed(feed)  # the answer to a 核对 query, when its batch number is the query's reference
            audit_record(
                actor=actor,
                action="exchange.feed_received",
                kind=AuditEvent.Kind.SYSTEM,
                obj=feed,
                area_code=area_code,
                after={
                    "source": source.code,
                    "batch": batch,
                    "rows": feed.rows,
                    "matched": feed.matched,
                    "ambiguous": feed.ambiguous,
                    "unmatched": feed.unmatched,
                },
            )
    except IntegrityError:  # the same batch arrived a moment ago through another request
        # unscoped: the same batch written by the other request, whatever its area
        earlier = Feed.objects.unscoped().filter(source=source, digest=digest).first()
        if earlier is None:
            raise whole(_("Batch %(batch)s of this source was received already.") % {"batch": batch}) from None
        return earlier, False
    return feed, True


def feed_upload(*, actor: User, source: DataSource, batch: str, content: bytes, filename: str) -> tuple[Feed, bool]:
    """A feed uploaded as a file by a verification officer, in their home area. Returns (feed, True) when received,
    (the earlier feed, False) when the same file was received before; FeedRejected lists the bad rows."""
    area_code = actor.home_area_id or ""
    require_scope(actor, "exchange.add_feed", area_code)
    try:
        return _receive(
            actor=actor,
            source=source,
            batch=batch,
            digest=digest_of(content),
            rows=file_rows(_layout(source), content, filename),
            channel=Feed.Channel.FILE,
            area_code=area_code,
            client=None,
        )
    except FeedRejected as problem:
        _rejected(actor=actor, source=source, batch=batch, area_code=area_code, problem=problem)
        if problem.rows:
            problem.rejection = _rejection_keep(
                actor=actor, source=source, batch=batch, area_code=area_code, problem=problem
            )
        raise


def _rejection_keep(
    *, actor: User, source: DataSource, batch: str, area_code: str, problem: FeedRejected
) -> FeedRejection:
    """The refused file's error report (.xlsx: line number, reasons, the row as sent), as the registry import's."""
    layout = _layout(source)
    name = f"exchange/rejected/{uuid.uuid4().hex}.xlsx"
    reasons = dict(problem.problems)
    write_error_report(
        Path(settings.MEDIA_ROOT) / name,
        [c.name for c in layout.columns],
        iter([(line, row, reasons[line]) for line, row in problem.rows.items()]),
    )
    return FeedRejection.objects.create(
        source=source,
        batch=batch[:40],
        bad_rows=len(problem.problems) + problem.more,
        report=name,
        area_code=area_code,
        submitted_by=actor,
    )


def feed_submit(*, client: DepartmentClient, source: DataSource, batch: str, records: Any) -> tuple[Feed, bool]:
    """A feed sent by a department's system over the API: only a source of its own."""
    if not client.active:
        raise PermissionDenied(_("This client is revoked."))
    if not client.sources.filter(pk=source.pk).exists():
        raise PermissionDenied(_("This client may not send this source."))
    content = json.dumps(records, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    try:
        return _receive(
            actor=client.user,
            source=source,
            batch=batch,
            digest=digest_of(content),
            rows=api_rows(_layout(source), records),
            channel=Feed.Channel.API,
            area_code=client.area_code,
            client=client,
        )
    except FeedRejected as problem:
        _rejected(actor=client.user, source=source, batch=batch, area_code=client.area_code, problem=problem)
        raise


def client_key_used(key: ClientKey, on: dt.datetime) -> None:
    """Remember when a key was last used (its every request is audited by the API)."""
    ClientKey.objects.filter(pk=key.pk).update(last_used_at=on)


def monthly_check_start(*, actor: User | None, month: dt.date, queue: bool = False) -> MonthlyCheck:
    """Start the month's bulk verification (a verification officer on the page, or the system from the command or
    Celery beat): the check row is made once per month, then run here or, with ``queue``, by the Celery task after the
    commit. A month done already is returned as it is."""
    if actor is not None and not actor.has_perm("exchange.add_monthlycheck"):
        raise PermissionDenied(_("You may not start the monthly verification."))
    if month > timezone.localdate():
        raise ValidationError({"month": _("The month cannot be in the future.")})
    with transaction.atomic():
        check, created = MonthlyCheck.objects.get_or_create(month=month, defaults={"started_by": actor})
        if created:
            audit_record(
                actor=actor,
                action="exchange.monthly_check_started",
                kind=AuditEvent.Kind.SYSTEM if actor is None else AuditEvent.Kind.CHANGE,
                obj=check,
            )
    if check.status == MonthlyCheck.Status.DONE:
        return check
    if queue:
        from minsheng.exchange.tasks import monthly_check

        transaction.on_commit(lambda: monthly_check.delay(check.pk))
        return check
    return check_run(check)


@transaction.atomic
def finding_close(*, actor: User, finding: Finding, note: str) -> Finding:
    """The worker has reviewed the household on this finding: it leaves the to-do list, with the note."""
    row = Finding.objects.restrict(actor, "change").select_for_update().filter(pk=finding.pk).first()
    if row is None:
        raise PermissionDenied(_("This finding is outside what you may work on."))
    if row.outcome != Finding.Outcome.REVIEW:
        raise ValidationError(_("This finding is not waiting for a review."))
    note = note.strip()
    if not note:
        raise ValidationError({"note": _("Say what the review found.")})
    require_length(note=(note, REASON_MAX))
    row.outcome, row.note, row.closed_by, row.closed_at = Finding.Outcome.CLOSED, note, actor, timezone.now()
    row.save(update_fields=["outcome", "note", "closed_by", "closed_at"])
    audit_record(actor=actor, action="exchange.finding_closed", obj=row, area_code=row.area_code, reason=note)
    return row
