"""Writes of the one window."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.accounts.models import User
from minsheng.audit.services import audit_record
from minsheng.catalog.models import Department, Item
from minsheng.core.limits import (
    COMPOSED_MAX,
    LABEL_MAX,
    LIST_MAX,
    NAME_MAX,
    REASON_MAX,
    TEXT_MAX,
    require_length,
)
from minsheng.core.modules import ItemHandler, item_handlers
from minsheng.core.scoping import lock_in_scope, scope_prefix
from minsheng.core.sms import sms_sender
from minsheng.desk.services import notices_send
from minsheng.intake.models import Application, Attachment, Channel, Consultation, ItemCase, Notification
from minsheng.intake.notifications import StaffDirectory, notify, window_staff
from minsheng.people.models import Membership, Person
from minsheng.workdays.services import Calendar


def _require_materials(materials: list[str] | tuple[str, ...]) -> None:
    """A list of materials typed one a line: at most ``LIST_MAX`` lines of at most ``LABEL_MAX`` characters."""
    if len(materials) > LIST_MAX:
        raise ValidationError({"materials": _("At most %(count)d materials.") % {"count": LIST_MAX}})
    for material in materials:
        require_length(materials=(material, LABEL_MAX))


# The channel a window of each level records.
CHANNEL_OF_LEVEL = {"village": Channel.VILLAGE, "township": Channel.TOWNSHIP, "county": Channel.COUNTY}


def window_of(actor: User, permission: str) -> tuple[str, str]:
    """The area code and channel of the window the actor works at (their first area granting ``permission``)."""
    allowed = {s.prefix for s in actor.scopes_for(permission)}
    for assignment in actor.effective_assignments():
        if assignment.prefix in allowed:
            return assignment.division_id, CHANNEL_OF_LEVEL.get(assignment.division.level, Channel.COUNTY)
    raise PermissionDenied(_("You do not work at a window."))


@transaction.atomic
def consultation_record(
    *,
    actor: User,
    topic: str,
    outcome: str,
    items: list[Item] | None = None,
    asker_name: str = "",
    person: Person | None = None,
    referred_to: Department | None = None,
    channel: str | None = None,
) -> Consultation:
    """Record a consultation at the actor's window; a person, when named, must be in the actor's areas."""
    area_code, window_channel = window_of(actor, "intake.add_consultation")
    if not topic.strip():
        raise ValidationError({"topic": _("Write down what was asked.")})
    require_length(topic=(topic.strip(), TEXT_MAX), asker_name=(asker_name.strip(), NAME_MAX))
    if outcome not in Consultation.Outcome.values:
        raise ValidationError({"outcome": _("Choose an outcome from the list.")})
    if outcome == Consultation.Outcome.REFERRED and referred_to is None:
        raise ValidationError({"referred_to": _("Name the department the person was referred to.")})
    if channel is not None and channel not in Channel.values:
        raise ValidationError({"channel": _("Choose a channel from the list.")})
    if person is not None and not Person.objects.restrict(actor, "view").filter(pk=person.pk).exists():
        raise PermissionDenied(_("This person is outside your areas."))
    consultation = Consultation.objects.create(
        area_code=area_code,
        channel=channel or window_channel,
        asker_name=asker_name.strip() or (person.name if person else ""),
        person=person,
        topic=topic.strip(),
        outcome=outcome,
        referred_to=referred_to if outcome == Consultation.Outcome.REFERRED else None,
        recorded_by=actor,
    )
    if items:
        consultation.items.set(items)
    audit_record(
        actor=actor,
        action="intake.consultation_recorded",
        obj=consultation,
        area_code=area_code,
        after={
            "outcome": outcome,
            "items": sorted(i.number for i in items or []),
            "person": person.pk if person else None,
        },
    )
    return consultation


def consultation_counts(*, user: User, since: dt.datetime | None = None) -> dict[str, int]:
    """Consultations by outcome in the user's areas (for the window page: since the start of its time window)."""
    consultations = Consultation.objects.restrict(user, "view")
    if since is not None:
        consultations = consultations.filter(recorded_at__gte=since)
    rows = consultations.values("outcome").annotate(n=Count("id")).order_by()
    return {row["outcome"]: row["n"] for row in rows}


# Applications ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemRequest:
    """An item asked for, and which of its listed materials the applicant brought."""

    item: Item
    materials_provided: tuple[str, ...] = ()
    # The household member the item is for (the student of an education item); None: the applicant.
    beneficiary: Person | None = None


def _lead_department(item: Item) -> Department:
    """The department that handles the item: 民政 for jointly owned items it belongs to, else the first owner."""
    owners = sorted(item.owners.all(), key=lambda d: (d.sort_order, d.code))
    if not owners:
        raise ValidationError(_("Item %(item)s has no owner department.") % {"item": item.name})
    return owners[0]


def handling_area(applicant_area: str, level: str) -> str:
    """The 12-digit code of the area whose ``level`` decides an item for an applicant of ``applicant_area``."""
    return scope_prefix(applicant_area, level).ljust(12, "0")


def _receipt_number(area_code: str, today: dt.date) -> str:
    prefix = f"{area_code[:6]}{today:%Y%m%d}"
    if connection.vendor == "postgresql":
        # One window of the county at a time takes the day's next number, until its transaction ends: without the
        # lock, windows submitting at the same moment read the same last number, and under load the retries in
        # _submit ran out (a 500 in the load test). SQLite writes one transaction at a time anyway.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"intake.receipt:{prefix}"])
    # unscoped: receipt numbering: the county's last number of the day, whoever may see it
    last = (
        Application.objects.unscoped()
        .filter(receipt_number__startswith=prefix)
        .order_by("-receipt_number")
        .values_list("receipt_number", flat=True)
        .first()
    )
    return f"{prefix}{(int(last[-5:]) + 1) if last else 1:05d}"


@transaction.atomic
def application_submit(*, actor: User, person: Person, requests: list[ItemRequest], on_behalf: bool) -> Application:
    """Take one application for any number of items at a window; route each to its department."""
    _window_area, channel = window_of(actor, "intake.add_application")
    if not Person.objects.restrict(actor, "view").filter(pk=person.pk).exists():
        raise PermissionDenied(_("This person is outside your areas."))
    return _submit(person=person, requests=requests, channel=channel, on_behalf=on_behalf, recorded_by=actor)


@transaction.atomic
def application_submit_online(*, person: Person, requests: list[ItemRequest]) -> Application:
    """The same intake for a resident who proved who they are online (线上线下无差别)."""
    return _submit(person=person, requests=requests, channel=Channel.ONLINE, on_behalf=False, recorded_by=None)


def _submit(
    *, person: Person, requests: list[ItemRequest], channel: str, on_behalf: bool, recorded_by: User | None
) -> Application:
    if person.status != Person.Status.LIVING:
        raise ValidationError({"person": _("Only a living person can apply.")})
    if not requests:
        raise ValidationError({"items": _("Choose at least one item.")})
    numbers = [r.item.number for r in requests]
    if len(set(numbers)) != len(numbers):
        raise ValidationError({"items": _("An item is chosen twice.")})
    inactive = [r.item.name for r in requests if not r.item.active]
    if inactive:
        raise ValidationError({"items": _("Not in use: %(items)s") % {"items": "、".join(inactive)}})
    _require_members(person, [r.beneficiary for r in requests if r.beneficiary is not None])
    today = timezone.localdate()
    calendar = Calendar()
    applicant_area = person.hukou_area_id
    for attempt in range(3):
        try:
            with transaction.atomic():
                application = Application.objects.create(
                    receipt_number=_receipt_number(applicant_area, today),
                    area_code=applicant_area,
                    person=person,
                    channel=channel,
                    on_behalf=on_behalf,
                    recorded_by=recorded_by,
                )
                break
        except IntegrityError:
            if attempt == 2:
                raise
    cases = []
    for request in requests:
        missing = [m for m in request.item.materials if m not in request.materials_provided]
        waiting = bool(missing)
        beneficiary = request.beneficiary if request.beneficiary and request.beneficiary.pk != person.pk else None
        cases.append(
            ItemCase(
                application=application,
                item=request.item,
                beneficiary=beneficiary,
                materials=list(request.item.materials),
                waiting_since=today if waiting else None,
                department=_lead_department(request.item),
                area_code=applicant_area,
                handling_area_code=handling_area(applicant_area, request.item.deciding_level),
                status=ItemCase.Status.WAITING_MATERIALS if waiting else ItemCase.Status.ACCEPTED,
                missing_materials=missing,
                accepted_on=today,
                # The clock runs only once the materials are complete (DOMAIN: pause while waiting).
                clock_started_on=None if waiting else today,
                deadline=None if waiting else calendar.add_working_days(today, request.item.time_limit_days),
            )
        )
    ItemCase.objects.bulk_create(cases)
    _accepted([c for c in cases if c.status == ItemCase.Status.ACCEPTED], actor=recorded_by)
    directory = StaffDirectory()
    for case in cases:
        notify(
            directory.handlers_of(case),
            kind=Notification.Kind.NEW_CASE,
            case=case,
            text=_("New item %(case)s") % {"case": f"{application.receipt_number} {case.item.name}"},
        )
    if channel == Channel.ONLINE:
        notices_send(
            recipients=window_staff(applicant_area),
            text=_("New online application %(receipt)s: %(items)s")
            % {"receipt": application.receipt_number, "items": "、".join(c.item.name for c in cases)},
            link=reverse("intake:application_detail", args=[application.pk]),
        )
    audit_record(
        actor=recorded_by,
        action="intake.application_submitted",
        obj=application,
        area_code=applicant_area,
        on_behalf_of=person.name if on_behalf else "",
        after={
            "person": person.pk,
            "items": numbers,
            "departments": [c.department.code for c in cases],
            "on_behalf": on_behalf,
        },
    )
    return application


def _require_members(applicant: Person, members: list[Person]) -> None:
    """Each item's beneficiary is a current member of the applicant's household (or the applicant)."""
    others = {m.pk for m in members if m.pk != applicant.pk}
    if not others:
        return
    # unscoped: the applicant's own households, after the caller's check on the applicant.
    households = Membership.objects.unscoped().filter(person=applicant, left_on__isnull=True).values("household_id")
    # unscoped: which of the named members belong to those households (only ids are read).
    found = set(
        Membership.objects.unscoped()
        .filter(household__in=households, person__in=others, left_on__isnull=True)
        .values_list("person_id", flat=True)
    )
    if others - found:
        raise ValidationError({"items": _("An item can be for the applicant or a member of their household only.")})


def _accepted(cases: list[ItemCase], *, actor: User | None) -> None:
    """Hand items accepted with complete materials (受理) to the modules that run their procedure (a 低保 / 特困
    item opens its procedure), each module once with its items."""
    handlers = item_handlers()
    by_handler: dict[int, tuple[ItemHandler, list[ItemCase]]] = {}
    for case in cases:
        handler = handlers.get(case.item.number)
        if handler is not None:
            by_handler.setdefault(id(handler), (handler, []))[1].append(case)
    for handler, handled in by_handler.values():
        handler.cases_accepted(handled, actor=actor)


def application_status(application: Application) -> str:
    """The one status the applicant sees across all items."""
    statuses = {c.status for c in application.cases.all()}
    decided = {ItemCase.Status.GRANTED, ItemCase.Status.REFUSED}
    if statuses <= decided:
        return "done"
    if ItemCase.Status.WAITING_MATERIALS in statuses:
        return "waiting"
    return "in_progress" if not statuses & decided else "partly_done"


@transaction.atomic
def case_decide(*, actor: User, case: ItemCase, granted: bool, reason: str) -> ItemCase:
    """The department's decision with its reasons (race-safe: a case is decided once)."""
    require_length(reason=(reason.strip(), TEXT_MAX))
    if not ItemCase.objects.restrict(actor, "decide").filter(pk=case.pk).exists():
        raise PermissionDenied(_("This item is not routed to you."))
    handler = item_handlers().get(case.item.number)
    if handler is not None and handler.decides(case):
        raise ValidationError(_("This item is decided through its procedure (programme case), not from the inbox."))
    return case_record_decision(actor=actor, case=case, granted=granted, reason=reason)


@transaction.atomic
def case_record_decision(
    *, actor: User, case: ItemCase, granted: bool, reason: str, waiting_too: bool = False
) -> ItemCase:
    """Record a decision on an accepted item; the caller checked that ``actor`` may decide it (the department's
    inbox above, the 低保 / 特困 procedure in ``assistance.procedure``, or temporary assistance, whose items paid first
    wait for papers and are decided with their case: ``waiting_too`` decides an item waiting for materials too)."""
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reasons for the decision; the applicant reads them.")})
    require_length(reason=(reason.strip(), COMPOSED_MAX))
    statuses = [ItemCase.Status.ACCEPTED, *([ItemCase.Status.WAITING_MATERIALS] if waiting_too else [])]
    # unscoped: the caller checked the actor may decide this case; the status filter guards the race
    updated = (
        ItemCase.objects.unscoped()
        .filter(pk=case.pk, status__in=statuses)
        .update(
            status=ItemCase.Status.GRANTED if granted else ItemCase.Status.REFUSED,
            missing_materials=[],  # an item waiting for materials has no clock running (case_request_materials)
            waiting_since=None,
            decided_at=timezone.now(),
            decided_by=actor,
            decision_reason=reason.strip(),
        )
    )
    if updated != 1:
        raise ValidationError(_("This item cannot be decided now: it is waiting for materials or decided already."))
    case.refresh_from_db()
    if granted:
        _push_follow_on(case)
    phone = case.application.person.phone
    if phone:
        outcome = _("granted") if granted else _("not granted")
        text = _("[Minsheng] Your application %(receipt)s: %(item)s is %(outcome)s. Reasons: %(reason)s") % {
            "receipt": case.application.receipt_number,
            "item": case.item.name,
            "outcome": outcome,
            "reason": case.decision_reason,
        }
        transaction.on_commit(lambda: sms_sender().send(phone=phone, text=text))
    application = case.application
    window = [application.recorded_by] if application.recorded_by else window_staff(application.area_code)
    notices_send(
        recipients=[user for user in window if user.pk != actor.pk],  # the window that took it, not the decider
        text=_("Decided: %(case)s, %(outcome)s")
        % {
            "case": f"{application.receipt_number} {case.item.name}",
            "outcome": _("granted") if granted else _("not granted"),
        },
        link=reverse("intake:application_detail", args=[application.pk]),
    )
    audit_record(
        actor=actor,
        action="intake.case_decided",
        obj=case,
        area_code=case.area_code,
        after={"status": case.status, "item": case.item_id},
        reason=reason,
    )
    return case


def _lock_case(actor: User, case: ItemCase, action: str) -> ItemCase:
    """The case, locked, if ``actor`` may ``action`` it (else PermissionDenied): no update can be lost."""
    return lock_in_scope(ItemCase, case.pk, actor, action, message=_("This item is not routed to you."))


def case_wait_for_materials(*, case: ItemCase, materials: list[str]) -> None:
    """Stop the clock of a locked, accepted item while ``materials`` are awaited (the working days used so far are
    kept). The caller checked the right and records its own audit event."""
    assert case.clock_started_on is not None
    case.used_working_days += Calendar().working_days_between(case.clock_started_on, timezone.localdate())
    case.clock_started_on = None
    case.deadline = None
    case.status = ItemCase.Status.WAITING_MATERIALS
    case.materials = [*case.materials, *(m for m in materials if m not in case.materials)]
    case.missing_materials = materials
    case.waiting_since = timezone.localdate()
    case.reminded_on = None
    case.save(
        update_fields=[
            "used_working_days",
            "clock_started_on",
            "deadline",
            "status",
            "materials",
            "missing_materials",
            "waiting_since",
            "reminded_on",
        ]
    )


@transaction.atomic
def case_request_materials(*, actor: User, case: ItemCase, materials: list[str], reason: str) -> ItemCase:
    """The department asks for more material: back to the window, and the clock stops."""
    locked = _lock_case(actor, case, "decide")
    materials = [m.strip() for m in materials if m.strip()]
    if not materials:
        raise ValidationError({"materials": _("Name the materials that are missing.")})
    _require_materials(materials)
    require_length(reason=(reason, TEXT_MAX))
    if locked.status != ItemCase.Status.ACCEPTED:
        raise ValidationError(_("Only an accepted item can be sent back for materials."))
    case_wait_for_materials(case=locked, materials=materials)
    notify(
        [user for user in [locked.application.recorded_by] if user is not None],
        kind=Notification.Kind.MATERIALS,
        case=locked,
        text=_("Materials requested for %(case)s: %(materials)s")
        % {"case": f"{locked.application.receipt_number} {locked.item.name}", "materials": "、".join(materials)},
    )
    audit_record(
        actor=actor,
        action="intake.materials_requested",
        obj=locked,
        area_code=locked.area_code,
        after={"materials": materials, "used_working_days": locked.used_working_days},
        reason=reason,
    )
    return locked


@transaction.atomic
def case_materials_received(*, actor: User, case: ItemCase) -> ItemCase:
    """The window has the missing materials: the clock runs again with the days still left."""
    locked = _lock_case(actor, case, "change")
    if locked.status != ItemCase.Status.WAITING_MATERIALS:
        raise ValidationError(_("This item is not waiting for materials."))
    today = timezone.localdate()
    left = max(locked.item.time_limit_days - locked.used_working_days, 0)
    locked.status = ItemCase.Status.ACCEPTED
    locked.missing_materials = []
    locked.clock_started_on = today
    locked.deadline = Calendar().add_working_days(today, left)
    locked.waiting_since = None
    locked.reminded_on = None
    locked.save(
        update_fields=["status", "missing_materials", "clock_started_on", "deadline", "waiting_since", "reminded_on"]
    )
    _accepted([locked], actor=actor)  # the materials are complete: 受理
    audit_record(
        actor=actor,
        action="intake.materials_received",
        obj=locked,
        area_code=locked.area_code,
        after={"deadline": locked.deadline, "working_days_left": left},
    )
    return locked


@transaction.atomic
def case_transfer(*, actor: User, case: ItemCase, department: Department, reason: str) -> ItemCase:
    """Hand the item to the department that really owns it; the clock keeps running."""
    locked = _lock_case(actor, case, "decide")
    if locked.decided:
        raise ValidationError(_("A decided item cannot be transferred."))
    if department.pk == locked.department_id:
        raise ValidationError({"department": _("The item is with this department already.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Give a reason for the change.")})
    require_length(reason=(reason, REASON_MAX))
    before = locked.department.code
    locked.department = department
    locked.save(update_fields=["department"])
    audit_record(
        actor=actor,
        action="intake.case_transferred",
        obj=locked,
        area_code=locked.area_code,
        before={"department": before},
        after={"department": department.code},
        reason=reason,
    )
    return locked


def overdue_cases(*, user: User, today: dt.date | None = None) -> Any:
    """Accepted items past their deadline in the user's areas (and department), oldest first."""
    today = today or timezone.localdate()
    return (
        ItemCase.objects.restrict(user, "view")
        .filter(status=ItemCase.Status.ACCEPTED, deadline__lt=today)
        .select_related("item", "department", "application", "application__person")
        .order_by("deadline", "id")
    )


# Attachments -----------------------------------------------------------------------------------------------

# Accepted documents, recognised by their first bytes, not by the name the uploader gave them.
DOCUMENT_SIGNATURES = {
    ".pdf": (b"%PDF-", "application/pdf"),
    ".jpg": (b"\xff\xd8\xff", "image/jpeg"),
    ".jpeg": (b"\xff\xd8\xff", "image/jpeg"),
    ".png": (b"\x89PNG\r\n\x1a\n", "image/png"),
}


@transaction.atomic
def attachment_add(*, actor: User, application: Application, uploaded: Any, material: str) -> Attachment:
    """Store an uploaded document for an application (PDF, JPEG or PNG, checked by content and size)."""
    if not Application.objects.restrict(actor, "change").filter(pk=application.pk).exists():
        raise PermissionDenied(_("This application is outside your areas."))
    return _attachment_store(application=application, uploaded=uploaded, material=material, uploaded_by=actor)


@transaction.atomic
def attachment_add_online(*, person: Person, application: Application, uploaded: Any, material: str) -> Attachment:
    """A document uploaded by the applicant themself, for one of their own applications."""
    if application.person_id != person.pk:
        raise PermissionDenied(_("This application is not yours."))
    return _attachment_store(application=application, uploaded=uploaded, material=material, uploaded_by=None)


def _attachment_store(
    *, application: Application, uploaded: Any, material: str, uploaded_by: User | None
) -> Attachment:
    suffix = Path(uploaded.name).suffix.lower()
    signature = DOCUMENT_SIGNATURES.get(suffix)
    if signature is None:
        raise ValidationError({"file": _("Upload a PDF, JPG or PNG file.")})
    if uploaded.size > settings.ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            {"file": _("The file is larger than %(mb)d MB.") % {"mb": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)}}
        )
    if uploaded.size == 0:
        raise ValidationError({"file": _("The file is empty.")})
    head = uploaded.read(16)
    uploaded.seek(0)
    if not head.startswith(signature[0]):
        raise ValidationError({"file": _("The file's content is not what its name says; upload the document itself.")})
    material = material.strip()
    if not material:
        raise ValidationError({"material": _("Say which material this document is.")})
    require_length(material=(material, Attachment._meta.get_field("material").max_length or LABEL_MAX))
    # unscoped: the application's own items, locked, after the caller's check on the application: an upload ticks
    # its material off the checklists it is on.
    cases = list(ItemCase.objects.unscoped().select_for_update().filter(application=application).order_by("pk"))
    if not any(material in case.materials for case in cases):
        raise ValidationError({"material": _("Choose the material from the application's checklist.")})
    stored = f"attachments/{application.pk}/{uuid.uuid4().hex}{suffix}"
    target = Path(settings.MEDIA_ROOT) / stored
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with target.open("wb") as handle:
        for chunk in uploaded.chunks():
            digest.update(chunk)
            handle.write(chunk)
    try:
        attachment = Attachment.objects.create(
            application=application,
            material=material.strip(),
            original_name=Path(uploaded.name).name[:200],
            stored_file=stored,
            content_type=signature[1],
            size=uploaded.size,
            sha256=digest.hexdigest(),
            uploaded_by=uploaded_by,
        )
    except Exception:
        target.unlink(missing_ok=True)  # nothing half-written: no file without its row
        raise
    ticked = [case for case in cases if material in case.missing_materials]
    for case in ticked:
        case.missing_materials = [m for m in case.missing_materials if m != material]
        case.save(update_fields=["missing_materials"])
    _upload_notices(application, [c for c in cases if material in c.materials], material, uploaded_by)
    audit_record(
        actor=uploaded_by,
        action="intake.attachment_added",
        obj=application,
        area_code=application.area_code,
        after={
            "material": attachment.material,
            "size": attachment.size,
            "sha256": attachment.sha256,
            "ticked": [case.pk for case in ticked],
        },
    )
    return attachment


def _upload_notices(application: Application, cases: list[ItemCase], material: str, uploaded_by: User | None) -> None:
    """An upload is news for the window (when the applicant uploaded it) and for the departments whose items list
    the material."""
    text = _("Uploaded for %(receipt)s: %(material)s") % {"receipt": application.receipt_number, "material": material}
    uploader = getattr(uploaded_by, "pk", None)
    directory = StaffDirectory()
    for case in cases:
        handlers = [u for u in directory.handlers_of(case) if u.pk != uploader]
        notices_send(recipients=handlers, text=text, link=reverse("intake:case_detail", args=[case.pk]))
    if uploaded_by is None:
        window = [application.recorded_by] if application.recorded_by else window_staff(application.area_code)
        notices_send(recipients=window, text=text, link=reverse("intake:application_detail", args=[application.pk]))


def _push_follow_on(case: ItemCase) -> list[ItemCase]:
    """A granted item pushes its follow-on items to their departments (e.g. 低保 → 医疗救助, 参保资助, 水电气减免)."""
    # unscoped: the other items of the application whose case the caller just decided
    already = set(ItemCase.objects.unscoped().filter(application=case.application).values_list("item_id", flat=True))
    today = timezone.localdate()
    calendar = Calendar()
    pushed = [
        ItemCase(
            application=case.application,
            item=item,
            department=_lead_department(item),
            area_code=case.area_code,
            handling_area_code=handling_area(case.area_code, item.deciding_level),
            status=ItemCase.Status.ACCEPTED,
            accepted_on=today,
            clock_started_on=today,
            deadline=calendar.add_working_days(today, item.time_limit_days),
            pushed_from=case,
        )
        for item in case.item.follow_on.filter(active=True).prefetch_related("owners")
        if item.pk not in already
    ]
    ItemCase.objects.bulk_create(pushed)
    directory = StaffDirectory()
    for new_case in pushed:
        notify(
            directory.handlers_of(new_case),
            kind=Notification.Kind.NEW_CASE,
            case=new_case,
            text=_("New item %(case)s") % {"case": f"{case.application.receipt_number} {new_case.item.name}"},
        )
    return pushed


@transaction.atomic
def case_receive(*, actor: User, case: ItemCase) -> ItemCase:
    """The department acknowledges an item routed to it (签收). Once only; the clock is unaffected."""
    _lock_case(actor, case, "decide")
    # unscoped: _lock_case above checked the actor may decide it; the filter makes it once only
    updated = (
        ItemCase.objects.unscoped().filter(pk=case.pk, received_at__isnull=True).update(received_at=timezone.now())
    )
    if updated != 1:
        raise ValidationError(_("This item has been received already."))
    case.refresh_from_db()
    audit_record(actor=actor, action="intake.case_received", obj=case, area_code=case.area_code)
    return case


# Reminders -------------------------------------------------------------------------------------------------


def reminder_due_on(case: ItemCase, calendar: Calendar) -> dt.date | None:
    """The day a waiting item reminds the window and the applicant (``MATERIALS_REMINDER_WORKING_DAYS`` working days
    after the pause began), or None for an item not waiting."""
    if case.status != ItemCase.Status.WAITING_MATERIALS or case.waiting_since is None:
        return None
    return calendar.add_working_days(case.waiting_since, settings.MATERIALS_REMINDER_WORKING_DAYS)


def materials_remind(*, today: dt.date | None = None) -> int:
    """Remind the window (a notice) and the applicant (a text) of each item waiting for materials for the set number
    of working days: once a pause, however often the job runs. Returns how many items were reminded."""
    today = today or timezone.localdate()
    calendar = Calendar()
    days = settings.MATERIALS_REMINDER_WORKING_DAYS
    # unscoped: a system job over every item of the city waiting for materials.
    waiting = (
        ItemCase.objects.unscoped()
        .filter(
            status=ItemCase.Status.WAITING_MATERIALS,
            reminded_on__isnull=True,
            waiting_since__lte=today - dt.timedelta(days=days),
        )
        .select_related("item", "application", "application__person", "application__recorded_by")
        .order_by("pk")
    )
    windows: dict[str, list[User]] = {}
    reminded = 0
    for case in waiting.iterator(chunk_size=500):
        due = reminder_due_on(case, calendar)
        if due is None or due > today:
            continue
        with transaction.atomic():
            # unscoped: the system job claims the reminder of this item, once.
            claimed = (
                ItemCase.objects.unscoped()
                .filter(pk=case.pk, status=ItemCase.Status.WAITING_MATERIALS, reminded_on__isnull=True)
                .update(reminded_on=today)
            )
            if claimed != 1:
                continue  # another run reminded it, or the materials came in meanwhile
            _remind(case, windows)
            reminded += 1
    return reminded


def _remind(case: ItemCase, windows: dict[str, list[User]]) -> None:
    application = case.application
    missing = "、".join(case.missing_materials)
    label = f"{application.receipt_number} {case.item.name}"
    if application.recorded_by is not None:
        window = [application.recorded_by]
    else:
        window = windows.setdefault(application.area_code, window_staff(application.area_code))
    notices_send(
        recipients=window,
        text=_("Still waiting for materials since %(date)s: %(case)s (%(materials)s)")
        % {"date": case.waiting_since, "case": label, "materials": missing},
        link=reverse("intake:application_detail", args=[application.pk]),
    )
    phone = application.person.phone
    if phone:
        text = _(
            "[Minsheng] Your application %(receipt)s: %(item)s still needs %(materials)s. "
            "Bring them to the window or upload them online."
        ) % {
            "receipt": application.receipt_number,
            "item": case.item.name,
            "materials": missing,
        }
        transaction.on_commit(lambda: sms_sender().send(phone=phone, text=text))
    audit_record(
        actor=None,
        action="intake.materials_reminded",
        obj=case,
        area_code=case.area_code,
        after={"waiting_since": case.waiting_since, "materials": case.missing_materials},
    )
