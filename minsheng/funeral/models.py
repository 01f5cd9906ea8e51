"""Funeral services (殡葬), DOMAIN §6.6 (《殡葬管理条例》): the facilities, their price catalogues and filings
(价格备案) with public display and reports of overcharging, the cases a funeral home registers with their cremation and
the 惠民殡葬 waiver of basic fees for 低保, 特困 and other eligible groups, settled monthly with the funeral home.

A facility's own staff (the organisation-bound role ``funeral_staff``) see their facility's rows only: every model
their work touches names its facility in ``scope_organisation_field``.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minsheng.core.fields import EncryptedCharField
from minsheng.core.keyset import area_index
from minsheng.core.scoping import ScopedManager, ScopedModel
from minsheng.core.settlements import MakerCheckerSettlement


class Facility(ScopedModel):
    """A funeral home, a crematorium, or a public-welfare or commercial cemetery, with its approval and operator."""

    class Kind(models.TextChoices):
        FUNERAL_HOME = "funeral_home", _("Funeral home (殡仪馆)")
        CREMATORIUM = "crematorium", _("Crematorium (火葬场)")
        PUBLIC_CEMETERY = "public_cemetery", _("Public-welfare cemetery (公益性公墓)")
        COMMERCIAL_CEMETERY = "commercial_cemetery", _("Commercial cemetery (经营性公墓)")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    area_code = models.CharField(_("area code"), max_length=12, db_index=True)
    address = models.CharField(_("address"), max_length=200, blank=True, default="")
    operator = models.CharField(_("operator"), max_length=100)
    approval_number = models.CharField(_("approval document number"), max_length=100, blank=True, default="")
    approved_by = models.CharField(_("approved by"), max_length=100, blank=True, default="")
    approved_on = models.DateField(_("approved on"), null=True, blank=True)
    phone = models.CharField(_("public phone"), max_length=30, blank=True, default="")
    active = models.BooleanField(_("in service"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar[ScopedManager[Facility]] = ScopedManager()
    scope_field = "area_code"
    scope_organisation_field = "pk"

    CEMETERIES = (Kind.PUBLIC_CEMETERY, Kind.COMMERCIAL_CEMETERY)
    FUNERAL_SERVICES = (Kind.FUNERAL_HOME, Kind.CREMATORIUM)

    class Meta:
        verbose_name = _("funeral facility")
        verbose_name_plural = _("funeral facilities")
        ordering = ["area_code", "kind", "name"]
        constraints = [models.UniqueConstraint(fields=["area_code", "name"], name="funeral_facility_unique_name")]

    def __str__(self) -> str:
        return self.name


class PriceItem(ScopedModel):
    """A line of a facility's catalogue: a kind of plot or a service, priced by filing."""

    class Kind(models.TextChoices):
        PLOT = "plot", _("Plot (墓穴)")
        SERVICE = "service", _("Service")

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="items")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    unit = models.CharField(_("unit"), max_length=20, default="个")
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("offered"), default=True)

    objects: ClassVar[ScopedManager[PriceItem]] = ScopedManager()
    scope_field = "facility__area_code"
    scope_organisation_field = "facility_id"

    class Meta:
        verbose_name = _("price item")
        verbose_name_plural = _("price items")
        ordering = ["facility", "sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["facility", "name"], name="funeral_item_unique_name")]

    def __str__(self) -> str:
        return self.name


class PriceFiling(ScopedModel):
    """A facility's new prices from an effective date, filed by its staff and reviewed by the bureau (价格备案).

    An accepted filing is never changed: the prices in force on a day are those of the latest accepted filing
    effective by then, item by item, and the history is every accepted filing."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Waiting for review")
        ACCEPTED = "accepted", _("Accepted (filed)")
        RETURNED = "returned", _("Returned")

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="filings")
    # No index of its own: the (area, time) index below leads with it and serves the door's prefix (issue 22).
    area_code = models.CharField(_("area code"), max_length=12)
    effective_from = models.DateField(_("effective from"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    note = models.CharField(_("note"), max_length=500, blank=True, default="")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.CharField(_("review opinion"), max_length=500, blank=True, default="")

    objects: ClassVar[ScopedManager[PriceFiling]] = ScopedManager()
    scope_field = "area_code"
    scope_organisation_field = "facility_id"

    class Meta:
        verbose_name = _("price filing")
        verbose_name_plural = _("price filings")
        ordering = ["-effective_from", "-id"]
        constraints = [
            # One filing waits for review at a time; two accepted filings never share an effective date.
            models.UniqueConstraint(
                fields=["facility"], condition=Q(status="submitted"), name="funeral_one_pending_filing"
            ),
            models.UniqueConstraint(
                fields=["facility", "effective_from"],
                condition=Q(status="accepted"),
                name="funeral_one_accepted_filing_per_day",
            ),
            models.CheckConstraint(
                condition=Q(status="submitted", reviewed_by__isnull=True)
                | ~Q(status="submitted") & Q(reviewed_by__isnull=False, reviewed_at__isnull=False),
                name="funeral_filing_reviewed",
            ),
            models.CheckConstraint(
                condition=Q(reviewed_by__isnull=True) | ~Q(reviewed_by=F("submitted_by")),
                name="funeral_filing_reviewer_not_filer",
            ),
        ]
        indexes = [
            # The filings list, newest first: those waiting through (status, area, time), the window's through
            # (area, time) (docs/architecture.md, "Lists").
            area_index("status", "area_code", "submitted_at", name="funeral_filing_status_area"),
            area_index("area_code", "submitted_at", name="funeral_filing_area_time"),
        ]

    def __str__(self) -> str:
        return f"{self.facility_id} {self.effective_from}"


class FiledPrice(models.Model):
    """One item's price in a filing, with the price in force before it (for the change in per cent)."""

    filing = models.ForeignKey(PriceFiling, on_delete=models.CASCADE, related_name="prices")
    item = models.ForeignKey(PriceItem, on_delete=models.PROTECT, related_name="+")
    price_fen = models.BigIntegerField(_("price (fen)"))
    # Set when the filing is accepted: the item's price in force the day before the filing takes effect.
    previous_fen = models.BigIntegerField(_("previous price (fen)"), null=True, blank=True)

    class Meta:
        verbose_name = _("filed price")
        verbose_name_plural = _("filed prices")
        ordering = ["item__sort_order", "item_id"]
        constraints = [
            models.UniqueConstraint(fields=["filing", "item"], name="funeral_price_once_per_filing"),
            models.CheckConstraint(condition=Q(price_fen__gt=0), name="funeral_price_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} {self.price_fen}"

    @property
    def change_permille(self) -> int | None:
        """The change against the previous filed price, in per mille (−125 = a cut of 12.5 %); None when new."""
        if not self.previous_fen:
            return None
        return round((self.price_fen - self.previous_fen) * 1000 / self.previous_fen)


class Complaint(ScopedModel):
    """A public report of an unfiled price or a charge above the filed price, with its receipt and answer deadline."""

    class Kind(models.TextChoices):
        UNFILED = "unfiled", _("A price that is not filed")
        ABOVE = "above_filed", _("Charged above the filed price")
        OTHER = "other", _("Other price problem")

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for an answer")
        ANSWERED = "answered", _("Answered")

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="complaints")
    # No index of its own: the (area, time) index below leads with it and serves the door's prefix (issue 22).
    area_code = models.CharField(_("area code"), max_length=12)
    receipt_number = models.CharField(_("receipt number"), max_length=24, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    text = models.TextField(_("what happened"))
    charged_fen = models.BigIntegerField(_("amount charged (fen)"), null=True, blank=True)
    contact_name = models.CharField(_("contact name"), max_length=50)
    contact_phone = EncryptedCharField(_("contact phone"))
    contact_phone_masked = models.CharField(_("contact phone (masked)"), max_length=20)
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    answer_due = models.DateField(_("answer due by"))
    answer_parameter = models.BigIntegerField(_("answer deadline rule row"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    answer = models.TextField(_("answer"), blank=True, default="")
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    objects: ClassVar[ScopedManager[Complaint]] = ScopedManager()
    scope_field = "area_code"
    scope_organisation_field = "facility_id"

    class Meta:
        verbose_name = _("price report")
        verbose_name_plural = _("price reports")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", answered_at__isnull=True)
                | Q(status="answered", answered_at__isnull=False, answered_by__isnull=False),
                name="funeral_complaint_answered",
            ),
            models.CheckConstraint(
                condition=Q(charged_fen__isnull=True) | Q(charged_fen__gt=0), name="funeral_complaint_charged"
            ),
        ]
        indexes = [
            # The reports waiting for an answer in the caller's area: the due work (by the answer's deadline) and the
            # reports list (those waiting all, sorted after); the answered ones of the list's window through (area,
            # time) (docs/architecture.md, "Lists").
            area_index("status", "area_code", "answer_due", name="funeral_complaint_open_area"),
            area_index("area_code", "submitted_at", name="funeral_complaint_area_time"),
        ]

    def __str__(self) -> str:
        return self.receipt_number


class ReportAttempt(models.Model):
    """Each public report sent (kept or refused), to limit reports per client address (like ``LoginAttempt``)."""

    client_ip = models.GenericIPAddressField(null=True, blank=True)
    attempted_at = models.DateTimeField(default=timezone.now)
    accepted = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["client_ip", "attempted_at"], name="funeral_report_attempts")]

    def __str__(self) -> str:
        return f"{self.client_ip} {self.attempted_at:%Y-%m-%d %H:%M}"


class FuneralCase(ScopedModel):
    """A deceased person a funeral home (or crematorium) takes care of; the cremation is recorded on it, and it is
    the death feed for the data exchange: it carries the ID's blind index, the key a registry match uses."""

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="cases")
    # No index of its own: the (area, time) index below leads with it and serves the door's prefix (issue 22).
    area_code = models.CharField(_("area code"), max_length=12)
    number = models.CharField(_("case number"), max_length=24, unique=True)
    deceased_name = models.CharField(_("name of the deceased"), max_length=50)
    id_number = EncryptedCharField(_("ID number"))
    id_index = models.CharField(_("ID lookup key"), max_length=32, db_index=True)
    id_masked = models.CharField(_("ID number (masked)"), max_length=18)
    died_on = models.DateField(_("date of death"))
    registered_at = models.DateTimeField(_("registered at"), default=timezone.now)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    cremated_on = models.DateField(_("cremated on"), null=True, blank=True)
    cremation_certificate = models.CharField(_("cremation certificate number"), max_length=40, blank=True, default="")

    objects: ClassVar[ScopedManager[FuneralCase]] = ScopedManager()
    scope_field = "area_code"
    scope_organisation_field = "facility_id"

    class Meta:
        verbose_name = _("funeral case")
        verbose_name_plural = _("funeral cases")
        ordering = ["-registered_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["id_index"], name="funeral_one_case_per_deceased"),
            models.CheckConstraint(
                condition=Q(cremated_on__isnull=True) | Q(cremated_on__gte=F("died_on")),
                name="funeral_cremated_after_death",
            ),
        ]
        indexes = [
            models.Index(fields=["cremated_on"], name="funeral_cremations"),
            # The cases list, newest first, of the window (docs/architecture.md, "Lists").
            area_index("area_code", "registered_at", name="funeral_case_area_time"),
        ]

    def __str__(self) -> str:
        return self.number


class Settlement(ScopedModel, MakerCheckerSettlement):
    """A funeral home's waived fees of one month, paid back by the bureau: prepared by the payment officer, approved
    by another user (maker-checker), paid once (``core.settlements``)."""

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="settlements")
    area_code = models.CharField(_("area code"), max_length=12)
    period = models.DateField(_("month"))
    case_count = models.PositiveIntegerField(_("waivers"), default=0)

    objects: ClassVar[ScopedManager[Settlement]] = ScopedManager()
    scope_field = "area_code"
    scope_organisation_field = "facility_id"
    count_field = "case_count"

    class Meta:
        verbose_name = _("funeral settlement")
        verbose_name_plural = _("funeral settlements")
        ordering = ["-period", "facility"]
        # The settlements list (docs/architecture.md, "Lists"): the area's prefix range, the month.
        indexes = [area_index("area_code", "period", "id", name="funeral_settlement_area_month")]
        constraints = [
            models.UniqueConstraint(fields=["facility", "period"], name="funeral_one_settlement_per_month"),
            *MakerCheckerSettlement.Meta.constraints,
        ]

    def __str__(self) -> str:
        return f"{self.facility_id} {self.period:%Y-%m}"


class Waiver(ScopedModel):
    """惠民殡葬: the basic funeral fees waived for a deceased person the platform's own records show in an eligible
    group (a running 低保 or 特困 benefit, or another group the city sets) on the day of death. Each waiver is settled
    in one settlement only (its foreign key)."""

    case = models.OneToOneField(FuneralCase, on_delete=models.PROTECT, related_name="waiver")
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="waivers")
    area_code = models.CharField(_("area code"), max_length=12, db_index=True)
    group = models.CharField(_("eligible as"), max_length=20)
    benefit = models.ForeignKey("assistance.Benefit", on_delete=models.PROTECT, related_name="+")
    services = models.JSONField(_("services waived"), default=list)
    total_fen = models.BigIntegerField(_("waived (fen)"))
    services_parameter = models.BigIntegerField(_("waived services rule row"))
    groups_parameter = models.BigIntegerField(_("eligible groups rule row"))
    month = models.DateField(_("month registered"))
    registered_at = models.DateTimeField(_("registered at"), default=timezone.now)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    settlement = models.ForeignKey(Settlement, null=True, blank=True, on_delete=models.PROTECT, related_name="waivers")

    objects: ClassVar[ScopedManager[Waiver]] = ScopedManager()
    scope_field = "area_code"
    scope_organisation_field = "facility_id"

    class Meta:
        verbose_name = _("funeral fee waiver")
        verbose_name_plural = _("funeral fee waivers")
        ordering = ["-registered_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(total_fen__gt=0), name="funeral_waiver_positive")]
        indexes = [
            models.Index(
                fields=["facility", "month"], condition=Q(settlement__isnull=True), name="funeral_waiver_unsettled"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.total_fen}"
