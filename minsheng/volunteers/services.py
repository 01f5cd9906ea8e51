"""Writes of the volunteers' module: registration, teams and members, activities, service records and the hours
and star levels they move, certificates and their public check, and the tasks made of other modules' needs.

Every service is keyword-only, atomic, checks the actor's area, and records its audit event (``module.py`` declares
each action). Hours are tenths of an hour.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, F, IntegerField, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.accounts.models import User
from minsheng.areas.models import Division
from minsheng.audit.services import audit_record
from minsheng.core.crypto import blind_index, mask_id_number, mask_name, mask_phone
from minsheng.core.limits import NAME_MAX, REASON_MAX, require_length
from minsheng.core.modules import publish
from minsheng.core.scoping import codes_containing, lock_in_scope, require_scope, scope_prefix
from minsheng.people.idnumbers import InvalidIdNumber, parse_id_number
from minsheng.people.names import is_valid_name, name_pinyin
from minsheng.people.services import PHONE_PATTERN
from minsheng.social.models import Organisation
from minsheng.volunteers import rules
from minsheng.volunteers.models import (
    Activity,
    Certificate,
    Membership,
    MonthlyHours,
    ServiceRecord,
    Task,
    Team,
    VerificationAttempt,
    Volunteer,
)

# The event a finished task publishes, for the module that raised the need (its payload: ``TaskDone``).
TASK_DONE = "volunteers.task_done"
# Certificate codes: 16 characters of an alphabet without look-alikes (0/O, 1/I/L), 80 bits from ``secrets``.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 16
HOURS_MAX_TENTHS = 240  # a record never holds more than a day (the rule may say less)
TITLE_MAX = 100


@dataclass(frozen=True)
class TaskDone:
    """Payload of ``volunteers.task_done``: the source that raised the need, what came of it, the hours served."""

    source_app: str
    source_kind: str
    source_id: str
    task: Task
    outcome: str
    hours_tenths: int
    volunteers: int
    actor: Any

    @property
    def report(self) -> str:
        """The outcome as the raising case records it: what came of the task, and who served how long."""
        if self.volunteers:
            return _("%(outcome)s (task done by volunteers: %(hours)s hours by %(count)d volunteers)") % {
                "outcome": self.outcome.strip(),
                "hours": f"{self.hours_tenths / 10:g}",
                "count": self.volunteers,
            }
        return _("%(outcome)s (task of 五社联动 done)") % {"outcome": self.outcome.strip()}


def _today() -> dt.date:
    return timezone.localdate()


def _clean_name(name: str, field: str = "name") -> str:
    name = " ".join(name.split())
    if not is_valid_name(name):
        raise ValidationError({field: _("Enter the name as on the ID card (Chinese characters, at most 50).")})
    return name


def _clean_phone(phone: str, field: str = "phone") -> str:
    phone = phone.replace(" ", "")
    if phone and not PHONE_PATTERN.match(phone):
        raise ValidationError({field: _("Enter an 11-digit mobile number or a landline with its area code.")})
    return phone


def _age(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _division(code: str) -> Division:
    division = Division.objects.filter(code=code).first()
    if division is None or division.level not in (Division.Level.TOWNSHIP, Division.Level.VILLAGE):
        raise ValidationError({"area": _("Choose a township or a village.")})
    return division


# --- Registration --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VolunteerData:
    """What a volunteer gives to register (实名注册); a minor also names a guardian who consented, and when."""

    name: str
    id_number: str
    area_code: str
    phone: str = ""
    guardian_name: str = ""
    guardian_phone: str = ""
    guardian_consent_on: dt.date | None = None


def volunteer_snapshot(volunteer: Volunteer) -> dict[str, Any]:
    """What the audit log keeps of a volunteer: masked numbers only."""
    return {
        "name": volunteer.name,
        "id": volunteer.id_masked,
        "phone": volunteer.phone_masked,
        "area": volunteer.area_code,
        "guardian_consent_on": volunteer.guardian_consent_on,
    }


@transaction.atomic
def volunteer_register(*, actor: User, data: VolunteerData, today: dt.date | None = None) -> Volunteer:
    """Register a volunteer under their real name. The ID number is checked (``people.idnumbers``) and stored
    encrypted with its blind index and masked copy, as the registry does; one registration per ID number in the
    whole city; under the rule's age, a guardian's consent (name and date) is required."""
    today = today or _today()
    area = _division(data.area_code)
    require_scope(actor, "volunteers.add_volunteer", area.code, message=_("You may not register volunteers here."))
    require_length(guardian_name=(data.guardian_name, NAME_MAX))
    try:
        parsed = parse_id_number(data.id_number, today=today)
    except InvalidIdNumber as exc:
        raise ValidationError({"id_number": str(exc)}) from None
    name = _clean_name(data.name)
    phone = _clean_phone(data.phone)
    adult = rules.adult_age(area.code, today)
    guardian_name = guardian_phone = ""
    consent_on = None
    if _age(parsed.birth_date, today) < adult:
        if not data.guardian_name.strip() or data.guardian_consent_on is None:
            raise ValidationError(
                {
                    "guardian_name": _(
                        "The volunteer is under %(age)d: a minor is registered only with a guardian's consent; "
                        "enter the guardian's name and the date of consent."
                    )
                    % {"age": adult}
                }
            )
        if data.guardian_consent_on > today:
            raise ValidationError({"guardian_consent_on": _("The date of consent cannot be in the future.")})
        guardian_name = _clean_name(data.guardian_name, "guardian_name")
        guardian_phone = _clean_phone(data.guardian_phone, "guardian_phone")
        consent_on = data.guardian_consent_on
    index = blind_index(parsed.number)
    # unscoped: one registration per ID number across every area, wherever it was made
    if Volunteer.objects.unscoped().filter(id_index=index).exists():
        raise ValidationError({"id_number": _("This ID number is registered as a volunteer already.")})
    volunteer = Volunteer.objects.create(
        area_code=area.code,
        name=name,
        name_pinyin=name_pinyin(name)[0],
        id_number=parsed.number,
        id_index=index,
        id_masked=mask_id_number(parsed.number),
        gender=parsed.gender,
        birth_date=parsed.birth_date,
        phone=phone,
        phone_masked=mask_phone(phone) if phone else "",
        guardian_name=guardian_name,
        guardian_phone=guardian_phone,
        guardian_consent_on=consent_on,
        registered_on=today,
        registered_by=actor,
    )
    audit_record(
        actor=actor,
        action="volunteers.registered",
        obj=volunteer,
        area_code=volunteer.area_code,
        after=volunteer_snapshot(volunteer),
    )
    return volunteer


# --- Teams and activities ------------------------------------------------------------------------------------------


@transaction.atomic
def team_create(*, actor: User, area_code: str, name: str, founding_organisation_id: int | None = None) -> Team:
    area = Division.objects.filter(code=area_code).first()
    if area is None or area.level not in (Division.Level.COUNTY, Division.Level.TOWNSHIP, Division.Level.VILLAGE):
        raise ValidationError({"area": _("Choose a county, a township or a village.")})
    require_scope(actor, "volunteers.add_team", area.code, message=_("You may not found teams here."))
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": _("Name the team.")})
    require_length(name=(name, TITLE_MAX))
    # unscoped: a team name is unique in its area, whoever may see the other team
    if Team.objects.unscoped().filter(area_code=area.code, name=name).exists():
        raise ValidationError({"name": _("A team of this name exists in this area already.")})
    team = Team.objects.create(area_code=area.code, name=name, founding_organisation_id=founding_organisation_id)
    audit_record(
        actor=actor, action="volunteers.team_created", obj=team, area_code=team.area_code, after={"name": name}
    )
    return team


@transaction.atomic
def team_join(*, actor: User, team: Team, volunteer: Volunteer) -> Membership:
    """A volunteer joins a team (once); the team's area and the volunteer's must both be the actor's."""
    locked = lock_in_scope(Team, team.pk, actor, "change", message=_("This team is outside your areas."))
    require_scope(actor, "volunteers.view_volunteer", volunteer.area_code)
    membership, created = Membership.objects.get_or_create(team=locked, volunteer=volunteer)
    if not created:
        raise ValidationError({"volunteer": _("The volunteer is in this team already.")})
    audit_record(
        actor=actor,
        action="volunteers.team_joined",
        obj=locked,
        area_code=locked.area_code,
        after={"volunteer": volunteer.id_masked},
    )
    return membership


def team_prefix(team: Team) -> str:
    """The code prefix of the area a team serves (its county, township or village)."""
    level = Division.objects.filter(code=team.area_code).values_list("level", flat=True).first()
    return scope_prefix(team.area_code, level or Division.Level.VILLAGE)


@transaction.atomic
def activity_create(
    *, actor: User, team: Team, title: str, held_on: dt.date, place: str, hours_tenths: int
) -> Activity:
    locked = lock_in_scope(Team, team.pk, actor, "change", message=_("This team is outside your areas."))
    title, place = " ".join(title.split()), " ".join(place.split())
    if not title or not place:
        raise ValidationError(_("Give the activity a title and a place."))
    require_length(title=(title, TITLE_MAX), place=(place, TITLE_MAX))
    if not 1 <= hours_tenths <= rules.day_hours_tenths(locked.area_code, held_on):
        raise ValidationError({"hours": _("An activity gives between 0.1 hours and a day's most hours.")})
    activity = Activity.objects.create(
        team=locked, area_code=locked.area_code, title=title, held_on=held_on, place=place, hours_tenths=hours_tenths
    )
    audit_record(
        actor=actor,
        action="volunteers.activity_created",
        obj=activity,
        area_code=activity.area_code,
        after={"title": title, "held_on": held_on, "hours_tenths": hours_tenths},
    )
    return activity


# --- Service records, hours and stars ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Served:
    """One volunteer's hours on one day, in an activity or on a task."""

    volunteer: Volunteer
    hours_tenths: int
    content: str
    evaluation: str = ServiceRecord.Evaluation.GOOD


def _star_case(thresholds: list[tuple[int, int]]) -> Case:
    return Case(
        *[When(hours_tenths__gte=needed, then=Value(star)) for star, needed in thresholds],
        default=Value(0),
        output_field=IntegerField(),
    )


def hours_credit(rows: Sequence[ServiceRecord], *, on: dt.date) -> None:
    """Add the records' hours to their volunteers and to the area's month, then set the volunteers' star levels —
    set-based: one UPDATE of the hours, one of the stars per county, one upsert per area and month."""
    by_volunteer: dict[int, int] = defaultdict(int)
    by_month: dict[tuple[str, dt.date], tuple[int, int]] = {}
    for row in rows:
        by_volunteer[row.volunteer_id] += row.hours_tenths
        key = (row.area_code, row.served_on.replace(day=1))
        hours, count = by_month.get(key, (0, 0))
        by_month[key] = (hours + row.hours_tenths, count + 1)
    # unscoped: the caller locked these volunteers in its scope; the totals move with the records
    volunteers = Volunteer.objects.unscoped()
    for volunteer_id, tenths in by_volunteer.items():
        volunteers.filter(pk=volunteer_id).update(hours_tenths=F("hours_tenths") + tenths)
    stars_refresh(volunteer_ids=list(by_volunteer), on=on)
    for (area_code, month), (tenths, count) in by_month.items():
        updated = MonthlyHours.objects.filter(area_code=area_code, month=month).update(
            hours_tenths=F("hours_tenths") + tenths, records=F("records") + count
        )
        if not updated:
            MonthlyHours.objects.create(area_code=area_code, month=month, hours_tenths=tenths, records=count)


def stars_refresh(*, volunteer_ids: Iterable[int] | None = None, on: dt.date | None = None) -> int:
    """Set the star level of the given volunteers (all when None) from their stored hours, with each county's
    thresholds: one UPDATE per county, touching only the rows whose level changes. Returns the rows changed."""
    on = on or _today()
    # unscoped: a system recomputation of a stored column, per county; nothing is shown
    volunteers = Volunteer.objects.unscoped()
    if volunteer_ids is not None:
        volunteers = volunteers.filter(pk__in=list(volunteer_ids))
        counties = sorted({code[:6] for code in volunteers.values_list("area_code", flat=True)})
    else:
        counties = list(Division.objects.filter(level=Division.Level.COUNTY).values_list("code", flat=True))
        counties = sorted({code[:6] for code in counties})
    changed = 0
    for county in counties:
        case = _star_case(rules.star_thresholds(county, on))
        changed += (
            volunteers.filter(area_code__startswith=county)
            .annotate(new_star=case)
            .exclude(star=F("new_star"))
            .update(star=case)
        )
    return changed


def _record_many(
    *, actor: User | None, served: Sequence[Served], served_on: dt.date, activity: Activity | None, task: Task | None
) -> list[ServiceRecord]:
    """Write the records of one activity or task: each volunteer locked (in id order, so two submissions never
    deadlock), refused when already recorded there or when the day would exceed the rule's hours."""
    today = _today()
    if served_on > today:
        raise ValidationError({"served_on": _("Service cannot be recorded for a future date.")})
    if len({s.volunteer.pk for s in served}) != len(served):
        raise ValidationError(_("A volunteer is listed twice."))
    ids = sorted(s.volunteer.pk for s in served)
    # unscoped: the volunteers the caller checked in its scope, locked against a second submission
    locked = {v.pk: v for v in Volunteer.objects.unscoped().select_for_update().filter(pk__in=ids).order_by("pk")}
    # unscoped: the day's hours of these volunteers in every area, for the rule of a day's most hours
    records = ServiceRecord.objects.unscoped()
    day = dict(
        records.filter(volunteer_id__in=ids, served_on=served_on)
        .values_list("volunteer_id")
        .annotate(total=Sum("hours_tenths"))
        .values_list("volunteer_id", "total")
    )
    already = set(
        records.filter(volunteer_id__in=ids, activity=activity, task=task).values_list("volunteer_id", flat=True)
    )
    rows = []
    for item in served:
        volunteer = locked[item.volunteer.pk]
        limit = rules.day_hours_tenths(volunteer.area_code, served_on)
        content = item.content.strip()
        require_length(content=(content, REASON_MAX))
        if not content:
            raise ValidationError({"content": _("Say what %(name)s did.") % {"name": volunteer.name}})
        if item.evaluation not in ServiceRecord.Evaluation.values:
            raise ValidationError({"evaluation": _("Choose an evaluation from the list.")})
        if not 1 <= item.hours_tenths <= min(limit, HOURS_MAX_TENTHS):
            raise ValidationError({"hours": _("Hours must be between 0.1 and %(most)s.") % {"most": f"{limit / 10:g}"}})
        if volunteer.pk in already:
            raise ValidationError(
                {"volunteer": _("%(name)s's hours here are recorded already.") % {"name": volunteer.name}}
            )
        if day.get(volunteer.pk, 0) + item.hours_tenths > limit:
            raise ValidationError(
                {
                    "hours": _(
                        "%(name)s has %(had)s hours recorded on %(date)s already; with these the day would exceed "
                        "%(most)s hours."
                    )
                    % {
                        "name": volunteer.name,
                        "had": f"{day.get(volunteer.pk, 0) / 10:g}",
                        "date": served_on.isoformat(),
                        "most": f"{limit / 10:g}",
                    }
                }
            )
        rows.append(
            ServiceRecord(
                volunteer=volunteer,
                activity=activity,
                task=task,
                area_code=volunteer.area_code,
                served_on=served_on,
                hours_tenths=item.hours_tenths,
                content=content,
                evaluation=item.evaluation,
                recorded_by=actor,
            )
        )
    ServiceRecord.objects.bulk_create(rows)
    hours_credit(rows, on=today)
    return rows


@transaction.atomic
def service_record(*, actor: User, activity: Activity, served: Sequence[Served]) -> list[ServiceRecord]:
    """Record the hours volunteers served in an activity of a team of the actor's area (the activity's date)."""
    locked = lock_in_scope(Activity, activity.pk, actor, "change", message=_("This activity is outside your areas."))
    if not served:
        raise ValidationError(_("Choose at least one volunteer."))
    for item in served:
        require_scope(actor, "volunteers.view_volunteer", item.volunteer.area_code)
    rows = _record_many(actor=actor, served=served, served_on=locked.held_on, activity=locked, task=None)
    audit_record(
        actor=actor,
        action="volunteers.hours_recorded",
        obj=locked,
        area_code=locked.area_code,
        after={"volunteers": len(rows), "hours_tenths": sum(r.hours_tenths for r in rows)},
    )
    return rows


# --- Certificates --------------------------------------------------------------------------------------------------


class TooManyLookups(Exception):
    """The client address looked up too many codes within the window; try again later."""


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


@transaction.atomic
def certificate_issue(*, actor: User, volunteer: Volunteer) -> Certificate:
    """A certificate of the volunteer's hours and star level today, with a fresh unguessable code."""
    locked = lock_in_scope(Volunteer, volunteer.pk, actor, "view", message=_("This volunteer is outside your areas."))
    require_scope(actor, "volunteers.add_certificate", locked.area_code)
    if locked.hours_tenths == 0:
        raise ValidationError(_("The volunteer has no service hours recorded yet."))
    certificate = Certificate.objects.create(
        volunteer=locked,
        area_code=locked.area_code,
        code=new_code(),
        name_masked=mask_name(locked.name),
        hours_tenths=locked.hours_tenths,
        star=locked.star,
        issued_by=actor,
    )
    audit_record(
        actor=actor,
        action="volunteers.certificate_issued",
        obj=certificate,
        area_code=certificate.area_code,
        after={"volunteer": locked.id_masked, "hours_tenths": locked.hours_tenths, "star": locked.star},
    )
    return certificate


def normalise_code(text: str) -> str:
    return "".join(text.split()).upper().replace("-", "")[: CODE_LENGTH + 4]


def certificate_verify(*, code: str, client_ip: str | None) -> Certificate | None:
    """The certificate with this code, for the public page; each look-up is counted (in its own transaction, so a
    refused one counts too) and refused beyond ``VOLUNTEERS_VERIFY_PER_ADDRESS`` within the window."""
    since = timezone.now() - dt.timedelta(seconds=settings.VOLUNTEERS_VERIFY_WINDOW_SECONDS)
    code = normalise_code(code)
    with transaction.atomic():
        recent = VerificationAttempt.objects.filter(client_ip=client_ip, attempted_at__gte=since).count()
        refused = recent >= settings.VOLUNTEERS_VERIFY_PER_ADDRESS
        found = None
        if not refused and len(code) == CODE_LENGTH:
            # unscoped: the public check by an unguessable code shows only masked, non-personal facts
            found = Certificate.objects.unscoped().filter(code=code).first()
        VerificationAttempt.objects.create(client_ip=client_ip, found=found is not None)
    if refused:
        raise TooManyLookups
    return found


# --- Needs as tasks ------------------------------------------------------------------------------------------------


def task_raise(*, source: tuple[str, str, str], area_code: str, title: str, detail: str = "") -> Task:
    """A need another module raises (called by this module's subscribers, in the raiser's transaction): one task per
    source, so a repeated event does not double it."""
    app, kind, ident = source
    # unscoped: one task per source across areas; the raising module checked its actor's area
    task, _created = Task.objects.unscoped().get_or_create(
        source_app=app,
        source_kind=kind,
        source_id=str(ident),
        defaults={"area_code": area_code, "title": title[:200], "detail": detail[:2000]},
    )
    return task


def organisations_for(area_code: str, limit: int = 200) -> list[Organisation]:
    """The registered social organisations that may take a task of the area: domiciled in it or in a division above
    it (a county's association serves its villages), by name."""
    # unscoped: organisations' names and areas are public registry facts (the public registry page shows them)
    rows = Organisation.objects.unscoped().filter(
        status=Organisation.Status.ACTIVE, area_code__in=codes_containing(area_code)
    )
    return list(rows.order_by("name", "id")[:limit])


@dataclass(frozen=True)
class Need:
    """A need to raise as a task (``tasks_raise``): its source (app, kind, id), area, title and what is asked."""

    source: tuple[str, str, str]
    area_code: str
    title: str
    detail: str = ""


def tasks_raise(needs: Sequence[Need]) -> int:
    """Many needs at once (a module's monthly batch), set-based: one INSERT per thousand needs, a source already
    raised left alone (the unique source, ``ignore_conflicts``). Returns the needs given."""
    rows = [
        Task(
            source_app=need.source[0],
            source_kind=need.source[1],
            source_id=str(need.source[2]),
            area_code=need.area_code,
            title=need.title[:200],
            detail=need.detail[:2000],
        )
        for need in needs
    ]
    # unscoped: a system batch of the raising module's needs, one task per source across areas
    Task.objects.unscoped().bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    return len(rows)


@transaction.atomic
def task_take(*, actor: User, task: Task, team: Team | None = None, organisation: Organisation | None = None) -> Task:
    """A team, or a social organisation, of the task's area takes an open task; refused outside the team's (or the
    organisation's) area, for an organisation no longer registered, or once someone has taken it."""
    if (team is None) == (organisation is None):
        raise ValidationError({"taker": _("Choose the team or the social organisation that takes the task.")})
    locked = lock_in_scope(Task, task.pk, actor, "change", message=_("This task is outside your areas."))
    if locked.status != Task.Status.OPEN:
        raise ValidationError(_("The task has been taken already."))
    if team is not None:
        # unscoped: the team chosen, checked against the actor's areas just below
        team = Team.objects.unscoped().get(pk=team.pk)
        require_scope(actor, "volunteers.change_team", team.area_code, message=_("This team is outside your areas."))
        if not locked.area_code.startswith(team_prefix(team)):
            raise ValidationError({"taker": _("The task is outside the team's area: a team takes tasks of its area.")})
    if organisation is not None:
        # unscoped: the organisation chosen, re-read under lock; its registry facts are public
        organisation = Organisation.objects.unscoped().select_for_update().get(pk=organisation.pk)
        if organisation.status != Organisation.Status.ACTIVE:
            raise ValidationError(
                {
                    "taker": _("%(name)s is no longer registered (deregistered on %(date)s): it cannot take tasks.")
                    % {"name": organisation.name, "date": organisation.ended_on}
                }
            )
        if organisation.area_code not in codes_containing(locked.area_code):
            raise ValidationError(
                {
                    "taker": _(
                        "The task is outside %(name)s's area: a social organisation takes tasks of the area where "
                        "it is domiciled."
                    )
                    % {"name": organisation.name}
                }
            )
    locked.status = Task.Status.TAKEN
    locked.team = team
    locked.organisation = organisation
    locked.taken_at = timezone.now()
    locked.taken_by = actor
    locked.save(update_fields=["status", "team", "organisation", "taken_at", "taken_by"])
    audit_record(
        actor=actor,
        action="volunteers.task_taken",
        obj=locked,
        area_code=locked.area_code,
        after={
            "team": team.pk if team else None,
            "organisation": organisation.pk if organisation else None,
            "by": str(team or organisation),
        },
    )
    return locked


@transaction.atomic
def task_complete(*, actor: User, task: Task, served_on: dt.date, outcome: str, served: Sequence[Served] = ()) -> Task:
    """The taking team reports the task done: what came of it, and the hours each volunteer served (credited as
    service records). The outcome goes back to the module that raised the need (``volunteers.task_done``)."""
    locked = lock_in_scope(Task, task.pk, actor, "change", message=_("This task is outside your areas."))
    if locked.status != Task.Status.TAKEN:
        raise ValidationError(_("Only a taken task is reported done."))
    outcome = outcome.strip()
    if not outcome:
        raise ValidationError({"outcome": _("Say what came of the task.")})
    require_length(outcome=(outcome, REASON_MAX))
    if locked.taken_at is not None and served_on < timezone.localtime(locked.taken_at).date():
        raise ValidationError({"served_on": _("The task was done before it was taken; check the date.")})
    if locked.team_id is not None:
        members = set(Membership.objects.filter(team_id=locked.team_id).values_list("volunteer_id", flat=True))
        if any(item.volunteer.pk not in members for item in served):
            raise ValidationError({"volunteer": _("Only the team's volunteers are credited for its task.")})
    rows = _record_many(actor=actor, served=served, served_on=served_on, activity=None, task=locked) if served else []
    locked.status = Task.Status.DONE
    locked.done_at = timezone.now()
    locked.outcome = outcome
    locked.hours_tenths = sum(r.hours_tenths for r in rows)
    locked.save(update_fields=["status", "done_at", "outcome", "hours_tenths"])
    audit_record(
        actor=actor,
        action="volunteers.task_done",
        obj=locked,
        area_code=locked.area_code,
        after={"volunteers": len(rows), "hours_tenths": locked.hours_tenths},
        reason=outcome,
    )
    publish(
        TASK_DONE,
        TaskDone(
            source_app=locked.source_app,
            source_kind=locked.source_kind,
            source_id=locked.source_id,
            task=locked,
            outcome=outcome,
            hours_tenths=locked.hours_tenths,
            volunteers=len(rows),
            actor=actor,
        ),
    )
    return locked
