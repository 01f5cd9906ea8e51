"""Services of proactive discovery: rules, raising warnings set-based, the visit and its outcome, the township's
confirmation, escalation, and the 一户一档 of the low-income population.

The loop (DOMAIN §4): a signal in a feed (or in the programmes' own data) meets a rule in force → one warning per
person, rule and period, to the person's village and township with a deadline in working days → the village worker
visits (``visit_receive``: from the phone, exactly once by the visit's own UUID) and records the outcome: apply on
the person's behalf (the one-window application, 帮办代办 recorded), refer, or close with reasons → the township
confirms (``alert_confirm``) or sends it back. Warnings still open after their deadline are escalated to the
township and county (``alerts_escalate``, daily).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.accounts.models import RoleAssignment, User
from minsheng.areas.codes import level_of
from minsheng.assistance.benefits.models import Benefit
from minsheng.assistance.means.models import Assessment, AssessmentResult
from minsheng.audit.models import AuditEvent
from minsheng.audit.services import audit_record
from minsheng.catalog.models import Item
from minsheng.core.limits import REASON_MAX, require_length
from minsheng.core.modules import VisitKind, VisitSubject, publish
from minsheng.core.roles import Role
from minsheng.core.scoping import require_scope, scope_prefix
from minsheng.desk.services import notices_send
from minsheng.exchange.models import FeedRecord, Verification
from minsheng.intake.services import ItemRequest, application_submit
from minsheng.monitoring.models import (
    Alert,
    DiscoveryRun,
    Group,
    MonitoredChange,
    MonitoredHousehold,
    Visit,
    VisitPhoto,
    WarningRule,
)
from minsheng.monitoring.rules import check_rule, matches
from minsheng.people.models import Household, Membership, Person
from minsheng.workdays.services import Calendar

CHUNK = 5000
# The event a visit that ends in "refer" publishes, after its warning is saved (payload: the Alert).
VISIT_REFERRED = "monitoring.visit_referred"
RUNNING = (Benefit.Status.ACTIVE, Benefit.Status.TAPERING)


# --- Rules ------------------------------------------------------------------------------------------------------


@transaction.atomic
def rule_save(
    *,
    actor: User,
    code: str,
    name: str,
    kind: str,
    source: str,
    condition: dict[str, Any],
    severity: str,
    deadline_days: int,
    recipients: str,
    area_prefix: str,
    valid_from: dt.date,
    active: bool = True,
    note: str = "",
) -> WarningRule:
    """A new version of rule ``code`` for ``area_prefix`` from ``valid_from``; the version before ends the day
    before. City administrators only; audited."""
    area_prefix = _rule_area(actor, area_prefix)
    require_length(name=(name, 60), note=(note, 200))
    clean = check_rule(kind=kind, source=source, condition=condition, deadline_days=deadline_days)
    if severity not in WarningRule.Severity.values:
        raise ValidationError({"severity": _("Choose the severity.")})
    if recipients not in WarningRule.Recipients.values:
        raise ValidationError({"recipients": _("Choose who receives the warning.")})
    previous = (
        WarningRule.objects.select_for_update().filter(code=code, area_prefix=area_prefix).order_by("-version").first()
    )
    if previous is not None and previous.valid_from >= valid_from:
        raise ValidationError(
            {
                "valid_from": _("A new version starts after the current one's start (%(date)s).")
                % {"date": previous.valid_from.isoformat()}
            }
        )
    rule = WarningRule.objects.create(
        code=code,
        version=(previous.version + 1) if previous else 1,
        name=name.strip(),
        kind=kind,
        source=source,
        condition=clean,
        severity=severity,
        deadline_days=deadline_days,
        recipients=recipients,
        area_prefix=area_prefix,
        valid_from=valid_from,
        active=active,
        note=note.strip(),
        created_by=actor,
    )
    if previous is not None:
        previous.valid_to = valid_from - dt.timedelta(days=1)
        previous.save(update_fields=["valid_to"])
    audit_record(
        actor=actor,
        action="monitoring.rule_saved",
        obj=rule,
        area_code=area_prefix.ljust(12, "0"),
        before={"version": previous.version, "condition": previous.condition} if previous else None,
        after={"version": rule.version, "condition": clean, "deadline_days": deadline_days, "active": active},
        reason=note,
    )
    return rule


def _rule_area(actor: User, area_prefix: str) -> str:
    """The rule's area prefix, in the administrator's areas; empty: the administrator's own area (their city)."""
    if not area_prefix:
        home = actor.home_area_id or ""
        area_prefix = scope_prefix(home, level_of(home)) if home else ""
    if not area_prefix.isdigit() or len(area_prefix) > 12:
        raise ValidationError({"area_prefix": _("The area is the leading digits of a division code.")})
    require_scope(actor, "monitoring.add_warningrule", area_prefix.ljust(12, "0"))
    return area_prefix


def rules_in_force(on: dt.date, codes: Iterable[str] | None = None) -> dict[str, list[WarningRule]]:
    """The switched-on rule versions in force on ``on``, by code, the most specific area first."""
    rows = WarningRule.objects.filter(active=True, valid_from__lte=on).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=on)
    )
    if codes is not None:
        rows = rows.filter(code__in=list(codes))
    by_code: dict[str, list[WarningRule]] = defaultdict(list)
    for rule in rows:
        by_code[rule.code].append(rule)
    for variants in by_code.values():
        variants.sort(key=lambda r: -len(r.area_prefix))
    return dict(by_code)


def _rule_for(variants: list[WarningRule], area_code: str) -> WarningRule | None:
    return next((r for r in variants if area_code.startswith(r.area_prefix)), None)


# --- Raising warnings -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Signal:
    person_id: int
    area_code: str
    period: dt.date
    fingerprint: str
    summary: str
    signal_id: int | None = None
    household_id: int | None = None


@dataclass
class Raised:
    """What a run raised (or, in a preview, would raise): warnings per rule code, and the signals seen."""

    by_rule: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    signals: int = 0
    skipped_closed: int = 0

    @property
    def total(self) -> int:
        return sum(self.by_rule.values())


def _fingerprint(values: Any) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def _feed_signals(
    rule_variants: list[WarningRule], since: dt.datetime, until: dt.datetime
) -> Iterator[tuple[WarningRule, Signal]]:
    source = rule_variants[0].source
    # unscoped: a system job over every matched record of the window, whatever its area
    records = (
        FeedRecord.objects.unscoped()
        .filter(
            feed__source__code=source,
            match=FeedRecord.Match.MATCHED,
            feed__received_at__gte=since,
            feed__received_at__lt=until,
        )
        .order_by("id")
        .values_list("id", "person_id", "area_code", "on", "amount_fen", "values", "feed__received_at")
    )
    for record_id, person_id, area_code, on, amount, values, received_at in records.iterator(chunk_size=CHUNK):
        rule = _rule_for(rule_variants, area_code)
        if rule is None or not matches(rule.condition, amount, values):
            continue
        day = on or timezone.localtime(received_at).date()
        yield (
            rule,
            Signal(
                person_id=person_id,
                area_code=area_code,
                period=day.replace(day=1),
                fingerprint=_fingerprint([source, values]),
                summary=_summary(rule, values, amount),
                signal_id=record_id,
            ),
        )


def _summary(rule: WarningRule, values: dict[str, Any], amount: int | None) -> str:
    parts = [rule.name]
    if amount is not None:
        parts.append(f"¥{amount / 100:,.2f}")
    # The free-text values a worker reads; coded choices (event, utility …) are in the rule's name already.
    for key in ("diagnosis", "summary", "school", "died_on"):
        if values.get(key):
            parts.append(str(values[key]))
    return " · ".join(parts)[:200]


def _latest_results(programme: str) -> Any:
    """The household-level results of ``programme`` in each household's latest assessment."""
    # unscoped: later assessments of the same household, a system job's subquery
    later = Assessment.objects.unscoped().filter(
        household=OuterRef("assessment__household"), pk__gt=OuterRef("assessment")
    )
    # unscoped: a system job over the whole city's latest means tests
    return AssessmentResult.objects.unscoped().filter(programme=programme, person__isnull=True).filter(~Exists(later))


def _running(programmes: tuple[str, ...]) -> Any:
    # unscoped: a system job's subquery over the running benefits of a household
    return Benefit.objects.unscoped().filter(
        household=OuterRef("assessment__household"), programme__in=programmes, status__in=RUNNING
    )


def _heads(household_ids: list[int]) -> dict[int, tuple[int, str]]:
    """Each household's head now: (person id, 户籍 village)."""
    heads: dict[int, tuple[int, str]] = {}
    for start in range(0, len(household_ids), CHUNK):
        # unscoped: the heads of households a system job chose
        rows = (
            Membership.objects.unscoped()
            .filter(household_id__in=household_ids[start : start + CHUNK], relation="head", left_on__isnull=True)
            .values_list("household_id", "person_id", "person__hukou_area_id")
        )
        heads.update({h: (p, a) for h, p, a in rows})
    return heads


def _object_signals(rule_variants: list[WarningRule], on: dt.date) -> Iterator[tuple[WarningRule, Signal]]:
    code = rule_variants[0].source
    period = on.replace(day=1)
    found: list[tuple[int, str, str]] = []  # household, fingerprint, summary
    if code == "about_to_qualify":
        rows = _latest_results("dibao").filter(eligible=True).filter(~Exists(_running(("dibao", "tekun"))))
        found = [
            (h, f"a{a}", _("Latest means test finds 低保 eligibility"))
            for h, a in rows.values_list("assessment__household_id", "assessment_id")
        ]
    elif code == "about_to_leave":
        rows = _latest_results("dibao").filter(eligible=False).filter(Exists(_running(("dibao",))))
        found = [
            (h, f"a{a}", _("低保 paid, the latest means test no longer finds eligibility"))
            for h, a in rows.values_list("assessment__household_id", "assessment_id")
        ]
    elif code == "edge":
        rows = _latest_results("edge").filter(eligible=True).filter(~Exists(_running(("dibao", "tekun", "edge"))))
        found = [
            (h, f"a{a}", _("A 低保边缘 family without a benefit"))
            for h, a in rows.values_list("assessment__household_id", "assessment_id")
        ]
    elif code == "disability_doubt":
        # unscoped: a system job's subquery: the household's latest means test
        latest = Assessment.objects.unscoped().filter(household=OuterRef(OuterRef("household"))).order_by("-pk")
        # unscoped: a system job's subquery: the allowance still found due to the payee by that means test
        still_due = AssessmentResult.objects.unscoped().filter(
            assessment_id=Subquery(latest.values("pk")[:1]),
            programme="disability_living",
            person=OuterRef("payee"),
            eligible=True,
        )
        # unscoped: a system job's subquery: whether the household was means-tested at all
        tested = Assessment.objects.unscoped().filter(household=OuterRef("household"))
        # unscoped: a system job over the whole city's running allowances
        rows = (
            Benefit.objects.unscoped()
            .filter(programme="disability_living", status__in=RUNNING)
            .filter(Exists(tested))  # without a means test there is nothing to doubt by
            .filter(~Exists(still_due))
            .values_list("household_id", "id")
        )
        found = [
            (h, f"b{b}", _("困难残疾人生活补贴 paid, the latest means test no longer finds it due")) for h, b in rows
        ]
    elif code == "verification_doubt":
        # unscoped: a system job's subquery over the running benefits of a household
        paid = Benefit.objects.unscoped().filter(household=OuterRef("household"), status__in=RUNNING)
        # unscoped: a system job over the whole city's issued reports
        rows = (
            Verification.objects.unscoped()
            .filter(status=Verification.Status.REPORTED, superseded=False)
            .filter(conclusion__in=[Verification.Conclusion.DOUBTFUL, Verification.Conclusion.INCONSISTENT])
            .filter(Exists(paid))
            .values_list("household_id", "number")
        )
        found = [(h, f"v{n}", _("核对报告 %(number)s has 疑点 or 不符合") % {"number": n}) for h, n in rows]
    heads = _heads(sorted({h for h, _f, _s in found}))
    for household_id, fingerprint, summary in found:
        head = heads.get(household_id)
        if head is None:
            continue
        rule = _rule_for(rule_variants, head[1])
        if rule is None:
            continue
        yield (
            rule,
            Signal(
                person_id=head[0],
                area_code=head[1],
                period=period,
                fingerprint=fingerprint,
                summary=summary[:200],
                household_id=household_id,
            ),
        )


def alerts_raise(
    *,
    since: dt.datetime,
    until: dt.datetime,
    on: dt.date | None = None,
    codes: Iterable[str] | None = None,
    rules: dict[str, list[WarningRule]] | None = None,
    dry_run: bool = False,
) -> Raised:
    """Turn the signals of the feeds received in [since, until) and the programmes' data now into warnings under
    the rules in force on ``on``: one per person, rule and period (the unique constraint, ``ignore_conflicts``); a
    person whose warning of the rule was handled with the same data (fingerprint) gets none. ``dry_run`` counts
    what would be raised (the rule preview) and writes nothing."""
    on = on or timezone.localdate()
    rules = rules if rules is not None else rules_in_force(on, codes)
    raised = Raised()
    calendar = Calendar()
    due: dict[int, dt.date] = {}
    for code, variants in rules.items():
        kind = variants[0].kind
        signals = (
            _feed_signals(variants, since, until) if kind == WarningRule.Kind.FEED else _object_signals(variants, on)
        )
        batch: list[tuple[WarningRule, Signal]] = []
        for item in signals:
            raised.signals += 1
            batch.append(item)
            if len(batch) >= CHUNK:
                _write(code, batch, on, calendar, due, raised, dry_run)
                batch = []
        if batch:
            _write(code, batch, on, calendar, due, raised, dry_run)
    return raised


def _write(
    code: str,
    batch: list[tuple[WarningRule, Signal]],
    on: dt.date,
    calendar: Calendar,
    due: dict[int, dt.date],
    raised: Raised,
    dry_run: bool,
) -> None:
    persons = sorted({s.person_id for _r, s in batch})
    # unscoped: a system job's read of the same rule's warnings of these persons
    earlier = (
        Alert.objects.unscoped()
        .filter(rule_code=code, person_id__in=persons)
        .values_list("person_id", "period", "fingerprint", "status")
    )
    periods: set[tuple[int, dt.date]] = set()
    handled: set[tuple[int, str]] = set()
    for person_id, period, fingerprint, status in earlier:
        periods.add((person_id, period))
        if status == Alert.Status.DONE:
            handled.add((person_id, fingerprint))
    rows: dict[tuple[int, dt.date], Alert] = {}
    for rule, signal in batch:
        key = (signal.person_id, signal.period)
        if key in periods or key in rows:
            continue
        if (signal.person_id, signal.fingerprint) in handled:
            raised.skipped_closed += 1
            continue
        if rule.deadline_days not in due:
            due[rule.deadline_days] = calendar.add_working_days(on, rule.deadline_days)
        rows[key] = Alert(
            rule=rule,
            rule_code=code,
            person_id=signal.person_id,
            household_id=signal.household_id,
            area_code=signal.area_code,
            period=signal.period,
            signal_id=signal.signal_id,
            fingerprint=signal.fingerprint,
            summary=signal.summary,
            severity=rule.severity,
            raised_on=on,
            due_on=due[rule.deadline_days],
        )
    raised.by_rule[code] += len(rows)
    if dry_run or not rows:
        return
    with transaction.atomic():
        Alert.objects.bulk_create(rows.values(), batch_size=CHUNK, ignore_conflicts=True)
        _fill_households(code, rows, on)
        # One system event per county, in the same transaction: the statistics recompute those counties' figures
        # of the warnings (``monitoring.figures``) instead of taking the new rows for a bulk load.
        by_area = Counter(a.area_code for a in rows.values())
        _audit_per_county(action="monitoring.alerts_raised", by_area=by_area, on=on, extra={"rule": code})


def _audit_per_county(*, action: str, by_area: Mapping[str, int], on: dt.date, extra: dict[str, Any]) -> None:
    """One system event of ``action`` per county of the warnings counted in ``by_area`` (village → count)."""
    counties: dict[str, int] = defaultdict(int)
    for area_code, n in by_area.items():
        counties[scope_prefix(area_code, "county").ljust(12, "0")] += n
    for county, count in sorted(counties.items()):
        audit_record(
            actor=None,
            action=action,
            kind=AuditEvent.Kind.SYSTEM,
            object_type="monitoring.alert",
            object_id="",
            object_repr=str(on),
            area_code=county,
            after={**extra, "count": count},
        )


def _fill_households(code: str, rows: dict[tuple[int, dt.date], Alert], on: dt.date) -> None:
    missing = [a.person_id for a in rows.values() if a.household_id is None]
    if missing:
        # unscoped: the current household of persons a system job raised warnings about
        household = Membership.objects.unscoped().filter(person_id=OuterRef("person_id"), left_on__isnull=True)
        # unscoped: the warnings this job has just written, in one statement (not one per household)
        Alert.objects.unscoped().filter(
            rule_code=code, person_id__in=missing, household__isnull=True, raised_on=on
        ).update(household_id=Subquery(household.values("household_id")[:1]))


def rule_preview(*, actor: User, rule: WarningRule, days: int = 30) -> Raised:
    """How many warnings an unsaved rule (or version) would raise on the last ``days`` days' feeds (feed rules) or
    on the programmes' data now (object rules), beside the warnings that exist; nothing is written."""
    rule.area_prefix = _rule_area(actor, rule.area_prefix)
    rule.condition = check_rule(
        kind=rule.kind, source=rule.source, condition=rule.condition, deadline_days=rule.deadline_days
    )
    until = timezone.now()
    return alerts_raise(since=until - dt.timedelta(days=days), until=until, rules={rule.code: [rule]}, dry_run=True)


# --- Visits and outcomes ----------------------------------------------------------------------------------------


PHOTO_TYPES = {b"\xff\xd8\xff": ("image/jpeg", "jpg"), b"\x89PNG\r\n\x1a\n": ("image/png", "png")}
PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTOS_MAX = 6


@dataclass
class VisitData:
    client_uuid: uuid.UUID
    person: Person
    checked_in_at: dt.datetime
    alert: Alert | None = None
    latitude: Any = None
    longitude: Any = None
    answers: dict[str, Any] = field(default_factory=dict)
    outcome: str = ""  # applied / referred / closed (a warning's visit), or "" (a regular visit)
    reason: str = ""
    referred_to: str = ""
    items: list[int] = field(default_factory=list)  # catalog item numbers to apply for on the person's behalf
    photos: list[bytes] = field(default_factory=list)


@dataclass(frozen=True)
class Received:
    visit: Visit
    created: bool
    applied: bool
    message: str


def _photo_kind(content: bytes) -> tuple[str, str] | None:
    return next((kind for magic, kind in PHOTO_TYPES.items() if content.startswith(magic)), None)


def _check_basics(checked_in_at: dt.datetime, latitude: Any, longitude: Any, photos: list[bytes]) -> None:
    """What every visit is checked for, whatever its kind: the time, the location, the photos."""
    if checked_in_at > timezone.now() + dt.timedelta(minutes=10):
        raise ValidationError({"checked_in_at": _("The check-in time is in the future.")})
    if checked_in_at < timezone.now() - dt.timedelta(days=60):
        raise ValidationError({"checked_in_at": _("The check-in time is more than 60 days ago.")})
    if (latitude is None) != (longitude is None):
        raise ValidationError({"latitude": _("Give both latitude and longitude, or neither.")})
    if latitude is not None and not (-90 <= float(latitude) <= 90 and -180 <= float(longitude) <= 180):
        raise ValidationError({"latitude": _("The location is not on Earth.")})
    if len(photos) > PHOTOS_MAX:
        raise ValidationError({"photos": _("At most %(n)s photos.") % {"n": PHOTOS_MAX}})
    for number, content in enumerate(photos, start=1):
        if len(content) > PHOTO_MAX_BYTES:
            raise ValidationError({"photos": _("Photo %(n)s is larger than 5 MB.") % {"n": number}})
        if _photo_kind(content) is None:
            raise ValidationError({"photos": _("Photo %(n)s is not a JPEG or PNG image.") % {"n": number}})


def _check_visit(data: VisitData) -> None:
    require_length(reason=(data.reason, REASON_MAX), referred_to=(data.referred_to, 100))
    _check_basics(data.checked_in_at, data.latitude, data.longitude, data.photos)
    if data.alert is None:
        if data.outcome:
            raise ValidationError({"outcome": _("Only a visit about a warning records an outcome.")})
        return
    if data.outcome not in Alert.Outcome.values:
        raise ValidationError({"outcome": _("Choose the outcome of the visit.")})
    if data.outcome == Alert.Outcome.CLOSED and not data.reason.strip():
        raise ValidationError({"reason": _("Closing a warning needs the reasons.")})
    if data.outcome == Alert.Outcome.REFERRED and not data.referred_to.strip():
        raise ValidationError({"referred_to": _("Say which department or programme it is referred to.")})
    if data.outcome == Alert.Outcome.APPLIED and not data.items:
        raise ValidationError({"items": _("Choose the items applied for on the person's behalf.")})
    if data.alert.person_id != data.person.pk:
        raise ValidationError({"person": _("The visit is about another person than the warning.")})


def visit_receive(*, actor: User, data: VisitData) -> Received:
    """A visit from a phone or a desk, exactly once by its UUID (sent again: the visit received before). A visit
    about a warning still open records the outcome; one arriving after the warning was handled is kept, not applied,
    and says so."""
    # unscoped: the same visit sent before, by whoever (the UUID is the phone's own)
    earlier = Visit.objects.unscoped().filter(client_uuid=data.client_uuid).first()
    if earlier is not None:
        return Received(earlier, False, earlier.applied, _("This visit was received already."))
    require_scope(actor, "monitoring.add_visit", data.person.hukou_area_id)
    _check_visit(data)
    written: list[Path] = []
    try:
        with transaction.atomic():
            return _receive(actor, data, written)
    except IntegrityError:  # the same visit arrived a moment ago through another request
        _remove(written)
        # unscoped: the same visit written by the other request
        visit = Visit.objects.unscoped().get(client_uuid=data.client_uuid)
        return Received(visit, False, visit.applied, _("This visit was received already."))
    except BaseException:
        _remove(written)  # nothing of a visit that was not recorded stays on disk
        raise


def _remove(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def _receive(actor: User, data: VisitData, written: list[Path]) -> Received:
    alert = None
    if data.alert is not None:
        # unscoped: the warning the visit is about, in the actor's area (checked above through its person)
        alert = Alert.objects.unscoped().select_for_update().get(pk=data.alert.pk)
    applies = alert is not None and alert.status == Alert.Status.OPEN
    visit = Visit.objects.create(
        client_uuid=data.client_uuid,
        kind=Visit.Kind.WARNING if alert else Visit.Kind.REGULAR,
        subject_id=alert.pk if alert else None,
        person=data.person,
        alert=alert,
        area_code=data.person.hukou_area_id,
        checked_in_at=data.checked_in_at,
        latitude=data.latitude,
        longitude=data.longitude,
        answers=data.answers,
        outcome=data.outcome,
        note=(data.reason or data.referred_to).strip()[:500],
        applied=applies,
        recorded_by=actor,
    )
    message = _("The visit is recorded.")
    if alert is not None and applies:
        _apply_outcome(actor, alert, data)
        message = _("The visit is recorded and the warning goes to the township to confirm.")
    elif alert is not None:
        message = _("The visit is kept, but the warning was already handled: its outcome is unchanged.")
    audit_record(
        actor=actor,
        action="monitoring.visit_recorded",
        obj=visit,
        area_code=visit.area_code,
        on_behalf_of=data.person.name if data.outcome == Alert.Outcome.APPLIED and applies else "",
        after={
            "alert": alert.pk if alert else None,
            "outcome": data.outcome,
            "applied": applies,
            "photos": len(data.photos),
            "location": data.latitude is not None,
        },
        reason=data.reason,
    )
    # Last: the files are written only once everything else of the visit stands (a refused outcome leaves none).
    _store_photos(visit, data.photos, written)
    return Received(visit, True, applies, message)


def _store_photos(visit: Visit, photos: list[bytes], written: list[Path], stages: list[str] | None = None) -> None:
    """Write the photos and their rows; ``written`` collects the files, for the caller to remove on a rollback."""
    rows = []
    for content, stage in zip(photos, stages or [""] * len(photos), strict=True):
        content_type, extension = _photo_kind(content) or ("", "")
        digest = hashlib.sha256(content).hexdigest()
        name = f"monitoring/visits/{visit.pk}/{digest[:16]}.{extension}"
        path = Path(settings.MEDIA_ROOT) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        written.append(path)
        rows.append(VisitPhoto(visit=visit, stage=stage, file=name, sha256=digest, content_type=content_type))
    VisitPhoto.objects.bulk_create(rows, ignore_conflicts=True)


def _apply_outcome(actor: User, alert: Alert, data: VisitData) -> None:
    if data.outcome == Alert.Outcome.APPLIED:
        items = list(Item.objects.filter(number__in=data.items, active=True))
        if len(items) != len(set(data.items)):
            raise ValidationError({"items": _("Unknown or inactive item.")})
        application = application_submit(
            actor=actor, person=data.person, requests=[ItemRequest(item) for item in items], on_behalf=True
        )
        alert.application = application
    alert.outcome = data.outcome
    alert.reason = data.reason.strip()
    alert.referred_to = data.referred_to.strip()
    alert.status = Alert.Status.VISITED
    alert.visited_by = actor
    alert.visited_on = timezone.localdate()
    alert.save(update_fields=["outcome", "reason", "referred_to", "status", "visited_by", "visited_on", "application"])
    if data.outcome == Alert.Outcome.REFERRED:
        # A referral is a need the area's volunteers and social organisations may meet (minsheng.volunteers makes a
        # task of it). Payload: the Alert.
        publish(VISIT_REFERRED, alert)


# --- Visits of every module's kinds (core.modules.VisitKind) --------------------------------------------------------

EARTH_RADIUS_METRES = 6_371_000
VISIT_LONGEST = dt.timedelta(hours=24)


@dataclass
class KindVisitData:
    """A visit of a declared kind as the phone sends it. ``photos``: (stage, content), the stage one of the kind's
    ``photo_stages`` or "" when it has none."""

    client_uuid: uuid.UUID
    checked_in_at: dt.datetime
    checked_out_at: dt.datetime | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    answers: dict[str, str] = field(default_factory=dict)
    note: str = ""
    photos: list[tuple[str, bytes]] = field(default_factory=list)


def distance_metres(a: tuple[Decimal, Decimal], b: tuple[Decimal, Decimal]) -> float:
    """The great-circle distance between two (latitude, longitude) points (haversine, a sphere of the Earth's mean
    radius): good to a few metres at a visit's scale."""
    lat1, lon1, lat2, lon2 = (math.radians(float(v)) for v in (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_METRES * math.asin(math.sqrt(min(1.0, h)))


def visit_flags(
    *, actor: User, kind: VisitKind, subject: VisitSubject, data: KindVisitData, exclude: int | None = None
) -> list[str]:
    """What the platform notes about a visit on arrival (never a refusal): ``far`` located more than
    ``settings.VISIT_FAR_METRES`` from where its subject expects it, ``no_location`` expected somewhere but not
    located, ``overlap`` (timed kinds) the same worker's timed visit overlapping it in time."""
    flags: list[str] = []
    if subject.expected_at is not None:
        if data.latitude is None or data.longitude is None:
            flags.append(Visit.Flag.NO_LOCATION)
        elif distance_metres(subject.expected_at, (data.latitude, data.longitude)) > settings.VISIT_FAR_METRES:
            flags.append(Visit.Flag.FAR)
    if kind.timed and data.checked_out_at is not None:
        # unscoped: the recording worker's own visits, in whichever of their areas
        overlapping = Visit.objects.unscoped().filter(
            recorded_by=actor,
            checked_out_at__isnull=False,
            checked_in_at__lt=data.checked_out_at,
            checked_out_at__gt=data.checked_in_at,
        )
        if exclude is not None:
            overlapping = overlapping.exclude(pk=exclude)
        if overlapping.exists():
            flags.append(Visit.Flag.OVERLAP)
    return [str(flag) for flag in flags]


def _check_kind_visit(kind: VisitKind, data: KindVisitData) -> None:
    require_length(note=(data.note, 500))
    _check_basics(data.checked_in_at, data.latitude, data.longitude, [content for _stage, content in data.photos])
    stages = set(kind.photo_stages) or {""}
    if any(stage not in stages for stage, _content in data.photos):
        raise ValidationError({"photos": _("A photo of an unknown stage of the visit.")})
    if not kind.timed:
        if data.checked_out_at is not None:
            raise ValidationError({"checked_out_at": _("This kind of visit records no check-out.")})
        return
    if data.checked_out_at is None:
        raise ValidationError({"checked_out_at": _("Check out at the end of the visit.")})
    if data.checked_out_at < data.checked_in_at:
        raise ValidationError({"checked_out_at": _("The check-out is before the check-in.")})
    if data.checked_out_at > timezone.now() + dt.timedelta(minutes=10):
        raise ValidationError({"checked_out_at": _("The check-out time is in the future.")})
    if data.checked_out_at - data.checked_in_at > VISIT_LONGEST:
        raise ValidationError({"checked_out_at": _("A visit lasts at most 24 hours.")})


def visit_kind_receive(
    *, actor: User, kind: VisitKind, subject_id: int, subject: VisitSubject, data: KindVisitData
) -> Received:
    """A visit of a declared kind (``Module.visit_kinds``), exactly once by its UUID (sent again: the visit received
    before, nothing doubled). In one transaction: the visit with its flags, the kind's ``receive`` (its
    ValidationError rolls everything back), the audit event, the photos."""
    # unscoped: the same visit sent before, by whoever (the UUID is the phone's own)
    earlier = Visit.objects.unscoped().filter(client_uuid=data.client_uuid).first()
    if earlier is not None:
        return Received(earlier, False, earlier.applied, _("This visit was received already."))
    require_scope(actor, kind.permission, subject.area_code)
    _check_kind_visit(kind, data)
    written: list[Path] = []
    try:
        with transaction.atomic():
            return _receive_kind(actor, kind, subject_id, subject, data, written)
    except IntegrityError:  # the same visit arrived a moment ago through another request
        _remove(written)
        # unscoped: the same visit written by the other request
        visit = Visit.objects.unscoped().get(client_uuid=data.client_uuid)
        return Received(visit, False, visit.applied, _("This visit was received already."))
    except BaseException:
        _remove(written)  # nothing of a visit that was not recorded stays on disk
        raise


def _receive_kind(
    actor: User, kind: VisitKind, subject_id: int, subject: VisitSubject, data: KindVisitData, written: list[Path]
) -> Received:
    visit = Visit.objects.create(
        client_uuid=data.client_uuid,
        kind=kind.code,
        subject_id=subject_id,
        person_id=subject.person_id,
        area_code=subject.area_code,
        checked_in_at=data.checked_in_at,
        checked_out_at=data.checked_out_at,
        latitude=data.latitude,
        longitude=data.longitude,
        answers=data.answers,
        note=data.note.strip()[:500],
        flags=visit_flags(actor=actor, kind=kind, subject=subject, data=data),
        applied=True,
        recorded_by=actor,
    )
    message = (kind.receive(visit, actor) if kind.receive else None) or _("The visit is recorded.")
    audit_record(
        actor=actor,
        action="monitoring.visit_recorded",
        obj=visit,
        area_code=visit.area_code,
        after={
            "kind": kind.code,
            "subject": subject_id,
            "photos": len(data.photos),
            "location": data.latitude is not None,
            "flags": visit.flags,
        },
    )
    _store_photos(visit, [c for _s, c in data.photos], written, [s for s, _c in data.photos])
    return Received(visit, True, True, message)


@transaction.atomic
def alert_confirm(*, actor: User, alert: Alert, confirm: bool, note: str = "") -> Alert:
    """The township confirms a visited warning (handled), or sends it back to the village to visit again."""
    require_scope(actor, "monitoring.change_alert", alert.area_code)
    # unscoped: the warning the caller loaded through the door, locked for the transition
    locked = Alert.objects.unscoped().select_for_update().get(pk=alert.pk)
    if locked.status != Alert.Status.VISITED:
        raise ValidationError(_("Only a visited warning is confirmed or sent back."))
    note = note.strip()
    require_length(note=(note, REASON_MAX))
    if confirm:
        locked.status = Alert.Status.DONE
        locked.confirmed_by = actor
        locked.confirmed_on = timezone.localdate()
    else:
        if not note:
            raise ValidationError({"note": _("Say why the warning goes back to the village.")})
        locked.status = Alert.Status.OPEN
        locked.outcome = ""
    locked.save(update_fields=["status", "confirmed_by", "confirmed_on", "outcome"])
    audit_record(
        actor=actor,
        action="monitoring.alert_confirmed" if confirm else "monitoring.alert_sent_back",
        obj=locked,
        area_code=locked.area_code,
        after={"status": locked.status, "outcome": locked.outcome},
        reason=note,
    )
    return locked


def alerts_escalate(*, today: dt.date | None = None) -> int:
    """Warnings still open after their deadline are escalated once (to the township reviewers and the county
    approvers of their area, by a notice each); returns how many."""
    today = today or timezone.localdate()
    # unscoped: a system job over the whole city's overdue warnings
    overdue = Alert.objects.unscoped().filter(status=Alert.Status.OPEN, due_on__lt=today, escalated_on__isnull=True)
    by_area: dict[str, int] = defaultdict(int)
    for area_code in overdue.values_list("area_code", flat=True):
        by_area[area_code] += 1
    with transaction.atomic():
        count = overdue.update(escalated_on=today)
        townships: dict[str, int] = defaultdict(int)
        for area_code, n in by_area.items():
            townships[scope_prefix(area_code, "township").ljust(12, "0")] += n
        for township, n in townships.items():
            county = scope_prefix(township, "county").ljust(12, "0")
            recipients = [
                a.user
                for a in RoleAssignment.objects.filter(
                    Q(role=Role.TOWNSHIP_REVIEWER, division_id=township)
                    | Q(role=Role.COUNTY_APPROVER, division_id=county),
                    user__is_active=True,
                ).select_related("user")
            ]
            notices_send(
                recipients=recipients,
                text=_("%(n)s warnings of %(area)s are past their visit deadline.") % {"n": n, "area": township},
                link="/monitoring/warnings/?overdue=1",
            )
        if count:
            # Per county (with its area code), so that the statistics recompute those counties' figures.
            _audit_per_county(action="monitoring.alerts_escalated", by_area=by_area, on=today, extra={})
    return count


# --- The 一户一档 of the low-income population ------------------------------------------------------------------


def population_refresh(*, on: dt.date | None = None) -> dict[str, int]:
    """Bring the low-income population up to date, set-based: each household's groups from the running benefits
    (低保, 特困), the latest means test (低保边缘, 刚性支出) and the departments' feeds (防返贫, 困难职工); a change of
    groups is kept in the history; a household in no group any more leaves it. Returns counts."""
    on = on or timezone.localdate()
    groups: dict[int, set[str]] = defaultdict(set)
    # unscoped: a system job over the whole city's running benefits
    for household_id, programme in (
        Benefit.objects.unscoped()
        .filter(status__in=RUNNING, programme__in=("dibao", "tekun"))
        .values_list("household_id", "programme")
    ):
        groups[household_id].add(programme)
    for programme in ("edge", "rigid"):
        for household_id in (
            _latest_results(programme).filter(eligible=True).values_list("assessment__household_id", flat=True)
        ):
            if not groups[household_id] & {"dibao", "tekun"}:
                groups[household_id].add(programme)
    sources = {"anti_poverty": Group.ANTI_POVERTY, "union_hardship": Group.UNION_HARDSHIP}
    # unscoped: a system job over the matched records of two departments' sources
    fed = FeedRecord.objects.unscoped().filter(feed__source__code__in=list(sources), match=FeedRecord.Match.MATCHED)
    person_groups = list(fed.values_list("person_id", "feed__source__code").distinct())
    if person_groups:
        persons = sorted({p for p, _c in person_groups})
        household_of: dict[int, int] = {}
        for start in range(0, len(persons), CHUNK):
            # unscoped: the current households of persons a system job read in the feeds
            household_of.update(
                Membership.objects.unscoped()
                .filter(person_id__in=persons[start : start + CHUNK], left_on__isnull=True)
                .values_list("person_id", "household_id")
            )
        for person_id, code in person_groups:
            if person_id in household_of:
                groups[household_of[person_id]].add(sources[code])
    groups = {h: g for h, g in groups.items() if g}
    # unscoped: a system job over the whole population's records
    existing = {m.household_id: m for m in MonitoredHousehold.objects.unscoped().all()}
    # unscoped: the areas of the households a system job found
    areas = dict(
        Household.objects.unscoped()
        .filter(pk__in=[h for h in groups if h not in existing])
        .values_list("pk", "area_id")
    )
    new, changed, left = [], [], []
    history: list[tuple[int, list[str], list[str]]] = []
    for household_id, now in groups.items():
        after = sorted(now)
        row = existing.get(household_id)
        if row is None:
            new.append(
                MonitoredHousehold(
                    household_id=household_id, area_code=areas[household_id], groups=after, since=on, updated_on=on
                )
            )
        elif row.groups != after or not row.active:
            history.append((household_id, row.groups, after))
            row.groups, row.updated_on, row.active = after, on, True
            changed.append(row)
    for household_id, row in existing.items():
        if household_id not in groups and row.active:
            history.append((household_id, row.groups, []))
            row.groups, row.updated_on, row.active = [], on, False
            left.append(row)
    with transaction.atomic():
        MonitoredHousehold.objects.bulk_create(new, batch_size=CHUNK)
        # unscoped: a system job updating the rows it read above (bulk_update filters by their ids)
        MonitoredHousehold.objects.unscoped().bulk_update(
            [*changed, *left], ["groups", "updated_on", "active"], batch_size=CHUNK
        )
        ids = {m.household_id: m.pk for m in [*changed, *left]}
        MonitoredChange.objects.bulk_create(
            [MonitoredChange(monitored_id=ids[h], on=on, before=b, after=a) for h, b, a in history], batch_size=CHUNK
        )
        MonitoredChange.objects.bulk_create(
            [MonitoredChange(monitored_id=m.pk, on=on, before=[], after=m.groups) for m in new if m.pk],
            batch_size=CHUNK,
        )
    return {"households": len(groups), "new": len(new), "changed": len(changed), "left": len(left)}


# --- The daily run ----------------------------------------------------------------------------------------------


def discover(*, now: dt.datetime | None = None) -> DiscoveryRun:
    """The daily run (Celery beat, or ``manage.py monitoring_discover``): the feeds received since the last run's
    end through every rule in force, the object rules over the programmes' data, escalation of overdue warnings,
    and the 一户一档 brought up to date. A run covers [the last run's end, now): nothing is read twice, and a
    warning raised twice is one (the unique constraint)."""
    now = now or timezone.now()
    last = DiscoveryRun.objects.filter(status=DiscoveryRun.Status.DONE).order_by("-until").first()
    since = last.until if last else now - dt.timedelta(days=1)
    run = DiscoveryRun.objects.create(since=since, until=now, status=DiscoveryRun.Status.RUNNING)
    try:
        raised = alerts_raise(since=since, until=now, on=timezone.localtime(now).date())
        escalated = alerts_escalate(today=timezone.localtime(now).date())
        population = population_refresh(on=timezone.localtime(now).date())
    except Exception as exc:
        DiscoveryRun.objects.filter(pk=run.pk).update(status=DiscoveryRun.Status.FAILED, error=str(exc)[:500])
        raise
    run.status = DiscoveryRun.Status.DONE
    run.signals = raised.signals
    run.raised = raised.total
    run.escalated = escalated
    run.counts = {"by_rule": dict(raised.by_rule), "skipped_closed": raised.skipped_closed, **population}
    run.finished_at = timezone.now()
    run.save()
    return run
