"""Writes of the social-organisation registry and social work: each one atomic, scope-checked and audited.

Who writes: an administrator of civil affairs (``social_admin``, bound to a city, county or township; or the city
administrator) covering the division of the registering bureau. Organisations registered by a bureau (社会团体,
民办非企业单位, 基金会) are registered by a city or county; a community social organisation is filed with a township
(or registered by a county). Every credit code is checked to GB 32100-2015 (``credit_code.validate``).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.areas.codes import InvalidCode, level_of
from minsheng.areas.models import Division
from minsheng.assistance.rules.selectors import parameter_for
from minsheng.audit.services import audit_record
from minsheng.core.months import add_months
from minsheng.core.scoping import lock_in_scope, require_scope
from minsheng.social import credit_code as uscc
from minsheng.social.models import (
    AnnualReport,
    CharityProject,
    Donation,
    Organisation,
    ServiceField,
    SocialWorker,
    Station,
)

if TYPE_CHECKING:
    from minsheng.accounts.models import User

# The levels of the divisions that register each kind (a township files community organisations only).
REGISTRAR_LEVELS = {
    Organisation.Kind.SOCIAL_GROUP: ("city", "county"),
    Organisation.Kind.PRIVATE_NON_ENTERPRISE: ("city", "county"),
    Organisation.Kind.FOUNDATION: ("city", "county"),
    Organisation.Kind.COMMUNITY: ("county", "township"),
}
# The type characters (position 2 of a credit code) each kind may carry: a community organisation that holds a code
# was registered as a social group or a social service agency.
KIND_TYPES = {
    Organisation.Kind.SOCIAL_GROUP: ("1",),
    Organisation.Kind.PRIVATE_NON_ENTERPRISE: ("2",),
    Organisation.Kind.FOUNDATION: ("3",),
    Organisation.Kind.COMMUNITY: ("1", "2", "9"),
}
MONEY_MAX_FEN = 100_000_000_000  # ten hundred million yuan: beyond any one donation or annual account here
PAST_LIMIT = dt.date(1949, 10, 1)


def _division(code: str, field: str, levels: tuple[str, ...] | None = None) -> Division:
    code = code.strip()
    division = Division.objects.all().filter(code=code).first() if len(code) == 12 and code.isdigit() else None
    if division is None:
        raise ValidationError({field: _("%(code)s is not a division code (12 digits).") % {"code": code or "—"}})
    if levels is not None and division.level not in levels:
        raise ValidationError(
            {field: _("%(name)s is not a division of the right level here.") % {"name": division.name}}
        )
    return division


def region_known(region: str) -> bool:
    """Whether six digits name a province, city or county of the division table (a credit code's region)."""
    code = region.ljust(12, "0")
    try:
        level = level_of(code)
    except InvalidCode:
        return False
    return level in ("province", "city", "county") and Division.objects.all().filter(code=code).exists()


def credit_code_errors(code: str) -> list[str]:
    """``credit_code.validate`` with the region checked against the division table."""
    return uscc.validate(code, region_known=region_known)


def valid_until(start: dt.date, months: int) -> dt.date:
    """The last day of a period of ``months`` from ``start`` (a grade of 2023-02-28 for 60 months holds to
    2028-02-27; one of 2020-02-29 to 2025-02-27)."""
    first = add_months(start, months)
    last_day = (add_months(first, 1) - dt.timedelta(days=1)).day
    return first.replace(day=min(start.day, last_day)) - dt.timedelta(days=1)


def _date(value: dt.date | None, field: str) -> dt.date:
    if value is None:
        raise ValidationError({field: _("Enter the date.")})
    if value < PAST_LIMIT or value > timezone.localdate():
        raise ValidationError({field: _("The date must lie between 1949-10-01 and today.")})
    return value


def _date_or_none(value: dt.date | None, field: str) -> dt.date | None:
    return None if value is None else _date(value, field)


def _fen(value: int, field: str, *, allow_zero: bool = True) -> int:
    if value < (0 if allow_zero else 1) or value > MONEY_MAX_FEN:
        raise ValidationError({field: _("The amount is out of range.")})
    return value


def _text(value: str, field: str, required: str | None, limit: int) -> str:
    text = " ".join(value.split())
    if required and not text:
        raise ValidationError({field: required})
    if len(text) > limit:
        raise ValidationError({field: _("At most %(limit)d characters.") % {"limit": limit}})
    return text


def _snapshot(org: Organisation) -> dict[str, Any]:
    return {
        "name": org.name,
        "kind": org.kind,
        "credit_code": org.credit_code,
        "status": org.status,
        "grade": org.grade,
        "charity_since": org.charity_since,
        "public_fundraising_since": org.public_fundraising_since,
    }


# --- Organisations ------------------------------------------------------------------------------------------------


@transaction.atomic
def organisation_register(
    *,
    actor: User,
    kind: str,
    name: str,
    credit_code: str,
    service_field: str,
    area_code: str,
    registrar_code: str,
    registered_on: dt.date,
    legal_representative: str = "",
    address: str = "",
    phone: str = "",
) -> Organisation:
    """Register (or, for a community organisation, file) an organisation with the registrar's division."""
    if kind not in Organisation.Kind.values:
        raise ValidationError({"kind": _("Choose the type of organisation.")})
    if service_field not in ServiceField.values:
        raise ValidationError({"service_field": _("Choose a service field.")})
    registrar = _division(registrar_code, "registrar", REGISTRAR_LEVELS[Organisation.Kind(kind)])
    require_scope(
        actor,
        "social.add_organisation",
        registrar.code,
        message=_("You do not register organisations for %(name)s.") % {"name": registrar.name},
    )
    area = _division(area_code, "area")
    if not area.code.startswith(registrar.prefix):
        raise ValidationError({"area": _("The organisation's domicile lies outside the registrar's area.")})
    name = _text(name, "name", _("Enter the organisation's name."), 100)
    code = uscc.normalize(credit_code)
    if code:
        errors = credit_code_errors(code)
        if errors:
            raise ValidationError({"credit_code": errors})
        if code[1] not in KIND_TYPES[Organisation.Kind(kind)]:
            raise ValidationError(
                {
                    "credit_code": _(
                        "Character 2 (%(char)s) of the credit code names another type of organisation than the one "
                        "chosen."
                    )
                    % {"char": code[1]}
                }
            )
        # unscoped: uniqueness check: a credit code is registered once in the whole city
        existing = Organisation.objects.unscoped().filter(credit_code=code).first()
        if existing is not None:
            raise ValidationError(
                {"credit_code": _("This credit code is registered already (%(name)s).") % {"name": existing.name}}
            )
    elif kind != Organisation.Kind.COMMUNITY:
        raise ValidationError({"credit_code": _("A registered organisation has a unified social credit code.")})
    # unscoped: uniqueness check: one name per registrar, whoever may read the other rows
    if Organisation.objects.unscoped().filter(registrar_code=registrar.code, name=name).exists():
        raise ValidationError({"name": _("The registrar has an organisation of this name already.")})
    org = Organisation(
        kind=kind,
        name=name,
        credit_code=code,
        service_field=service_field,
        area_code=area.code,
        registrar_code=registrar.code,
        registered_on=_date(registered_on, "registered_on"),
        legal_representative=_text(legal_representative, "legal_representative", None, 50),
        address=_text(address, "address", None, 200),
        phone=_text(phone, "phone", None, 30),
    )
    org.full_clean()
    org.save()
    audit_record(
        actor=actor, action="social.organisation_registered", obj=org, area_code=org.area_code, after=_snapshot(org)
    )
    return org


def _lock(actor: User, org: Organisation) -> Organisation:
    row = lock_in_scope(Organisation, org.pk, actor, "change", message=_("This organisation is outside your areas."))
    require_scope(
        actor,
        "social.change_organisation",
        row.registrar_code,
        message=_("Only the registrar's administrators change this organisation's record."),
    )
    return row


@transaction.atomic
def organisation_deregister(
    *, actor: User, organisation: Organisation, revoked: bool, ended_on: dt.date, reason: str
) -> Organisation:
    """Deregister (注销) or revoke (撤销登记) a registered organisation; it leaves the counts from that day."""
    row = _lock(actor, organisation)
    if row.status != Organisation.Status.ACTIVE:
        raise ValidationError(_("This organisation is not registered any more."))
    reason = _text(reason, "reason", _("Say why."), 500)
    day = _date(ended_on, "ended_on")
    if day < row.registered_on:
        raise ValidationError({"ended_on": _("The date lies before the registration.")})
    before = _snapshot(row)
    row.status = Organisation.Status.REVOKED if revoked else Organisation.Status.DEREGISTERED
    row.ended_on = day
    row.save(update_fields=["status", "ended_on"])
    audit_record(
        actor=actor,
        action="social.organisation_ended",
        obj=row,
        area_code=row.area_code,
        before=before,
        after=_snapshot(row),
        reason=reason,
    )
    return row


@transaction.atomic
def organisation_grade(*, actor: User, organisation: Organisation, grade: int, graded_on: dt.date) -> Organisation:
    """Record an evaluation (社会组织评估): a grade of 1A to 5A, valid for the months the rule
    ``social.grade_valid_months`` says (five years under 《社会组织评估管理办法》)."""
    row = _lock(actor, organisation)
    if row.status != Organisation.Status.ACTIVE:
        raise ValidationError(_("This organisation is not registered any more."))
    if grade not in range(1, 6):
        raise ValidationError({"grade": _("A grade is 1A to 5A.")})
    day = _date(graded_on, "graded_on")
    if day < row.registered_on:
        raise ValidationError({"graded_on": _("The date lies before the registration.")})
    if row.graded_on is not None and day < row.graded_on:
        raise ValidationError({"graded_on": _("A later evaluation is recorded already.")})
    months = int(parameter_for("social.grade_valid_months", area_code=row.registrar_code, on=day).value)
    before = _snapshot(row)
    row.grade, row.graded_on, row.grade_until = grade, day, valid_until(day, months)
    row.save(update_fields=["grade", "graded_on", "grade_until"])
    audit_record(
        actor=actor,
        action="social.organisation_graded",
        obj=row,
        area_code=row.area_code,
        before=before,
        after={**_snapshot(row), "grade_until": row.grade_until},
    )
    return row


@transaction.atomic
def organisation_charity(
    *, actor: User, organisation: Organisation, charity_since: dt.date | None, fundraising_since: dt.date | None
) -> Organisation:
    """Record the 慈善组织 recognition and the public-fundraising qualification (which needs the recognition first)."""
    row = _lock(actor, organisation)
    if row.status != Organisation.Status.ACTIVE:
        raise ValidationError(_("This organisation is not registered any more."))
    if row.kind == Organisation.Kind.COMMUNITY:
        raise ValidationError(_("A community social organisation is not recognised as a charity."))
    charity = _date_or_none(charity_since, "charity_since")
    fundraising = _date_or_none(fundraising_since, "fundraising_since")
    if charity is not None and charity < row.registered_on:
        raise ValidationError({"charity_since": _("The date lies before the registration.")})
    if fundraising is not None and (charity is None or fundraising < charity):
        raise ValidationError(
            {"fundraising_since": _("Public fundraising is qualified only after the recognition as a charity.")}
        )
    before = _snapshot(row)
    row.charity_since, row.public_fundraising_since = charity, fundraising
    row.save(update_fields=["charity_since", "public_fundraising_since"])
    audit_record(
        actor=actor,
        action="social.charity_status",
        obj=row,
        area_code=row.area_code,
        before=before,
        after=_snapshot(row),
    )
    return row


@transaction.atomic
def report_submit(
    *,
    actor: User,
    organisation: Organisation,
    year: int,
    submitted_on: dt.date,
    income_fen: int,
    expenditure_fen: int,
    staff: int,
) -> AnnualReport:
    """Record an organisation's annual report for a past year (entered by the registrar's administrator)."""
    row = _lock(actor, organisation)
    day = _date(submitted_on, "submitted_on")
    if year < row.registered_on.year or year >= day.year:
        raise ValidationError(
            {"year": _("The year reported is a full year after the registration, before the report.")}
        )
    if not 0 <= staff <= 100_000:
        raise ValidationError({"staff": _("The number of staff is out of range.")})
    if row.reports.filter(year=year).exists():
        raise ValidationError({"year": _("The report of this year is recorded already.")})
    report = AnnualReport.objects.create(
        organisation=row,
        area_code=row.area_code,
        registrar_code=row.registrar_code,
        year=year,
        submitted_on=day,
        income_fen=_fen(income_fen, "income_fen"),
        expenditure_fen=_fen(expenditure_fen, "expenditure_fen"),
        staff=staff,
    )
    audit_record(
        actor=actor,
        action="social.report_submitted",
        obj=row,
        area_code=row.area_code,
        after={"year": year, "income_fen": income_fen, "expenditure_fen": expenditure_fen, "staff": staff},
    )
    return report


@transaction.atomic
def report_inspect(*, actor: User, report: AnnualReport, result: str, note: str = "") -> AnnualReport:
    """The registrar's result of the annual inspection (年检): once, race-safe (the row is locked and re-read)."""
    row = lock_in_scope(AnnualReport, report.pk, actor, "change", message=_("This report is outside your areas."))
    require_scope(
        actor,
        "social.change_annualreport",
        row.registrar_code,
        message=_("Only the registrar's administrators inspect this report."),
    )
    if row.result != AnnualReport.Result.PENDING:
        raise ValidationError(_("This report has been inspected already."))
    if result not in AnnualReport.Result.values or result == AnnualReport.Result.PENDING:
        raise ValidationError({"result": _("Choose the result of the inspection.")})
    note = _text(note, "note", _("Say why.") if result == AnnualReport.Result.UNQUALIFIED else None, 500)
    row.result, row.note, row.inspected_by, row.inspected_at = result, note, actor, timezone.now()
    row.save(update_fields=["result", "note", "inspected_by", "inspected_at"])
    audit_record(
        actor=actor,
        action="social.report_inspected",
        obj=row.organisation,
        area_code=row.area_code,
        after={"year": row.year, "result": result},
        reason=note,
    )
    return row


# --- Centres, stations and social workers ------------------------------------------------------------------------


@transaction.atomic
def station_open(
    *,
    actor: User,
    kind: str,
    area_code: str,
    name: str,
    opened_on: dt.date,
    standard: bool = False,
    floor_area: int = 0,
    operator: Organisation | None = None,
    address: str = "",
    phone: str = "",
) -> Station:
    """A community's service centre (in a village or community) or a township's social-work station: one open per
    division. ``operator``: the organisation that runs it under contract, if any (read through the door)."""
    if kind not in Station.Kind.values:
        raise ValidationError({"kind": _("Choose centre or station.")})
    level = "village" if kind == Station.Kind.CENTRE else "township"
    area = _division(area_code, "area", (level,))
    require_scope(actor, "social.add_station", area.code)
    name = _text(name, "name", _("Enter the name."), 100)
    if not 0 <= floor_area <= 100_000:
        raise ValidationError({"floor_area": _("The floor area is out of range.")})
    if standard and kind != Station.Kind.CENTRE:
        raise ValidationError({"standard": _("Only a community service centre is assessed against the standard.")})
    # unscoped: uniqueness check: one open centre or station per division
    if Station.objects.unscoped().filter(kind=kind, area_code=area.code, closed_on__isnull=True).exists():
        raise ValidationError({"area": _("%(name)s has one open already.") % {"name": area.name}})
    station = Station(
        kind=kind,
        name=name,
        area_code=area.code,
        standard=standard,
        floor_area=floor_area,
        opened_on=_date(opened_on, "opened_on"),
        operator=operator,
        address=_text(address, "address", None, 200),
        phone=_text(phone, "phone", None, 30),
    )
    station.full_clean()
    station.save()
    audit_record(
        actor=actor,
        action="social.station_opened",
        obj=station,
        area_code=station.area_code,
        after={"kind": kind, "name": name, "standard": standard, "operator": operator.pk if operator else None},
    )
    return station


@transaction.atomic
def station_assess(*, actor: User, station: Station, standard: bool) -> Station:
    """Whether a community service centre meets the standard (标准化), as assessed by the county."""
    row = lock_in_scope(Station, station.pk, actor, "change", message=_("This centre is outside your areas."))
    if row.kind != Station.Kind.CENTRE:
        raise ValidationError(_("Only a community service centre is assessed against the standard."))
    if row.closed_on is not None:
        raise ValidationError(_("This centre is closed."))
    if row.standard == standard:
        raise ValidationError(_("Nothing changes."))
    row.standard = standard
    row.save(update_fields=["standard"])
    audit_record(
        actor=actor,
        action="social.centre_assessed",
        obj=row,
        area_code=row.area_code,
        before={"standard": not standard},
        after={"standard": standard},
    )
    return row


@transaction.atomic
def worker_register(
    *,
    actor: User,
    name: str,
    level: str,
    certificate_number: str,
    certified_year: int | None,
    area_code: str,
    organisation: Organisation | None = None,
    station: Station | None = None,
) -> SocialWorker:
    """Record a social worker with the licence (certificate number required for a licensed level, unique) and the
    employer: an organisation or a centre or station, never both. The employer is read through the door."""
    if level not in SocialWorker.Level.values:
        raise ValidationError({"level": _("Choose the licence level.")})
    area = _division(area_code, "area")
    require_scope(actor, "social.add_socialworker", area.code)
    name = _text(name, "name", _("Enter the name."), 50)
    number = "".join(certificate_number.split()).upper()
    licensed = level != SocialWorker.Level.NONE
    if licensed and not number:
        raise ValidationError({"certificate_number": _("A licensed social worker has a certificate number.")})
    if not licensed and number:
        raise ValidationError({"certificate_number": _("Without a licence there is no certificate number.")})
    if number and (len(number) > 30 or not number.isalnum()):
        raise ValidationError({"certificate_number": _("A certificate number has up to 30 letters and digits.")})
    this_year = timezone.localdate().year
    if licensed and (certified_year is None or not 2008 <= certified_year <= this_year):
        # The national examination was first held in 2008.
        raise ValidationError({"certified_year": _("The year of the licence lies between 2008 and this year.")})
    if organisation is not None and station is not None:
        raise ValidationError(_("A social worker has one employer: an organisation or a centre or station."))
    # unscoped: uniqueness check: a certificate number is held by one person in the whole city
    if number and SocialWorker.objects.unscoped().filter(certificate_number=number).exists():
        raise ValidationError({"certificate_number": _("This certificate number is recorded already.")})
    worker = SocialWorker(
        name=name,
        level=level,
        certificate_number=number,
        certified_year=certified_year if licensed else None,
        area_code=area.code,
        organisation=organisation,
        station=station,
    )
    worker.full_clean()
    worker.save()
    audit_record(
        actor=actor,
        action="social.worker_registered",
        obj=worker,
        area_code=worker.area_code,
        after={
            "level": level,
            "certificate_number": number,
            "organisation": worker.organisation_id,
            "station": worker.station_id,
        },
    )
    return worker


@transaction.atomic
def worker_leave(*, actor: User, worker: SocialWorker) -> SocialWorker:
    """The social worker no longer works here (left, retired): kept, not counted."""
    row = lock_in_scope(SocialWorker, worker.pk, actor, "change", message=_("This person is outside your areas."))
    if not row.active:
        raise ValidationError(_("This social worker has left already."))
    row.active = False
    row.save(update_fields=["active"])
    audit_record(actor=actor, action="social.worker_left", obj=row, area_code=row.area_code)
    return row


# --- Charitable resources ----------------------------------------------------------------------------------------


@transaction.atomic
def project_add(
    *,
    actor: User,
    name: str,
    area_code: str,
    service_field: str,
    description: str,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
    accepts_referrals: bool = True,
    organisation: Organisation | None = None,
) -> CharityProject:
    """A charity project of the area (of an organisation read through the door, or of the charity federation)."""
    area = _division(area_code, "area")
    require_scope(actor, "social.add_charityproject", area.code)
    if service_field not in ServiceField.values:
        raise ValidationError({"service_field": _("Choose a service field.")})
    name = _text(name, "name", _("Enter the name."), 100)
    description = _text(description, "description", _("Say what the project offers."), 500)
    if starts_on is None or not PAST_LIMIT <= starts_on <= timezone.localdate() + dt.timedelta(days=366):
        raise ValidationError({"starts_on": _("The start lies between 1949-10-01 and a year from now.")})
    if ends_on is not None and ends_on < starts_on:
        raise ValidationError({"ends_on": _("The end lies before the start.")})
    if organisation is not None and organisation.status != Organisation.Status.ACTIVE:
        raise ValidationError({"organisation": _("This organisation is not registered any more.")})
    # unscoped: uniqueness check: one project name per area
    if CharityProject.objects.unscoped().filter(area_code=area.code, name=name).exists():
        raise ValidationError({"name": _("The area has a project of this name already.")})
    project = CharityProject.objects.create(
        name=name,
        area_code=area.code,
        service_field=service_field,
        description=description,
        starts_on=starts_on,
        ends_on=ends_on,
        accepts_referrals=accepts_referrals,
        organisation=organisation,
    )
    audit_record(
        actor=actor,
        action="social.project_added",
        obj=project,
        area_code=project.area_code,
        after={"name": name, "organisation": project.organisation_id, "accepts_referrals": accepts_referrals},
    )
    return project


@transaction.atomic
def donation_record(
    *,
    actor: User,
    project: CharityProject,
    donor: str,
    kind: str,
    amount_fen: int,
    goods: str = "",
    received_on: dt.date,
) -> Donation:
    """What a donor gave to a project: money in fen, or goods described with their value in fen."""
    row = lock_in_scope(CharityProject, project.pk, actor, "change", message=_("This project is outside your areas."))
    if kind not in Donation.Kind.values:
        raise ValidationError({"kind": _("Choose money or goods.")})
    donor = _text(donor, "donor", _("Name the donor (or write 匿名 for an anonymous gift)."), 100)
    goods = _text(goods, "goods", _("Say what goods were given.") if kind == Donation.Kind.GOODS else None, 200)
    if kind == Donation.Kind.MONEY and goods:
        raise ValidationError({"goods": _("A gift of money names no goods.")})
    day = _date(received_on, "received_on")
    if day < row.starts_on or (row.ends_on is not None and day > row.ends_on):
        raise ValidationError({"received_on": _("The day lies outside the project's dates.")})
    donation = Donation.objects.create(
        project=row,
        area_code=row.area_code,
        donor=donor,
        kind=kind,
        amount_fen=_fen(amount_fen, "amount", allow_zero=False),
        goods=goods,
        received_on=day,
        recorded_by=actor,
    )
    audit_record(
        actor=actor,
        action="social.donation_recorded",
        obj=row,
        area_code=row.area_code,
        after={"donor": donor, "kind": kind, "amount_fen": amount_fen, "goods": goods, "received_on": day},
    )
    return donation
