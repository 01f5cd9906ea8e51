"""The relief station (救助管理站) and family tracing (寻亲), DOMAIN §6.3 (国务院令第381号).

A station takes in homeless and vagrant people (an ``Admission``), gives food, lodging, care and tickets home, keeps
what they carried (``Belonging``) and lets them go whenever they wish: the station may never hold anyone, so a
departure is always recordable at once. A stay is limited (``relief.stay_days``) and only extended with a reason
(``StayExtension``). A person of unknown identity gets a ``Tracing`` at admission: police fingerprint, DNA and face
matching (``TracingCheck``), a public announcement within ``relief.announcement_days`` working days (a page anyone may
open, taken down on reunification), and in the end reunification or resettlement (落户安置) into the registry. Street
patrols and the seasonal campaigns are recorded as ``Patrol``.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from minsheng.core.fields import EncryptedCharField
from minsheng.core.keyset import area_index
from minsheng.core.scoping import ScopedManager, ScopedModel


class Station(ScopedModel):
    """A relief station (救助管理站), one per county as a rule; ``area_code`` is where it sits (12 digits)."""

    name = models.CharField(_("name"), max_length=100)
    area_code = models.CharField(_("area code"), max_length=12, db_index=True)
    address = models.CharField(_("address"), max_length=200, blank=True, default="")
    # The station's public number: printed on every announcement (never a person's own number).
    phone = models.CharField(_("public phone"), max_length=30, blank=True, default="")
    active = models.BooleanField(_("in service"), default=True)

    objects: ClassVar[ScopedManager[Station]] = ScopedManager()
    scope_field = "area_code"

    class Meta:
        verbose_name = _("relief station")
        verbose_name_plural = _("relief stations")
        ordering = ["area_code", "name"]
        constraints = [models.UniqueConstraint(fields=["area_code", "name"], name="relief_station_unique_name")]

    def __str__(self) -> str:
        return self.name


class Admission(ScopedModel):
    """One stay at a station (one person-time helped)."""

    class Referral(models.TextChoices):
        POLICE = "police", _("Police")
        PATROL = "patrol", _("Street patrol")
        SELF = "self", _("Came on their own")
        OTHER_STATION = "other_station", _("Another station")
        OTHER = "other", _("Other (officials, citizens)")

    class Health(models.TextChoices):
        NORMAL = "normal", _("No sign of illness")
        CARE = "care", _("Needs care")
        URGENT = "urgent", _("Needs emergency treatment")

    class Status(models.TextChoices):
        IN_STATION = "in_station", _("In the station")
        DEPARTED = "departed", _("Left")

    class Departure(models.TextChoices):
        NONE = "", _("Not left")
        RETURNED_HOME = "returned_home", _("Returned home with a ticket")
        FAMILY = "family", _("Handed to family")
        CARE = "care", _("Transferred to a care institution")
        HOSPITAL = "hospital", _("Transferred to hospital")
        OWN_WILL = "own_will", _("Left of their own will")
        RESETTLED = "resettled", _("Resettled (落户安置)")

    class Gender(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")
        UNKNOWN = "", pgettext_lazy("gender", "Unknown")

    station = models.ForeignKey(Station, verbose_name=_("station"), on_delete=models.PROTECT, related_name="admissions")
    # No index of its own: the (area, time) index below leads with it and serves the door's prefix (issue 22).
    area_code = models.CharField(_("area code"), max_length=12)
    number = models.CharField(_("admission number"), max_length=24, unique=True)
    admitted_at = models.DateTimeField(_("admitted at"))
    referral = models.CharField(_("referred by"), max_length=16, choices=Referral.choices)
    identity_known = models.BooleanField(_("identity known"))
    # The name the person gave (or a placeholder such as 无名氏 when they cannot say).
    name = models.CharField(_("name given"), max_length=50, blank=True, default="")
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True, default="")
    apparent_age = models.PositiveSmallIntegerField(_("apparent age"), null=True, blank=True)
    # When the identity is known: the ID number, encrypted, with its blind index and masked copy.
    id_number = EncryptedCharField(_("ID number"), blank=True, default="")
    id_index = models.CharField(_("ID lookup key"), max_length=32, blank=True, default="", db_index=True)
    id_masked = models.CharField(_("ID number (masked)"), max_length=18, blank=True, default="")
    person = models.ForeignKey(
        "people.Person", verbose_name=_("registered person"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    found_at = models.CharField(_("where found"), max_length=200, blank=True, default="")
    description = models.TextField(_("description"), blank=True, default="")
    health = models.CharField(_("health check"), max_length=8, choices=Health.choices)
    health_note = models.CharField(_("health check notes"), max_length=500, blank=True, default="")
    services = models.JSONField(_("services given"), default=list)
    stay_days = models.PositiveSmallIntegerField(_("stay limit (days)"))
    stay_parameter = models.BigIntegerField(_("stay limit rule row"))
    stay_until = models.DateField(_("may stay until"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.IN_STATION)
    departed_at = models.DateTimeField(_("left at"), null=True, blank=True)
    departure = models.CharField(_("how they left"), max_length=16, choices=Departure.choices, blank=True, default="")
    destination = models.CharField(_("destination or receiving party"), max_length=200, blank=True, default="")
    departure_note = models.CharField(_("departure notes"), max_length=500, blank=True, default="")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    departed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects: ClassVar[ScopedManager[Admission]] = ScopedManager()
    scope_field = "area_code"

    class Meta:
        verbose_name = _("admission")
        verbose_name_plural = _("admissions")
        ordering = ["-admitted_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="in_station", departed_at__isnull=True, departure="")
                | Q(status="departed", departed_at__isnull=False) & ~Q(departure=""),
                name="relief_departure_complete",
            ),
            models.CheckConstraint(
                condition=Q(departed_at__isnull=True) | Q(departed_at__gte=F("admitted_at")),
                name="relief_departure_after_admission",
            ),
            models.CheckConstraint(condition=Q(stay_until__isnull=False), name="relief_stay_has_limit"),
            # A registered person is in one station at a time.
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(status="in_station", person__isnull=False),
                name="relief_one_open_admission_per_person",
            ),
        ]
        indexes = [
            # The stays in the station of the caller's area: the due work (by the stay's limit) and the stays list
            # (those in the station, a few a station, sorted after); the stays that ended in the list's window
            # through (area, time) (docs/architecture.md, "Lists").
            area_index("status", "area_code", "stay_until", name="relief_admission_open_area"),
            area_index("area_code", "admitted_at", name="relief_admission_area_time"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def display_name(self) -> str:
        return self.name or str(_("Unnamed"))


class StayExtension(models.Model):
    """A stay allowed beyond its limit, with the reason (illness, waiting for family, a ticket, tracing)."""

    admission = models.ForeignKey(Admission, on_delete=models.CASCADE, related_name="extensions")
    previous_until = models.DateField(_("previously until"))
    until = models.DateField(_("extended until"))
    reason = models.CharField(_("reason"), max_length=500)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("stay extension")
        verbose_name_plural = _("stay extensions")
        ordering = ["recorded_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(until__gt=F("previous_until")), name="relief_extension_later")
        ]

    def __str__(self) -> str:
        return f"{self.admission_id} → {self.until}"


class Belonging(models.Model):
    """Something the person carried, kept by the station and given back when they leave."""

    admission = models.ForeignKey(Admission, on_delete=models.CASCADE, related_name="belongings")
    description = models.CharField(_("item"), max_length=200)
    quantity = models.PositiveSmallIntegerField(_("quantity"), default=1)
    recorded_at = models.DateTimeField(default=timezone.now)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)

    class Meta:
        verbose_name = _("belonging")
        verbose_name_plural = _("belongings")
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gte=1), name="relief_belonging_quantity")]

    def __str__(self) -> str:
        return f"{self.description} × {self.quantity}"


class Tracing(ScopedModel):
    """Family tracing (寻亲) of a person admitted with an unknown identity, opened at admission."""

    class Status(models.TextChoices):
        OPEN = "open", _("Tracing")
        REUNITED = "reunited", _("Reunited with family")
        RESETTLED = "resettled", _("Resettled (落户安置)")
        CLOSED = "closed", _("Closed (left before tracing ended)")

    admission = models.OneToOneField(Admission, on_delete=models.PROTECT, related_name="tracing")
    area_code = models.CharField(_("area code"), max_length=12, db_index=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField(_("opened at"))
    announcement_due = models.DateField(_("announcement due by"))
    announcement_parameter = models.BigIntegerField(_("announcement deadline rule row"))
    # The public announcement: published (and shown to anyone) until taken down.
    public_id = models.UUIDField(_("public reference"), default=uuid.uuid4, unique=True, editable=False)
    published_at = models.DateTimeField(_("announcement published at"), null=True, blank=True)
    taken_down_at = models.DateTimeField(_("announcement taken down at"), null=True, blank=True)
    public_description = models.TextField(_("announcement text"), blank=True, default="")
    photo_file = models.CharField(max_length=300, blank=True, default="")
    photo_type = models.CharField(max_length=40, blank=True, default="")
    photo_size = models.PositiveIntegerField(default=0)
    closed_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    outcome_note = models.CharField(_("outcome"), max_length=500, blank=True, default="")
    resettled_person = models.ForeignKey(
        "people.Person", verbose_name=_("resettled as"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    tekun_item_case = models.ForeignKey(
        "intake.ItemCase", verbose_name=_("特困 application"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip

    objects: ClassVar[ScopedManager[Tracing]] = ScopedManager()
    scope_field = "area_code"

    class Meta:
        verbose_name = _("family tracing")
        verbose_name_plural = _("family tracings")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", closed_at__isnull=True) | ~Q(status="open") & Q(closed_at__isnull=False),
                name="relief_tracing_closed_has_time",
            ),
            # An announcement is shown only while the tracing is open: reunification takes it down.
            models.CheckConstraint(
                condition=Q(status="open") | Q(published_at__isnull=True) | Q(taken_down_at__isnull=False),
                name="relief_tracing_taken_down_when_closed",
            ),
            models.CheckConstraint(
                condition=~Q(status="resettled") | Q(resettled_person__isnull=False),
                name="relief_resettled_has_person",
            ),
        ]
        indexes = [
            # The public announcements (docs/architecture.md, "Lists"): those shown now, the latest first.
            models.Index(
                fields=["published_at", "id"], condition=Q(taken_down_at__isnull=True), name="relief_tracing_shown_at"
            )
        ]

    def __str__(self) -> str:
        return f"{self.admission.number}"

    @property
    def is_shown(self) -> bool:
        return self.published_at is not None and self.taken_down_at is None


class TracingCheck(models.Model):
    """A request to the police (fingerprint, DNA, face) or another channel, and its result."""

    class Kind(models.TextChoices):
        FINGERPRINT = "fingerprint", _("Fingerprint comparison")
        DNA = "dna", _("DNA comparison")
        FACE = "face", _("Face recognition")
        MEDIA = "media", _("Media appeal")
        OTHER = "other", _("Other enquiry")

    class Result(models.TextChoices):
        PENDING = "", _("Waiting for the result")
        MATCH = "match", _("Match found")
        NO_MATCH = "no_match", _("No match")

    tracing = models.ForeignKey(Tracing, on_delete=models.CASCADE, related_name="checks")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    requested_on = models.DateField(_("requested on"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    result = models.CharField(_("result"), max_length=10, choices=Result.choices, blank=True, default="")
    result_on = models.DateField(_("result on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True, default="")

    class Meta:
        verbose_name = _("tracing check")
        verbose_name_plural = _("tracing checks")
        ordering = ["requested_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(result="", result_on__isnull=True) | ~Q(result="") & Q(result_on__gte=F("requested_on")),
                name="relief_check_result_dated",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.requested_on}"


class Patrol(ScopedModel):
    """A street patrol or a day of a seasonal campaign (寒冬送温暖, 夏季送清凉): where, what was given, to how many."""

    class Kind(models.TextChoices):
        PATROL = "patrol", _("Street patrol")
        WINTER = "winter", _("寒冬送温暖 (winter campaign)")
        SUMMER = "summer", _("夏季送清凉 (summer campaign)")

    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="patrols")
    # No index of its own: the (area, date) index below leads with it and serves the door's prefix (issue 22).
    area_code = models.CharField(_("area code"), max_length=12)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    on = models.DateField(_("date"))
    places = models.CharField(_("places"), max_length=300)
    persons_reached = models.PositiveIntegerField(_("persons reached"))
    persons_admitted = models.PositiveIntegerField(_("of them brought to the station"), default=0)
    given = models.CharField(_("what was given"), max_length=500, blank=True, default="")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar[ScopedManager[Patrol]] = ScopedManager()
    scope_field = "area_code"

    class Meta:
        verbose_name = _("patrol")
        verbose_name_plural = _("patrols")
        ordering = ["-on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(persons_admitted__lte=F("persons_reached")), name="relief_patrol_admitted_reached"
            )
        ]
        # The patrols list, the latest first, of the window: a county's range of (area, date, id); the city's read
        # backwards in (date, id, area), the area checked in the index, stopping after the page (docs/architecture.md,
        # "Lists").
        indexes = [
            area_index("area_code", "on", "id", name="relief_patrol_area_on"),
            area_index("on", "id", "area_code", name="relief_patrol_on_area"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.on}"
