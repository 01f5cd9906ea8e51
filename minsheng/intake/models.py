"""The one window (一门受理): consultations now; applications and item cases follow (issue 4)."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minsheng.core.keyset import area_index
from minsheng.core.limits import COMPOSED_MAX, TEXT_MAX
from minsheng.core.scoping import ScopedManager, ScopedModel

# A case shows "due soon" when this many working days or fewer are left (display only, not a time limit).
DUE_SOON_WORKING_DAYS = 3


class Channel(models.TextChoices):
    """Where a need was brought: any window level or online, with no difference in what follows."""

    VILLAGE = "village", _("Village station")
    TOWNSHIP = "township", _("Township window")
    COUNTY = "county", _("County window")
    ONLINE = "online", _("Online")
    PHONE = "phone", _("Telephone")


class Consultation(ScopedModel):
    """A policy consultation (政策咨询) at a window: who asked, what was explained, what came of it."""

    class Outcome(models.TextChoices):
        ANSWERED = "answered", _("Answered")
        APPLIED = "applied", _("Applied")
        REFERRED = "referred", _("Referred to a department")

    # No index of its own: (area, time) below leads with it (issue 22: one index that matches the list).
    area_code = models.CharField(_("area code"), max_length=12)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    asker_name = models.CharField(_("name of the person asking"), max_length=50, blank=True, default="")
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("registered person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    topic = models.TextField(_("question"), max_length=TEXT_MAX)
    items = models.ManyToManyField("catalog.Item", verbose_name=_("items explained"), blank=True, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    referred_to = models.ForeignKey(
        "catalog.Department",
        verbose_name=_("referred to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    # No index of its own: a city-wide walk in time order reads every area's consultations to find one area's.
    recorded_at = models.DateTimeField(_("time"), default=timezone.now)

    objects: ClassVar[ScopedManager[Consultation]] = ScopedManager()

    scope_field = "area_code"

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering = ["-recorded_at", "-id"]
        # The window's list: the area's consultations of the time window, newest first (docs/architecture.md, Lists).
        # A village or township reads its area's range; a county's range holds every year of hundreds of villages
        # (the time is no bound inside a range of areas), so a wide scope reads the time order backwards instead,
        # the area checked in the index, and stops at the page's end: the planner picks by the scope's share.
        indexes = [
            area_index("area_code", "recorded_at", name="consultation_area_time"),
            area_index("recorded_at", "id", "area_code", name="consultation_time_area"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(outcome="referred", referred_to__isnull=False) | ~models.Q(outcome="referred"),
                name="consultation_referral_names_department",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recorded_at:%Y-%m-%d} {self.topic[:20]}"


class Application(ScopedModel):
    """One intake at a window (or online): a person applies for any number of items at once.

    Scoped by the applicant's household-registration village. Each item becomes an ``ItemCase`` routed to the
    department that owns it; the applicant sees one status across them.
    """

    receipt_number = models.CharField(_("receipt number"), max_length=24, unique=True)
    area_code = models.CharField(_("area code"), max_length=12)  # indexed by (area, time) below
    person = models.ForeignKey("people.Person", verbose_name=_("applicant"), on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    on_behalf = models.BooleanField(_("applied by a worker on the applicant's behalf (帮办代办)"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty when the applicant applied online."),
    )
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)

    objects: ClassVar[ScopedManager[Application]] = ScopedManager()

    scope_field = "area_code"

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-submitted_at", "-id"]
        # The application list: the area's applications of the time window, newest first.
        indexes = [area_index("area_code", "submitted_at", name="application_area_time")]

    def __str__(self) -> str:
        return self.receipt_number

    def materials(self) -> list[str]:
        """The materials on its items' checklists, each once (what an upload may be attached to)."""
        return list(dict.fromkeys(m for case in self.cases.all() for m in case.materials))


class ItemCase(ScopedModel):
    """One item of an application, routed to its owner department at the level that decides it.

    Scoped by the applicant's village (``area_code``, copied from the application) and, for department handlers,
    by department: a county's education handler sees the education items of that county's applicants only.
    """

    class Status(models.TextChoices):
        WAITING_MATERIALS = "waiting", _("Waiting for materials")
        ACCEPTED = "accepted", _("Accepted")
        GRANTED = "granted", _("Granted")
        REFUSED = "refused", _("Refused")

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="cases")
    item = models.ForeignKey("catalog.Item", verbose_name=_("item"), on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        "catalog.Department", verbose_name=_("department"), on_delete=models.PROTECT, related_name="+"
    )
    beneficiary = models.ForeignKey(
        "people.Person",
        verbose_name=_("for member"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The household member the item is for (a student for an education item); empty: the applicant."),
    )
    area_code = models.CharField(_("area code"), max_length=12, db_index=True)
    handling_area_code = models.CharField(_("handling area"), max_length=12, db_index=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    # The checklist: the item's materials from the catalogue at submission, and any the department asked for later;
    # ``missing_materials`` are those of them not yet in (an upload of one ticks it off).
    materials = models.JSONField(_("materials"), default=list, blank=True)
    missing_materials = models.JSONField(_("missing materials"), default=list, blank=True)
    # While materials are awaited: since when, and the day the window and the applicant were reminded (once a pause).
    waiting_since = models.DateField(_("waiting for materials since"), null=True, blank=True)
    reminded_on = models.DateField(_("reminded on"), null=True, blank=True)
    accepted_on = models.DateField(_("accepted on"))
    # The clock: it runs from clock_started_on while the case is accepted and stops while materials are awaited;
    # used_working_days keeps what ran before the last stop, so the deadline moves by exactly the pause.
    clock_started_on = models.DateField(_("clock running since"), null=True, blank=True)
    used_working_days = models.PositiveSmallIntegerField(_("working days used"), default=0)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    received_at = models.DateTimeField(_("received by the department"), null=True, blank=True)
    pushed_from = models.ForeignKey(
        "self",
        verbose_name=_("pushed on from"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The granted item that pushed this one to its department automatically."),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decision_reason = models.TextField(_("reasons"), max_length=COMPOSED_MAX, blank=True, default="")

    objects: ClassVar[ScopedManager[ItemCase]] = ScopedManager()

    scope_field = "area_code"
    scope_department_field = "department"

    class Meta:
        verbose_name = _("item case")
        verbose_name_plural = _("item cases")
        ordering = ["deadline", "id"]
        # The inbox and the overdue list: one status (open ones are few, whatever the years of history), the area's
        # prefix range, then the decision's time (the decided ones of the window are found in the index) and the
        # deadline.
        # The department's to-do (to receive, to decide): its open items by deadline, a page and a capped count read
        # in the index whatever the county's backlog (the department's users serve one county).
        indexes = [
            area_index("status", "area_code", "decided_at", "deadline", "id", name="itemcase_status_area_deadline"),
            models.Index(
                fields=["department", "deadline", "id"],
                name="itemcase_to_receive",
                condition=Q(status="accepted", received_at__isnull=True),
            ),
            models.Index(
                fields=["department", "deadline", "id"],
                name="itemcase_to_decide",
                condition=Q(status="accepted", received_at__isnull=False),
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["application", "item"], name="one_case_per_item_per_application"),
        ]

    def __str__(self) -> str:
        return f"{self.application_id}:{self.item_id}"

    @property
    def for_person(self) -> Any:
        """The member the item is for: the beneficiary named, else the applicant."""
        return self.beneficiary if self.beneficiary_id else self.application.person

    def checklist(self) -> list[tuple[str, bool]]:
        """The item's materials, each with whether it is in."""
        missing = set(self.missing_materials)
        return [(material, material not in missing) for material in self.materials]

    @property
    def decided(self) -> bool:
        return self.status in {self.Status.GRANTED, self.Status.REFUSED}

    def timing(self, today: dt.date, calendar: Any) -> str:
        """on_time, due_soon (3 working days or fewer left), overdue, paused or done."""
        if self.decided:
            return "done"
        if self.deadline is None:
            return "paused"
        if today > self.deadline:
            return "overdue"
        return "due_soon" if calendar.working_days_between(today, self.deadline) <= DUE_SOON_WORKING_DAYS else "on_time"


class Attachment(ScopedModel):
    """A document uploaded for an application, stored outside the web root and served only through a view that
    checks the user's scope."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="attachments")
    material = models.CharField(_("material"), max_length=100)
    original_name = models.CharField(_("file name"), max_length=200)
    stored_file = models.CharField(max_length=200, unique=True)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty when the applicant uploaded it online."),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    objects: ClassVar[ScopedManager[Attachment]] = ScopedManager()

    scope_field = "application__area_code"

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class Notification(models.Model):
    """A message to one staff user inside the platform (new case, due soon, overdue, escalation)."""

    class Kind(models.TextChoices):
        NEW_CASE = "new_case", _("New item")
        MATERIALS = "materials", _("Materials requested")
        DUE_SOON = "due_soon", _("Due soon")
        OVERDUE = "overdue", _("Overdue")
        ESCALATED = "escalated", _("Overdue below you")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    case = models.ForeignKey(ItemCase, on_delete=models.CASCADE, related_name="notifications")
    text = models.CharField(_("message"), max_length=300)
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            # The sweep may run any number of times: one notice of a kind per case and person.
            models.UniqueConstraint(fields=["recipient", "case", "kind"], name="one_notice_per_kind_case_recipient"),
        ]

    def __str__(self) -> str:
        return self.text


class OnlineCode(models.Model):
    """A one-time code sent to a resident's registered phone to open the online channel (system table)."""

    id_index = models.CharField(max_length=32, db_index=True)
    code_hash = models.CharField(max_length=64)
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["client_ip", "created_at"])]

    def __str__(self) -> str:
        return f"{self.id_index[:8]} {self.created_at:%Y-%m-%d %H:%M}"
