"""Volunteers of 五社联动 (DOMAIN §6.6): real-name registration, teams and their members, activities, service
records with their hours, star levels by cumulative hours, certificates verifiable by a code, and the needs other
modules raise, as tasks that the area's teams (and social organisations) take, do and close.

Hours are stored in tenths of an hour (an integer), like money in fen: 2.5 hours is 25. A volunteer's cumulative
hours and star level are stored columns, updated set-based when hours change (``services.hours_credit``), so a list
or a search never sums records.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minsheng.core.fields import EncryptedCharField
from minsheng.core.scoping import ScopedManager, ScopedModel
from minsheng.social.models import Organisation


class Team(ScopedModel):
    """A volunteer team (志愿服务队) of an area: a township, a village or community, or a county's association."""

    area_code = models.CharField(_("area"), max_length=12)
    name = models.CharField(_("name"), max_length=100)
    # The social organisation that founded the team (minsheng.social.Organisation, built beside this app): a plain id
    # until both are on main, then a foreign key.
    founding_organisation_id = models.PositiveBigIntegerField(_("founding organisation"), null=True, blank=True)
    founded_on = models.DateField(_("founded on"), default=timezone.localdate)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects: ClassVar[ScopedManager[Team]] = ScopedManager()
    scope_field = "area_code"

    class Meta:
        verbose_name = _("volunteer team")
        verbose_name_plural = _("volunteer teams")
        constraints = [models.UniqueConstraint(fields=["area_code", "name"], name="volunteer_team_name_per_area")]
        indexes = [models.Index(fields=["area_code", "id"], name="volunteer_team_area")]

    def __str__(self) -> str:
        return self.name


class Volunteer(ScopedModel):
    """A registered volunteer (实名注册), in the area (township or village) that registered them."""

    class Gender(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")

    class Star(models.IntegerChoices):
        NONE = 0, _("No star yet")
        ONE = 1, _("One star (一星)")
        TWO = 2, _("Two stars (二星)")
        THREE = 3, _("Three stars (三星)")
        FOUR = 4, _("Four stars (四星)")
        FIVE = 5, _("Five stars (五星)")

    area_code = models.CharField(_("area"), max_length=12)
    name = models.CharField(_("name"), max_length=50)
    name_pinyin = models.CharField(_("name in pinyin"), max_length=200)
    id_number = EncryptedCharField(_("ID number"))
    id_index = models.CharField(_("ID lookup key"), max_length=32, unique=True)
    id_masked = models.CharField(_("ID number (masked)"), max_length=18)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("date of birth"))
    phone = EncryptedCharField(_("phone"), blank=True, default="")
    phone_masked = models.CharField(_("phone (masked)"), max_length=20, blank=True, default="")
    # A minor (under the age the rule says, from the ID number) is registered only with a guardian's consent.
    guardian_name = models.CharField(_("guardian"), max_length=50, blank=True, default="")
    guardian_phone = EncryptedCharField(_("guardian's phone"), blank=True, default="")
    guardian_consent_on = models.DateField(_("guardian's consent given on"), null=True, blank=True)
    hours_tenths = models.PositiveIntegerField(_("service hours (tenths)"), default=0)
    star = models.PositiveSmallIntegerField(_("star level"), choices=Star.choices, default=0)
    registered_on = models.DateField(_("registered on"), default=timezone.localdate)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )

    objects: ClassVar[ScopedManager[Volunteer]] = ScopedManager()
    scope_field = "area_code"

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        indexes = [
            # Search (selectors.volunteer_search) walks these in order and stops at a page; on PostgreSQL the area
            # and pinyin columns also get prefix indexes (migration 0002).
            models.Index(fields=["name", "id"], name="volunteer_name"),
            models.Index(fields=["name_pinyin", "id"], name="volunteer_pinyin"),
            models.Index(fields=["area_code", "id"], name="volunteer_area"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(star__gte=0, star__lte=5), name="volunteer_star_range"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.id_masked}）"

    @property
    def hours(self) -> str:
        """The hours as written: 2.5, 3 (tenths stored)."""
        return f"{self.hours_tenths / 10:g}"


class Membership(models.Model):
    """A volunteer in a team (read through the team or the volunteer, both scoped)."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="memberships")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="memberships", db_index=False)
    joined_on = models.DateField(_("joined on"), default=timezone.localdate)

    class Meta:
        verbose_name = _("team membership")
        verbose_name_plural = _("team memberships")
        constraints = [models.UniqueConstraint(fields=["volunteer", "team"], name="volunteer_once_per_team")]

    def __str__(self) -> str:
        return f"{self.volunteer_id} @ {self.team_id}"


class Activity(ScopedModel):
    """A team's activity: what, when, where, and the hours it gives each volunteer who served."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="activities")
    area_code = models.CharField(_("area"), max_length=12)
    title = models.CharField(_("activity"), max_length=100)
    held_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=100)
    hours_tenths = models.PositiveIntegerField(_("hours (tenths)"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects: ClassVar[ScopedManager[Activity]] = ScopedManager()
    scope_field = "area_code"

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-held_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(hours_tenths__gte=1, hours_tenths__lte=240), name="activity_hours"),
        ]

    def __str__(self) -> str:
        return f"{self.title}（{self.held_on:%Y-%m-%d}）"

    @property
    def hours(self) -> str:
        """The hours as written: 2.5, 3 (tenths stored)."""
        return f"{self.hours_tenths / 10:g}"


class Task(ScopedModel):
    """A need raised by another module (the source: app, kind, id) as a task the area's teams and social organisations
    see and take; doing it credits hours to the volunteers who served, and its outcome goes back to the source."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        TAKEN = "taken", _("Taken")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    area_code = models.CharField(_("area"), max_length=12)
    source_app = models.CharField(_("raised by"), max_length=30)
    source_kind = models.CharField(_("kind of source"), max_length=30)
    source_id = models.CharField(_("source"), max_length=40)
    title = models.CharField(_("need"), max_length=200)
    detail = models.TextField(_("what is asked"), blank=True, default="")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.PROTECT, related_name="tasks")
    # Or the social organisation of the area that took it (``services.task_take``: registered, covering the area).
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("social organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="volunteer_tasks",
    )
    taken_at = models.DateTimeField(_("taken at"), null=True, blank=True)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True, default="")
    hours_tenths = models.PositiveIntegerField(_("hours credited (tenths)"), default=0)

    objects: ClassVar[ScopedManager[Task]] = ScopedManager()
    scope_field = "area_code"

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["status", "raised_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["source_app", "source_kind", "source_id"], name="one_task_per_source"),
            models.CheckConstraint(
                condition=Q(status="open") | Q(team__isnull=False) | Q(organisation__isnull=False),
                name="task_taken_by_someone",
            ),
        ]
        indexes = [models.Index(fields=["area_code", "status"], name="task_area_status")]

    def __str__(self) -> str:
        return self.title


class ServiceRecord(ScopedModel):
    """Hours a volunteer served (志愿服务记录): in an activity or on a task, on a date, with what was done and how
    well. A volunteer is recorded once per activity and once per task; a day holds at most the rule's hours."""

    class Evaluation(models.TextChoices):
        EXCELLENT = "excellent", _("Excellent")
        GOOD = "good", _("Good")
        FAIR = "fair", _("Fair")
        POOR = "poor", _("Poor")

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="records", db_index=False)
    activity = models.ForeignKey(Activity, null=True, blank=True, on_delete=models.PROTECT, related_name="records")
    task = models.ForeignKey(Task, null=True, blank=True, on_delete=models.PROTECT, related_name="records")
    area_code = models.CharField(_("area"), max_length=12)  # the volunteer's area: hours count where they live
    served_on = models.DateField(_("date"))
    hours_tenths = models.PositiveIntegerField(_("hours (tenths)"))
    content = models.CharField(_("what was done"), max_length=500)
    evaluation = models.CharField(_("evaluation"), max_length=10, choices=Evaluation.choices, default="good")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects: ClassVar[ScopedManager[ServiceRecord]] = ScopedManager()
    scope_field = "area_code"

    class Meta:
        verbose_name = _("service record")
        verbose_name_plural = _("service records")
        ordering = ["-served_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["volunteer", "activity"], condition=Q(activity__isnull=False), name="record_once_per_activity"
            ),
            models.UniqueConstraint(
                fields=["volunteer", "task"], condition=Q(task__isnull=False), name="record_once_per_task"
            ),
            models.CheckConstraint(
                condition=Q(activity__isnull=True) ^ Q(task__isnull=True), name="record_activity_or_task"
            ),
            models.CheckConstraint(condition=Q(hours_tenths__gte=1, hours_tenths__lte=240), name="record_hours"),
        ]
        indexes = [
            models.Index(fields=["volunteer", "served_on"], name="record_volunteer_day"),
            models.Index(fields=["served_on", "area_code"], name="record_day_area"),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer_id} {self.served_on:%Y-%m-%d}"

    @property
    def hours(self) -> str:
        """The hours as written: 2.5, 3 (tenths stored)."""
        return f"{self.hours_tenths / 10:g}"


class MonthlyHours(models.Model):
    """Hours served per area (the volunteer's village) and month, kept by ``services.hours_credit`` in the same
    transaction as the records: the year's sums by area and month read these rows, not tens of millions of records.
    Aggregate data, not personal: read by the statistics and the area's pages."""

    area_code = models.CharField(_("area"), max_length=12)
    month = models.DateField(_("month"))
    hours_tenths = models.PositiveBigIntegerField(_("hours (tenths)"), default=0)
    records = models.PositiveIntegerField(_("service records"), default=0)

    class Meta:
        verbose_name = _("hours by month")
        verbose_name_plural = _("hours by month")
        constraints = [models.UniqueConstraint(fields=["area_code", "month"], name="monthly_hours_area_month")]
        indexes = [models.Index(fields=["month", "area_code"], name="monthly_hours_month")]

    def __str__(self) -> str:
        return f"{self.area_code} {self.month:%Y-%m}"


class Certificate(ScopedModel):
    """A certificate of service (志愿服务证明): what it says is fixed when issued; anyone may check it by its code."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="certificates")
    area_code = models.CharField(_("area"), max_length=12)
    code = models.CharField(_("verification code"), max_length=20, unique=True)
    name_masked = models.CharField(_("name (masked)"), max_length=50)
    hours_tenths = models.PositiveIntegerField(_("hours (tenths)"))
    star = models.PositiveSmallIntegerField(_("star level"), choices=Volunteer.Star.choices)
    issued_on = models.DateField(_("issued on"), default=timezone.localdate)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False)

    objects: ClassVar[ScopedManager[Certificate]] = ScopedManager()
    scope_field = "area_code"

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_on", "-id"]

    def __str__(self) -> str:
        return self.code

    @property
    def hours(self) -> str:
        """The hours as written: 2.5, 3 (tenths stored)."""
        return f"{self.hours_tenths / 10:g}"


class VerificationAttempt(models.Model):
    """A look-up on the public verification page, counted per client address to bound guessing."""

    client_ip = models.GenericIPAddressField(null=True)
    attempted_at = models.DateTimeField(default=timezone.now)
    found = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["client_ip", "attempted_at"], name="verify_attempt_ip")]

    def __str__(self) -> str:
        return f"{self.client_ip} {self.attempted_at:%Y-%m-%d %H:%M}"
