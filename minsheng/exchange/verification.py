"""核对 for one household (DOMAIN §5 flow): the 核对申请, the county's review and dispatch, the answers, the 核对报告.

1. **Request.** The township (or another department's system, the shared service) asks for a 核对 of a household
   under its 授权书 in force: every member is checked by ``authorisation_for`` (an adult who has not signed, an ended
   or expired 授权书 refuses the request with its reason). The household's declaration is taken from the programmes
   at that moment (event ``DECLARATION``) and kept on the request.
2. **Review and dispatch.** The county 核对中心 returns the request with a reason, or dispatches one query per
   source the 授权书 covers among ``REPORT_SOURCES``. A source whose department sends its data in bulk is answered
   at once from the feeds held; the others (banks, insurers, securities firms) get an outbound query file (the
   members' ID numbers and names under the query's reference) and answer with a feed in their own layout whose batch
   number is the reference — by file upload or over the API. ``answer_from_feed`` links such a feed to its query.
3. **Report.** When every query is answered the report is made: per item (income, financial assets, vehicles,
   property, company roles, pay from public funds) the declared figure against the verified one — the sum over the
   members the declaration counts, from the matched records of the queried sources — whether it differs beyond the
   tolerance, and the conclusion: 不符合 when the programmes' policy calculation with the verified figures finds the
   household does not meet the purpose's conditions, 疑点 when an item differs, else 符合. The tolerances, the
   report's validity and the policy calculation come from the programmes (event ``REPORT``), whose rules are dated
   and area-scoped.
4. **Objection.** The township records the family's objection to a report: a 复查 (a new request, reviewed and
   answered afresh); the report it objects to is superseded when the re-check reports.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.db.models.functions import Substr
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from minsheng.accounts.models import User
from minsheng.audit.models import AuditEvent
from minsheng.audit.services import audit_record
from minsheng.core.crypto import blind_index, mask_id_number
from minsheng.core.limits import REASON_MAX, require_length
from minsheng.core.modules import Label, publish
from minsheng.core.scoping import require_scope
from minsheng.core.templatetags.money import yuan
from minsheng.exchange.authorisations import NotAuthorised, authorisation_for, members_on
from minsheng.exchange.models import (
    Authorisation,
    DataSource,
    DepartmentClient,
    Feed,
    FeedRecord,
    Finding,
    Verification,
    VerificationItem,
    VerificationQuery,
)
from minsheng.people.idnumbers import InvalidIdNumber, parse_id_number
from minsheng.people.models import Household, Membership, Person

# The event published when a request is made; the payload is a ``Declaration``. The programmes fill in what the
# household declared (``figures``: item kind → amount in fen or count) and whose income it counts (``persons``).
DECLARATION = "exchange.declaration"
# The event published when a report is made; the payload is a ``ReportPolicy``. The programmes set the tolerances
# (kind → fen), the report's validity in days, and whether the household meets the purpose's conditions with the
# verified figures (``eligible``, None when the purpose is not theirs to calculate) with the calculation's notes.
REPORT = "exchange.report"

# The purposes a 核对 is asked for: the platform's own programmes, and the other departments' means tests.
PURPOSES: dict[str, Label] = {
    "dibao": gettext_lazy("低保"),
    "tekun": gettext_lazy("特困 support"),
    "edge": gettext_lazy("低保边缘 family"),
    "rigid": gettext_lazy("刚性支出 hardship family"),
    "temporary": gettext_lazy("临时救助"),
    "housing": gettext_lazy("Public rental housing (住建)"),
    "student_aid": gettext_lazy("Student aid (教育)"),
    "legal_aid": gettext_lazy("Legal aid (司法)"),
}
# The purposes another department's system may ask for (the shared service): their own means tests, never the
# platform's programmes, whose requests the township files.
CLIENT_PURPOSES = ("housing", "student_aid", "legal_aid")

Kind = Finding.Kind
# The sources a 核对 queries, by the report item their figures go to.
REPORT_SOURCES: dict[str, Finding.Kind] = {
    "hrss_contribution": Kind.INCOME,
    "hrss_pension": Kind.INCOME,
    "hrss_unemployment": Kind.INCOME,
    "tax_income": Kind.INCOME,
    "financial_asset": Kind.ASSET,
    "vehicle": Kind.VEHICLE,
    "property": Kind.PROPERTY,
    "market_role": Kind.COMPANY,
    "public_payroll": Kind.PUBLIC_PAY,
}
MONTHLY_INCOME = ("hrss_contribution", "hrss_pension", "hrss_unemployment")
COUNTED: dict[str, str] = {  # count items: the value that tells one thing from another
    Kind.VEHICLE: "plate",
    Kind.PROPERTY: "certificate",
    Kind.COMPANY: "company",
    Kind.PUBLIC_PAY: "employer",
}
ITEM_ORDER = (Kind.INCOME, Kind.ASSET, Kind.VEHICLE, Kind.PROPERTY, Kind.COMPANY, Kind.PUBLIC_PAY)
OPEN = (Verification.Status.SUBMITTED, Verification.Status.DISPATCHED)


@dataclass
class Declaration:
    household_id: int
    on: dt.date
    figures: dict[str, int] = field(default_factory=dict)
    persons: list[int] = field(default_factory=list)
    status: str = ""  # which record of the declaration, in words ("家庭经济状况 第 3 版")


@dataclass
class ReportPolicy:
    household_id: int
    area_code: str
    on: dt.date
    purpose: str
    declared: dict[str, int]
    verified: dict[str, int]
    tolerances: dict[str, int] = field(default_factory=dict)
    valid_days: int | None = None
    eligible: bool | None = None
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class VerifiedFigure:
    kind: str
    declared: int
    verified: int
    unit: str
    sources: str


@dataclass(frozen=True)
class VerifiedReport:
    """What the means test reads of a household's valid report."""

    number: str
    reported_on: dt.date
    valid_until: dt.date
    conclusion: str
    figures: dict[str, VerifiedFigure]


class VerificationRefused(ValidationError):
    """A request that cannot be made (no valid 授权书, a request already open, a household without members)."""


def _year_before(on: dt.date) -> dt.date:
    return on.replace(year=on.year - 1) if not (on.month == 2 and on.day == 29) else dt.date(on.year - 1, 2, 28)


# --- 1. The request -------------------------------------------------------------------------------------------


def _authorised(household: Household, on: dt.date) -> tuple[Any, list[Person]]:
    members = members_on(household, on)
    if not members:
        raise VerificationRefused(_("Household %(number)s has no living members.") % {"number": household.number})
    authorisation = None
    try:
        for person in members:  # each adult must have signed the 授权书 in force
            authorisation = authorisation_for(person=person, on=on)
    except NotAuthorised as refused:
        raise VerificationRefused(refused.messages[0]) from None
    return authorisation, members


@transaction.atomic
def verification_request(
    *,
    actor: User,
    household: Household,
    purpose: str,
    client: DepartmentClient | None = None,
    recheck_of: Verification | None = None,
    objection: str = "",
) -> Verification:
    """File a 核对申请 for ``household``: by the township (in its area), or by a department's system (``client``)."""
    if client is None:
        require_scope(actor, "exchange.add_verification", household.area_id)
    elif not (client.active and client.may_verify):
        raise PermissionDenied(_("This client may not request verifications."))
    if purpose not in PURPOSES:
        raise ValidationError({"purpose": _("Choose the purpose of the verification.")})
    if client is not None and purpose not in CLIENT_PURPOSES:
        raise ValidationError({"purpose": client_purposes_message()})
    # unscoped: the household's area is checked above; locked so that one request is open at a time
    Household.objects.unscoped().select_for_update().filter(pk=household.pk).get()
    # unscoped: the household's open requests, whoever filed them
    if Verification.objects.unscoped().filter(household=household, status__in=OPEN).exists():
        raise VerificationRefused(
            _("A verification of household %(number)s is already under way.") % {"number": household.number}
        )
    on = timezone.localdate()
    authorisation, _members = _authorised(household, on)
    declaration = Declaration(household_id=household.pk, on=on)
    with translation.override("zh-hans"):
        publish(DECLARATION, declaration)
    verification = Verification.objects.create(
        number=f"tmp-{uuid.uuid4().hex[:20]}",
        household=household,
        authorisation=authorisation,
        purpose=purpose,
        area_code=household.area_id,
        declared={"figures": declaration.figures, "persons": declaration.persons, "status": declaration.status},
        client=client,
        requested_by=actor,
        recheck_of=recheck_of,
        objection=objection,
    )
    verification.number = f"HD{on:%Y%m%d}{verification.pk:08d}"
    verification.save(update_fields=["number"])
    audit_record(
        actor=actor,
        action="exchange.verification_requested",
        kind=AuditEvent.Kind.SYSTEM if client else AuditEvent.Kind.CHANGE,
        obj=verification,
        area_code=household.area_id,
        after={
            "number": verification.number,
            "household": household.number,
            "purpose": purpose,
            "authorisation": authorisation.serial,
            "client": client.name if client else "",
            "recheck_of": recheck_of.number if recheck_of else "",
        },
        reason=objection or authorisation.serial,
    )
    return verification


@transaction.atomic
def verification_object(*, actor: User, verification: Verification, objection: str) -> Verification:
    """The family objects to a report: a 复查, filed by the township as a new request that the county reviews and
    answers afresh (whoever asked for the report: a department's report is re-checked through the township too)."""
    require_scope(actor, "exchange.add_verification", verification.area_code)
    objection = objection.strip()
    require_length(objection=(objection, REASON_MAX))
    if not objection:
        raise ValidationError({"objection": _("Write down the family's objection.")})
    locked = _locked(verification)
    if locked.status != Verification.Status.REPORTED or locked.superseded:
        raise ValidationError(_("Only an issued report that has not been re-checked can be objected to."))
    # unscoped: the re-check of the same report, if one was filed before (one re-check per report)
    if Verification.objects.unscoped().filter(recheck_of=locked).exists():
        raise ValidationError(_("A re-check of this report was requested already."))
    return verification_request(
        actor=actor,
        household=locked.household,
        purpose=locked.purpose,
        client=locked.client,
        recheck_of=locked,
        objection=objection,
    )


def client_purposes_message() -> str:
    purposes = "、".join(f"{code}（{PURPOSES[code]}）" for code in CLIENT_PURPOSES)
    return _("A department's system may ask only for %(purposes)s, not for the platform's own programmes.") % {
        "purposes": purposes
    }


def _applicant(*, id_number: str, name: str, serial: str, on: dt.date) -> Household:
    """The applicant's current household, when the ID number, the name and the 授权书 serial agree with the registry;
    else VerificationRefused naming what does not (the ID masked; the registered name is never told)."""
    try:
        number = parse_id_number(id_number).number
    except InvalidIdNumber as exc:
        raise ValidationError({"id_number": str(exc)}) from None
    masked = mask_id_number(number)
    # unscoped: a department's system finds its applicant by the ID's blind index only, whatever the area
    person = Person.objects.unscoped().filter(id_index=blind_index(number), merged_into__isnull=True).first()
    if person is None:
        raise VerificationRefused(_("No person with ID number %(id)s is in the registry.") % {"id": masked})
    if person.name != name.strip():
        raise VerificationRefused(
            _("The name does not match the person registered with ID number %(id)s.") % {"id": masked}
        )
    if person.status != Person.Status.LIVING:
        raise VerificationRefused(
            _("The registry records the person with ID number %(id)s as: %(status)s.")
            % {"id": masked, "status": person.get_status_display()}
        )
    # unscoped: the applicant's current household, whatever its area (the 授权书 below allows the query)
    membership = (
        Membership.objects.unscoped()
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=on), person=person, joined_on__lte=on)
        .select_related("household")
        .first()
    )
    if membership is None:
        raise VerificationRefused(_("The person with ID number %(id)s belongs to no household.") % {"id": masked})
    household = membership.household
    # unscoped: the serial is looked up among the applicant's household's own 授权书 versions only
    authorisation = Authorisation.objects.unscoped().filter(household=household, serial=serial.strip()).first()
    if authorisation is None:
        raise VerificationRefused(
            _("授权书 %(serial)s is not a 授权书 of the household of the person with ID number %(id)s.")
            % {"serial": serial.strip(), "id": masked}
        )
    if authorisation.ended_on is not None and authorisation.ended_on <= on:
        raise VerificationRefused(
            _("授权书 %(serial)s ended on %(date)s (%(reason)s).")
            % {
                "serial": authorisation.serial,
                "date": authorisation.ended_on.isoformat(),
                "reason": authorisation.end_reason,
            }
        )
    if authorisation.valid_until is not None and authorisation.valid_until < on:
        raise VerificationRefused(
            _("授权书 %(serial)s was valid until %(date)s.")
            % {"serial": authorisation.serial, "date": authorisation.valid_until.isoformat()}
        )
    return household


def client_verification_request(
    *, client: DepartmentClient, id_number: str, name: str, serial: str, purpose: str
) -> Verification:
    """The shared service: another department's system (public housing, student aid, legal aid) asks for a 核对 of
    its applicant's household under the 授权书 the family signed (``serial``). The applicant is found by the ID's
    blind index and the name; the serial must be the household's 授权书 in force. The request is then filed as the
    township's is (``verification_request``, which checks every member's signature and audits it with the client).
    A refusal about the applicant is audited too (``exchange.verification_refused``): the bureau sees who asked what,
    including the asking that found nobody."""
    if not (client.active and client.may_verify):
        raise PermissionDenied(_("This client may not request verifications."))
    if purpose not in CLIENT_PURPOSES:
        raise ValidationError({"purpose": client_purposes_message()})
    on = timezone.localdate()
    try:
        household = _applicant(id_number=id_number, name=name, serial=serial, on=on)
        # unscoped: this client's own open request of the household, to give its number back on a retry
        mine = (
            Verification.objects.unscoped()
            .filter(household=household, client=client, status__in=OPEN)
            .values_list("number", flat=True)
            .first()
        )
        if mine is not None:
            raise VerificationRefused(
                _("Request %(number)s of this client for this household is still under way: read it instead.")
                % {"number": mine}
            )
        return verification_request(actor=client.user, household=household, purpose=purpose, client=client)
    except VerificationRefused as refused:
        with transaction.atomic():
            audit_record(
                actor=client.user,
                action="exchange.verification_refused",
                kind=AuditEvent.Kind.SYSTEM,
                obj=client,
                area_code=client.area_code,
                after={"id_number": mask_id_number(id_number.strip()), "purpose": purpose, "authorisation": serial},
                reason=refused.messages[0][:REASON_MAX],
            )
        raise


def _locked(verification: Verification) -> Verification:
    # unscoped: the verification the caller loaded through the door, locked for the transition
    return Verification.objects.unscoped().select_for_update().select_related("household").get(pk=verification.pk)


# --- 2. Review and dispatch -------------------------------------------------------------------------------------


@transaction.atomic
def verification_review(*, actor: User, verification: Verification, dispatch: bool, reason: str = "") -> Verification:
    """The county 核对中心 returns the request (with a reason) or dispatches its queries."""
    require_scope(actor, "exchange.change_verification", verification.area_code)
    locked = _locked(verification)
    if locked.status != Verification.Status.SUBMITTED:
        raise ValidationError(
            _("This request was reviewed already (%(status)s).") % {"status": locked.get_status_display()}
        )
    reason = reason.strip()
    require_length(reason=(reason, REASON_MAX))
    locked.reviewed_by = actor
    locked.reviewed_at = timezone.now()
    if not dispatch:
        if not reason:
            raise ValidationError({"reason": _("Say why the request is returned.")})
        locked.status = Verification.Status.REFUSED
        locked.refusal = reason
        locked.save(update_fields=["status", "refusal", "reviewed_by", "reviewed_at"])
        audit_record(
            actor=actor, action="exchange.verification_returned", obj=locked, area_code=locked.area_code, reason=reason
        )
        return locked
    covered = set(locked.authorisation.sources.values_list("code", flat=True))
    sources = list(DataSource.objects.filter(code__in=[c for c in REPORT_SOURCES if c in covered]))
    if not sources:
        raise ValidationError(_("The 授权书 covers none of the sources a verification queries."))
    now = timezone.now()
    VerificationQuery.objects.bulk_create(
        [
            VerificationQuery(
                verification=locked,
                source=source,
                reference=f"{locked.number}-{source.code}"[:40],
                status=VerificationQuery.Status.ANSWERED
                if source.answered_from_feeds
                else VerificationQuery.Status.WAITING,
                answered_from=VerificationQuery.AnsweredFrom.HELD if source.answered_from_feeds else "",
                sent_at=now,
                answered_at=now if source.answered_from_feeds else None,
            )
            for source in sources
        ]
    )
    locked.status = Verification.Status.DISPATCHED
    locked.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    audit_record(
        actor=actor,
        action="exchange.verification_dispatched",
        obj=locked,
        area_code=locked.area_code,
        after={
            "held": sorted(s.code for s in sources if s.answered_from_feeds),
            "asked": sorted(s.code for s in sources if not s.answered_from_feeds),
        },
        reason=reason,
    )
    _report_when_answered(locked, actor)
    return locked


def query_file(*, actor: User, query: VerificationQuery) -> bytes:
    """The outbound query file of a waiting query: the reference, and the ID number and name of each member the
    declaration counts (CSV, UTF-8 with BOM for Excel). A bulk read of ID numbers: audited with the reference."""
    verification = query.verification
    require_scope(actor, "exchange.change_verification", verification.area_code)
    persons = _persons(verification)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(["reference", "id_number", "name"])
    for person in persons:
        writer.writerow([query.reference, person.id_number, person.name])
    audit_record(
        actor=actor,
        action="exchange.query_file_read",
        kind=AuditEvent.Kind.VIEW,
        obj=verification,
        area_code=verification.area_code,
        after={"query": query.reference, "source": query.source.code, "persons": len(persons)},
        reason=query.reference,
    )
    return out.getvalue().encode("utf-8")


def answer_from_feed(feed: Feed) -> VerificationQuery | None:
    """A feed whose batch number is a waiting query's reference (of the same source) answers it; the report is made
    when it was the last one waiting. Called in the feed's own transaction."""
    query = (
        VerificationQuery.objects.select_for_update()
        .filter(reference=feed.batch, source=feed.source, status=VerificationQuery.Status.WAITING)
        .select_related("verification")
        .first()
    )
    if query is None:
        return None
    query.status = VerificationQuery.Status.ANSWERED
    query.answered_from = (
        VerificationQuery.AnsweredFrom.API if feed.channel == Feed.Channel.API else VerificationQuery.AnsweredFrom.FILE
    )
    query.feed = feed
    query.answered_at = timezone.now()
    query.save(update_fields=["status", "answered_from", "feed", "answered_at"])
    verification = _locked(query.verification)
    if verification.status == Verification.Status.DISPATCHED:
        _report_when_answered(verification, feed.submitted_by)
    return query


# --- 3. The report ----------------------------------------------------------------------------------------------


def _persons(verification: Verification) -> list[Person]:
    counted = set(verification.declared.get("persons") or [])
    members = members_on(verification.household, timezone.localtime(verification.requested_at).date())
    return [p for p in members if not counted or p.pk in counted]


def verified_figures(
    person_ids: list[int], sources: list[str], on: dt.date
) -> tuple[dict[str, int], dict[str, set[str]]]:
    """The verified figure of every item from the matched records of ``sources`` about ``person_ids`` received by
    now: income over the 12 months before ``on`` (the monthly amounts of each month's latest record, or the latest
    year's taxable income when higher, per member), financial assets (each account's latest balance), and the count
    of distinct vehicles, properties, company roles and public employers. Returns (figures, sources per item)."""
    since = _year_before(on)
    # unscoped: the members of a household whose 授权书 allowed the query, read by the report
    records = (
        FeedRecord.objects.unscoped()
        .filter(person_id__in=person_ids, match=FeedRecord.Match.MATCHED, feed__source__code__in=sources)
        .order_by("feed__received_at", "feed_id", "row")
        .values_list("person_id", "feed__source__code", "on", "amount_fen", "values")
    )
    monthly: dict[tuple[int, str, dt.date], int] = {}
    tax: dict[int, tuple[int, int]] = {}
    balances: dict[tuple[int, str, str], int] = {}
    things: dict[str, set[tuple[int, str]]] = defaultdict(set)
    used: dict[str, set[str]] = defaultdict(set)
    for person_id, code, on_day, amount, values in records:
        kind = REPORT_SOURCES[code]
        if code in MONTHLY_INCOME:
            if on_day is not None and since <= on_day < on:
                monthly[(person_id, code, on_day)] = amount or 0  # a later record of the month replaces it
                used[kind].add(code)
        elif code == "tax_income":
            year = int(values.get("year") or 0)
            if year >= since.year - 1 and (person_id not in tax or year >= tax[person_id][0]):
                tax[person_id] = (year, amount or 0)
                used[kind].add(code)
        elif kind == Kind.ASSET:
            balances[(person_id, str(values.get("institution", "")), str(values.get("kind", "")))] = amount or 0
            used[kind].add(code)
        else:
            things[kind].add((person_id, str(values.get(COUNTED[kind], ""))))
            used[kind].add(code)
    income: dict[int, int] = defaultdict(int)
    for (person_id, _code, _month), amount in monthly.items():
        income[person_id] += amount
    for person_id, (_year, amount) in tax.items():
        income[person_id] = max(income[person_id], amount)
    figures: dict[str, int] = {
        Kind.INCOME: sum(income.values()),
        Kind.ASSET: sum(balances.values()),
        **{kind: len(things[kind]) for kind in COUNTED},
    }
    return figures, used


def _report_when_answered(verification: Verification, actor: User) -> None:
    if verification.queries.filter(status=VerificationQuery.Status.WAITING).exists():
        return
    with translation.override("zh-hans"):  # the report is kept in Chinese, as every decision's explanation
        _report(verification, actor)


def _report(verification: Verification, actor: User) -> None:
    on = timezone.localdate()
    queried = list(verification.queries.values_list("source__code", flat=True))
    kinds = {REPORT_SOURCES[code] for code in queried}
    persons = [p.pk for p in _persons(verification)]
    verified, used = verified_figures(persons, queried, on)
    declared = {k: int(v) for k, v in (verification.declared.get("figures") or {}).items()}
    policy = ReportPolicy(
        household_id=verification.household_id,
        area_code=verification.area_code,
        on=on,
        purpose=verification.purpose,
        declared={k: declared.get(k, 0) for k in kinds},
        verified={k: verified[k] for k in kinds},
    )
    publish(REPORT, policy)
    names = dict(DataSource.objects.filter(code__in=queried).values_list("code", "name"))
    items = []
    lines = []
    for kind in ITEM_ORDER:
        if kind not in kinds:
            continue
        unit = VerificationItem.Unit.FEN if kind in (Kind.INCOME, Kind.ASSET) else VerificationItem.Unit.COUNT
        was, found = declared.get(kind, 0), verified[kind]
        differs = found - was > (policy.tolerances.get(kind, 0) if unit == VerificationItem.Unit.FEN else 0)
        item = VerificationItem(
            verification=verification,
            kind=kind,
            unit=unit,
            declared=was,
            verified=found,
            sources="、".join(names[c] for c in sorted(used.get(kind, ()))),
            differs=differs,
        )
        items.append(item)
        if differs:
            lines.append(_difference(item))
    VerificationItem.objects.bulk_create(items)
    if policy.eligible is False:
        conclusion = Verification.Conclusion.INCONSISTENT
    elif lines:
        conclusion = Verification.Conclusion.DOUBTFUL
    else:
        conclusion = Verification.Conclusion.CONSISTENT
    verification.status = Verification.Status.REPORTED
    verification.conclusion = conclusion
    verification.findings = "\n".join([*lines, *policy.notes])
    verification.reported_at = timezone.now()
    verification.valid_until = on + dt.timedelta(days=policy.valid_days) if policy.valid_days else None
    verification.save(update_fields=["status", "conclusion", "findings", "reported_at", "valid_until"])
    if verification.recheck_of_id is not None:
        # unscoped: the report this re-check replaces, of the same household
        Verification.objects.unscoped().filter(pk=verification.recheck_of_id).update(superseded=True)
    audit_record(
        actor=actor,
        action="exchange.verification_reported",
        kind=AuditEvent.Kind.SYSTEM,
        obj=verification,
        area_code=verification.area_code,
        after={
            "conclusion": conclusion,
            "items": {i.kind: [i.declared, i.verified, i.differs] for i in items},
            "valid_until": verification.valid_until,
        },
    )


def _difference(item: VerificationItem) -> str:
    label = str(Kind(item.kind).label)
    if item.unit == VerificationItem.Unit.FEN:
        return _("%(item)s: declared ¥%(declared)s, verified ¥%(verified)s (%(sources)s).") % {
            "item": label,
            "declared": yuan(item.declared),
            "verified": yuan(item.verified),
            "sources": item.sources,
        }
    return _("%(item)s: declared %(declared)s, verified %(verified)s (%(sources)s).") % {
        "item": label,
        "declared": item.declared,
        "verified": item.verified,
        "sources": item.sources,
    }


def verified_report(household_id: int, on: dt.date) -> VerifiedReport | None:
    """The household's report in force on ``on`` (issued, not superseded, still valid), for the means test."""
    # unscoped: the caller (the means test) loaded the household through the door
    verification = (
        Verification.objects.unscoped()
        .filter(household_id=household_id, status=Verification.Status.REPORTED, superseded=False)
        .filter(reported_at__date__lte=on)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
        .order_by("-reported_at")
        .first()
    )
    if verification is None:
        return None
    return VerifiedReport(
        number=verification.number,
        reported_on=timezone.localtime(verification.reported_at).date(),
        valid_until=verification.valid_until or on,
        conclusion=verification.conclusion,
        figures={
            i.kind: VerifiedFigure(i.kind, i.declared, i.verified, i.unit, i.sources) for i in verification.items.all()
        },
    )


def pending_by_county() -> dict[str, int]:
    """已申未出报告: requests not yet reported (nor returned), per county (the first six digits of the area)."""
    # unscoped: counts only, per county, for the verification officers' page
    rows = (
        Verification.objects.unscoped()
        .filter(status__in=OPEN)
        .annotate(county=Substr("area_code", 1, 6))
        .values("county")
        .annotate(n=Count("id"))
        .values_list("county", "n")
    )
    return dict(rows)
