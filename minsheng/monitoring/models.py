"""Low-income population monitoring and proactive discovery (低收入人口动态监测·主动发现, DOMAIN §4).

- ``MonitoredHousehold``: the 一户一档 of the low-income population — one row per household with the groups it
  belongs to now (低保, 特困, 低保边缘, 刚性支出 from the programmes; 防返贫 monitoring and 困难职工 from the
  departments' feeds), and ``MonitoredChange`` its history.
- ``WarningRule``: a warning rule as data, versioned, date-effective and area-scoped like the programme parameters:
  its source (a department feed, or an object rule over the programmes' own data), condition, severity, deadline
  in working days and who receives it. A change is a new version; the one before ends the day before.
- ``Alert`` (a warning, 预警): one per person, rule and period; it goes to the person's village and township with
  its deadline, the village worker's visit records its outcome (apply on the person's behalf, refer, close with
  reasons), the township confirms. A closed warning fires again only when the data changes (``fingerprint``).
- ``Visit`` and ``VisitPhoto``: one home visit, whatever its kind (the later modules' visits are the same record);
  ``client_uuid`` makes a visit sent twice from a phone arrive once.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from minsheng.core.keyset import area_index
from minsheng.core.scoping import ScopedManager, ScopedModel


class Group(models.TextChoices):
    DIBAO = "dibao", _("低保")
    TEKUN = "tekun", _("特困")
    EDGE = "edge", _("低保边缘")
    RIGID = "rigid", _("刚性支出困难")
    ANTI_POVERTY = "anti_poverty", _("防返贫监测")
    UNION_HARDSHIP = "union_hardship", _("困难职工")


def in_group(code: str) -> Q:
    """The households of a group: ``groups`` is a JSON list of codes, so the quoted code is in its text. The list's
    filter and the group's partial index are this same condition, so that PostgreSQL matches the one to the other."""
    return Q(groups__icontains=f'"{code}"')


def _population_index(name: str, condition: Q) -> models.Index:
    # The population list's order (area, id) over a partial condition. The area column has the "C" collation on
    # PostgreSQL (migration 0005), so that one plain B-tree serves both the door's prefix range and the ORDER BY:
    # a pattern-operator index (``core.keyset.area_index``) gives the range but not the order of ``area_code``.
    return models.Index(fields=["area_code", "id"], condition=Q(active=True) & condition, name=name)


class MonitoredHousehold(ScopedModel):
    """A household of the low-income population (一户一档) and the groups it belongs to now."""

    household = models.OneToOneField(
        "people.Household", verbose_name=_("household"), on_delete=models.PROTECT, related_name="+"
    )
    # "C" collation on PostgreSQL (migration 0005; Django does not know it: a later AlterField must repeat it).
    area_code = models.CharField(_("area code"), max_length=12, db_index=True)
    groups = models.JSONField(_("groups"), default=list)
    since = models.DateField(_("monitored since"))
    updated_on = models.DateField(_("updated on"))
    active = models.BooleanField(_("in the low-income population"), default=True)

    objects: ClassVar[ScopedManager[MonitoredHousehold]] = ScopedManager()
    scope_field = "area_code"

    class Meta:
        verbose_name = _("monitored household")
        verbose_name_plural = _("monitored households")
        ordering = ["area_code", "household"]
        indexes = [
            # The population list (docs/architecture.md, "Lists"): the area's households in (area, id) order, and
            # one partial index a group, so that the list of a small group (困难职工) reads that group's entries
            # only. A group added to ``Group`` brings its index in the next migration.
            _population_index("monitoring_population", Q()),
            *(_population_index(f"monitoring_pop_{code}", in_group(code)) for code in Group.values),
        ]

    def __str__(self) -> str:
        return f"{self.household_id}"


class MonitoredChange(models.Model):
    """A change of a monitored household's groups (read through the household's record)."""

    monitored = models.ForeignKey(MonitoredHousehold, on_delete=models.CASCADE, related_name="changes")
    on = models.DateField(_("date"))
    before = models.JSONField(_("before"), default=list)
    after = models.JSONField(_("after"), default=list)

    class Meta:
        verbose_name = _("monitoring change")
        verbose_name_plural = _("monitoring changes")
        ordering = ["monitored", "-on", "-id"]

    def __str__(self) -> str:
        return f"{self.monitored_id} {self.on}"


class WarningRule(models.Model):
    """One version of a warning rule (reference data, edited by city administrators: not scoped)."""

    class Kind(models.TextChoices):
        FEED = "feed", _("A department's feed")
        OBJECT = "object", _("The programmes' own data")

    class Severity(models.TextChoices):
        HIGH = "high", _("High")
        MEDIUM = "medium", _("Medium")
        LOW = "low", _("Low")

    class Recipients(models.TextChoices):
        VILLAGE = "village", _("Village worker, township confirms")
        TOWNSHIP = "township", _("Township reviewer")

    code = models.SlugField(_("code"), max_length=40)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=60)
    kind = models.CharField(_("kind"), max_length=6, choices=Kind.choices)
    source = models.CharField(_("source"), max_length=40)
    condition = models.JSONField(_("condition"), default=dict, blank=True)
    severity = models.CharField(_("severity"), max_length=6, choices=Severity.choices, default=Severity.MEDIUM)
    deadline_days = models.PositiveSmallIntegerField(_("deadline (working days)"))
    recipients = models.CharField(_("sent to"), max_length=8, choices=Recipients.choices, default=Recipients.VILLAGE)
    area_prefix = models.CharField(_("area"), max_length=12, blank=True, default="")
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    active = models.BooleanField(_("switched on"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("warning rule")
        verbose_name_plural = _("warning rules")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "area_prefix", "version"], name="monitoring_rule_version"),
            models.CheckConstraint(
                condition=Q(deadline_days__gte=1, deadline_days__lte=60), name="monitoring_rule_deadline_bounded"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class Alert(ScopedModel):
    """One warning about one person (``area_code``: the person's village)."""

    class Status(models.TextChoices):
        OPEN = "open", _("To visit")
        VISITED = "visited", _("Visited, awaiting the township")
        DONE = "done", _("Handled")

    class Outcome(models.TextChoices):
        APPLIED = "applied", _("Applied on the person's behalf")
        REFERRED = "referred", _("Referred to a department or programme")
        CLOSED = "closed", _("Closed with reasons")

    rule = models.ForeignKey(WarningRule, verbose_name=_("rule"), on_delete=models.PROTECT, related_name="+")
    rule_code = models.SlugField(_("rule"), max_length=40)
    person = models.ForeignKey("people.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey("people.Household", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField(_("area code"), max_length=12, db_index=True)
    period = models.DateField(_("period"))
    signal = models.ForeignKey(
        "exchange.FeedRecord", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    fingerprint = models.CharField(max_length=64, blank=True, default="")
    summary = models.CharField(_("what was found"), max_length=200, blank=True, default="")
    severity = models.CharField(_("severity"), max_length=6, choices=WarningRule.Severity.choices)
    raised_on = models.DateField(_("raised on"))
    due_on = models.DateField(_("visit by"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    escalated_on = models.DateField(_("escalated on"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=8, choices=Outcome.choices, blank=True, default="")
    reason = models.CharField(_("reason"), max_length=500, blank=True, default="")
    referred_to = models.CharField(_("referred to"), max_length=100, blank=True, default="")
    application = models.ForeignKey(
        "intake.Application", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    visited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    visited_on = models.DateField(_("visited on"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_on = models.DateField(_("confirmed on"), null=True, blank=True)

    objects: ClassVar[ScopedManager[Alert]] = ScopedManager()
    scope_field = "area_code"

    class Meta:
        verbose_name = _("warning")
        verbose_name_plural = _("warnings")
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "rule_code", "period"], name="monitoring_alert_once"),
        ]
        indexes = [
            # The warnings list and the to-do list: one status, the area's prefix range, the deadline.
            area_index("status", "area_code", "due_on", "id", name="monitoring_alert_due"),
            models.Index(fields=["person", "rule_code", "status"], name="monitoring_alert_person"),
        ]

    def __str__(self) -> str:
        return f"{self.rule_code} {self.person_id} {self.period:%Y-%m}"


def declared_visit_kind(value: str) -> None:
    """A visit's kind is one a module declares (``Module.visit_kinds``), or the legacy regular visit."""
    from minsheng.core.modules import visit_kinds

    if value != Visit.Kind.REGULAR and value not in visit_kinds():
        raise ValidationError(_("Unknown kind of visit."))


class Visit(ScopedModel):
    """A home visit recorded on a phone or a desk (``area_code``: the visited person's village), of any module's
    kind: ``kind`` is a declared ``core.modules.VisitKind`` code (checked against the declarations, not choices)
    and ``subject_id`` the id of what it is about in that kind (a warning's id for a warning's visit)."""

    class Kind(models.TextChoices):
        WARNING = "warning", _("Visit about a warning")
        REGULAR = "regular", _("Regular visit of a monitored household")

    class Flag(models.TextChoices):
        FAR = "far", _("Far from where the visit was expected")
        OVERLAP = "overlap", _("Overlaps another visit of the same worker")
        NO_LOCATION = "no_location", _("No location recorded")

    client_uuid = models.UUIDField(unique=True)
    kind = models.CharField(_("kind"), max_length=30, validators=[declared_visit_kind])
    subject_id = models.PositiveBigIntegerField(_("subject"), null=True, blank=True)
    person = models.ForeignKey("people.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+")
    alert = models.ForeignKey(Alert, null=True, blank=True, on_delete=models.PROTECT, related_name="visits")
    area_code = models.CharField(_("area code"), max_length=12, db_index=True)
    checked_in_at = models.DateTimeField(_("checked in at"))
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    # Codes of ``Flag`` the platform found on arrival (never a refusal: shown beside the visit)
    flags = models.JSONField(_("flags"), default=list, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    answers = models.JSONField(_("answers"), default=dict)
    outcome = models.CharField(_("outcome"), max_length=8, blank=True, default="")
    note = models.CharField(_("note"), max_length=500, blank=True, default="")
    # False: the visit is kept, but its warning was handled before it arrived (nothing changed)
    applied = models.BooleanField(default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField(_("received at"), default=timezone.now)

    objects: ClassVar[ScopedManager[Visit]] = ScopedManager()
    scope_field = "area_code"

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-checked_in_at"]
        indexes = [
            models.Index(fields=["kind", "subject_id"], name="monitoring_visit_subject"),
            models.Index(fields=["recorded_by", "checked_in_at"], name="monitoring_visit_recorder"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.person_id} {self.checked_in_at:%Y-%m-%d}"

    @property
    def duration(self) -> dt.timedelta | None:
        """Check-out − check-in, for a timed visit."""
        return self.checked_out_at - self.checked_in_at if self.checked_out_at else None


class VisitPhoto(models.Model):
    """A photo taken on a visit (read through its visit); the file is stored under MEDIA_ROOT."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="photos")
    stage = models.CharField(_("photo stage"), max_length=10, blank=True, default="")  # a kind's photo stage, or ""
    file = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    content_type = models.CharField(max_length=20)

    class Meta:
        verbose_name = pgettext_lazy("visit", "photo")
        verbose_name_plural = pgettext_lazy("visit", "photos")
        constraints = [models.UniqueConstraint(fields=["visit", "sha256"], name="monitoring_photo_once")]

    def __str__(self) -> str:
        return self.file


class DiscoveryRun(models.Model):
    """One daily run of proactive discovery over the feeds received in [since, until) (city-wide: not scoped)."""

    class Status(models.TextChoices):
        RUNNING = "running", pgettext_lazy("check", "Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    since = models.DateTimeField(_("feeds received from"))
    until = models.DateTimeField(_("feeds received before"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices)
    signals = models.PositiveIntegerField(_("signals"), default=0)
    raised = models.PositiveIntegerField(_("warnings raised"), default=0)
    escalated = models.PositiveIntegerField(_("warnings escalated"), default=0)
    counts = models.JSONField(default=dict)
    error = models.CharField(max_length=500, blank=True, default="")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("discovery run")
        verbose_name_plural = _("discovery runs")
        ordering = ["-until"]

    def __str__(self) -> str:
        return f"{self.since:%Y-%m-%d %H:%M}–{self.until:%Y-%m-%d %H:%M}"
