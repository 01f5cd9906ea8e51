"""Elderly care (养老服务, DOMAIN §6.4–6.5).

- ``Facility``, ``Inspection``, ``Residency``: the registry of care facilities (kinds, licence or filing, operator,
  beds, star rating), their inspections and findings, and who lives in an institution — a 特困 person in 集中供养
  is a residency linked to the programme's own running 特困 benefit (``assistance.Benefit``), never a copy of it.
- ``Circumstance``: what a village worker records of an old person that the registry does not hold (living alone,
  empty-nest, left-behind, 计划生育特殊家庭, lost self-care).
- ``Elder`` and ``CareItem``: the 特殊困难老年人 target list, derived set-based from the registry, the programmes and
  the circumstances under the rules in force (``eldercare.target_*``), and each person's care plan: service items
  with their visits a month (``eldercare.plan_items``), each item assigned to a provider's contract.
- ``UncoveredNeed``: per village, service and month, the old people whose plan item no contract covers — a need
  handed to 五社联动's volunteers and social organisations, and what came of it.
- ``Provider``, ``Contract``: the providers the bureau buys care from (政府购买服务), their contracts per area and
  service with a price per visit in fen.
- ``ServiceOrder``, ``OrderLine``: the month's orders, one per contract, one line per person and service with the
  visits owed (generated set-based); ``delivered`` and ``on_time`` are filled by the compliance run.
- ``ServiceVisit``: one visit of a provider's worker (check-in and check-out, place, SOP steps, satisfaction, notes
  to family, a finding), flagged when far, overlapping or without a location, verified before it is paid.
- ``Settlement``: a provider's month, from verified visits only, maker-checker, paid once.
- ``LivenessCheck``, ``DeathFinding``: 尊老金's annual liveness check (生存认证) and the monthly death check.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from minsheng.core.keyset import area_index
from minsheng.core.scoping import ScopedManager, ScopedModel
from minsheng.core.settlements import MakerCheckerSettlement


class Service(models.TextChoices):
    """The service menu (DOMAIN §6.5)."""

    MEAL = "meal", _("助餐 (meals)")
    CLEANING = "cleaning", _("助洁 (cleaning)")
    BATHING = "bathing", _("助浴 (bathing)")
    WALKING = "walking", _("助行 (walking)")
    MEDICAL = "medical", _("助医 (medical visits)")
    EMERGENCY = "emergency", _("助急 (emergency help)")
    VISIT = "visit", _("探访关爱 (caring visit)")
    REHAB = "rehab", _("康复训练 (rehabilitation)")
    HEALTH = "health", _("健康监测 (health monitoring)")
    MEDICATION = "medication", _("用药提醒 (medication reminders)")
    NURSING = "nursing", _("护理 (nursing)")
    ADAPTATION = "adaptation", _("适老化改造 (home adaptation)")


class Category(models.TextChoices):
    """Why an old person is on the target list (DOMAIN §6.5). ``very_old`` and ``severe_disability`` come from the
    registry (age, disability certificate), ``disabled`` from a 特困 care level or a recorded loss of self-care, the
    others from circumstances a village worker records."""

    DISABLED = "disabled", _("Disabled or semi-disabled (失能/半失能)")
    VERY_OLD = "very_old", _("Very old (高龄)")
    ALONE = "alone", _("Living alone (独居)")
    EMPTY_NEST = "empty_nest", _("Empty-nest (空巢)")
    LEFT_BEHIND = "left_behind", _("Left-behind (留守)")
    SEVERE_DISABILITY = "severe_disability", _("Severely disabled (重残)")
    FAMILY_PLANNING = "family_planning", _("计划生育特殊家庭")


# --- The facility registry ---------------------------------------------------------------------------------------


class Facility(ScopedModel):
    """A care facility (``area_code``: where it is)."""

    class Kind(models.TextChoices):
        INSTITUTION = "institution", _("Care institution (养老机构)")
        RURAL_CENTRE = "rural_centre", _("Rural regional care centre (区域性养老服务中心)")
        MEDICAL_CARE = "medical_care", _("Medical-care home (医养结合机构)")
        STATION = "station", _("Home and community care station (居家社区养老服务站)")
        DAY_CARE = "day_care", _("Day-care centre (日间照料中心)")

    class Permit(models.TextChoices):
        LICENCE = "licence", _("Licence (许可)")
        FILING = "filing", _("Filing (备案)")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    operator = models.CharField(_("operator"), max_length=100)
    public = models.BooleanField(_("publicly run"), default=False)
    area_code = models.CharField(_("area code"), max_length=12)
    address = models.CharField(_("address"), max_length=200, blank=True, default="")
    permit = models.CharField(_("licence or filing"), max_length=8, choices=Permit.choices)
    permit_number = models.CharField(_("licence or filing number"), max_length=40, unique=True)
    permit_on = models.DateField(_("licensed or filed on"))
    beds = models.PositiveIntegerField(_("beds"), default=0)
    star_rating = models.PositiveSmallIntegerField(_("star rating"), default=0)
    active = models.BooleanField(_("in operation"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar[ScopedManager[Facility]] = ScopedManager()
    scope_field = "area_code"

    class Meta:
        verbose_name = _("care facility")
        verbose_name_plural = _("care facilities")
        ordering = ["area_code", "kind", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(star_rating__lte=5), name="eldercare_facility_stars"),
            models.CheckConstraint(condition=Q(beds__lte=20000), name="eldercare_facility_beds"),
        ]
        # The facilities list (by area, kind and id): a reference table of a few hundred rows a city.
        indexes = [area_index("area_code", "kind", "id", name="eldercare_facility_list")]

    def __str__(self) -> str:
        return self.name


class Inspection(ScopedModel):
    """An inspection of a facility and what it found (read through the facility's area)."""

    class Result(models.TextChoices):
        PASSED = "passed", _("Passed")
        RECTIFY = "rectify", _("To rectify")
        FAILED = "failed", _("Failed")

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="inspections")
    area_code = models.CharField(_("area code"), max_length=12)
    on = models.DateField(_("inspected on"))
    result = models.CharField(_("result"), max_length=8, choices=Result.choices)
    findings = models.CharField(_("findings"), max_length=1000, blank=True, default="")
    rectify_by = models.DateField(_("rectify by"), null=True, blank=True)
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar[ScopedManager[Inspection]] = ScopedManager()
    scope_field = "area_code"

    class Meta:
        verbose_name = _("facility inspection")
        verbose_name_plural = _("facility inspections")
        ordering = ["-on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(result="rectify") | Q(rectify_by__isnull=False), name="eldercare_inspection_rectify_by"
            )
        ]

    def __str__(self) -> str:
        return f"{self.facility_id} {self.on}"


class Residency(ScopedModel):
    """A person living in an institution. For a 特困 person in 集中供养 ``tekun_benefit`` is the programme's running
    benefit: the payroll keeps paying it, the statistics count it as 集中供养 from here."""

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="residencies")
    person = models.ForeignKey("people.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField(_("area code"), max_length=12)
    tekun_benefit = models.ForeignKey(
        "assistance.Benefit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    admitted_on = models.DateField(_("admitted on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    left_reason = models.CharField(_("why left"), max_length=200, blank=True, default="")

    objects: ClassVar[ScopedManager[Residency]] = ScopedManager()
    scope_field = "area_code"

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        ordering = ["facility", "-admitted_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(left_on__isnull=True), name="eldercare_one_open_residency"
            )
        ]
        indexes = [models.Index(fields=["facility", "left_on"], name="eldercare_residency_facility")]

    def __str__(self) -> str:
        return f"{self.person_id}@{self.facility_id}"


# --- Who is owed care ----------------------------------------------------------------------------------------------


class Circumstance(ScopedModel):
    """What a village worker records of an old person (``area_code``: the person's village)."""

    person = models.ForeignKey("people.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField(_("area code"), max_length=12)
    kind = models.CharField(_("circumstance"), max_length=20, choices=Category.choices)
    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects: ClassVar[ScopedManager[Circumstance]] = ScopedManager()
    scope_field = "area_code"

    class Meta:
        verbose_name = _("circumstance")
        verbose_name_plural = _("circumstances")
        ordering = ["person", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "kind"], condition=Q(until__isnull=True), name="eldercare_circumstance_open_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.kind}"


class Elder(ScopedModel):
    """A person on the 特殊困难老年人 list (``area_code``: the village where they live). ``name``, ``id_masked`` and
    ``address`` are what a provider's worker may see for a visit, copied at each refresh; the person's file stays in
    the registry."""

    person = models.OneToOneField("people.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField(_("area code"), max_length=12)
    name = models.CharField(_("name"), max_length=50)
    id_masked = models.CharField(_("ID number (masked)"), max_length=18)
    address = models.CharField(_("address"), max_length=200, blank=True, default="")
    birth_date = models.DateField(_("date of birth"))
    # Where the person lives, taken from the first verified visit with a location: a later check-in far from it is
    # flagged (``eldercare.visit_checks``).
    home_latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    home_longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    categories = models.JSONField(_("categories"), default=list)
    programmes = models.JSONField(_("programmes"), default=list)
    active = models.BooleanField(_("on the list"), default=True)
    since = models.DateField(_("on the list since"))
    updated_on = models.DateField(_("updated on"))
    ended_on = models.DateField(_("left the list on"), null=True, blank=True)

    objects: ClassVar[ScopedManager[Elder]] = ScopedManager()
    scope_field = "area_code"

    class Meta:
        verbose_name = _("old person in need of care")
        verbose_name_plural = _("old people in need of care")
        ordering = ["area_code", "id"]
        # The care list (those on it now, by area and id). The area column has the "C" collation on PostgreSQL
        # (migration 0004), so that this plain B-tree gives both the door's prefix range and the list's order.
        indexes = [models.Index(fields=["area_code", "id"], condition=Q(active=True), name="eldercare_elder_list")]

    def __str__(self) -> str:
        return f"{self.person_id}"


class CareItem(ScopedModel):
    """A line of an old person's care plan: a service and its visits a month, and the contract that delivers it."""

    elder = models.ForeignKey(Elder, on_delete=models.CASCADE, related_name="plan")
    area_code = models.CharField(_("area code"), max_length=12)
    service = models.CharField(_("service"), max_length=12, choices=Service.choices)
    per_month = models.PositiveSmallIntegerField(_("visits a month"))
    contract = models.ForeignKey(
        "eldercare.Contract", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects: ClassVar[ScopedManager[CareItem]] = ScopedManager()
    scope_field = "area_code"

    class Meta:
        verbose_name = _("care plan item")
        verbose_name_plural = _("care plan items")
        ordering = ["elder", "service"]
        constraints = [
            models.UniqueConstraint(fields=["elder", "service"], name="eldercare_plan_item_once"),
            models.CheckConstraint(
                condition=Q(per_month__gte=1, per_month__lte=62), name="eldercare_plan_frequency_bounded"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.elder_id} {self.service} ×{self.per_month}"


class UncoveredNeed(ScopedModel):
    """A service of a month that the care plans of a village's old people name but no provider's contract covers
    (their plan items have no contract): one row per village, service and month, counted when the month's orders are
    generated (``services.orders_generate``). It goes to 五社联动 as a need (event ``eldercare.uncovered_needs``): a
    volunteer team or a social organisation of the area may take it, and what came of it (``volunteers.task_done``)
    is recorded here — the outcome and the hours served. Counts only: no person is named."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("uncovered need", "Open")
        DONE = "done", pgettext_lazy("uncovered need", "Met")

    area_code = models.CharField(_("village"), max_length=12)
    service = models.CharField(_("service"), max_length=12, choices=Service.choices)
    month = models.DateField(_("month"))
    elders = models.PositiveIntegerField(_("old people without a provider"))
    status = models.CharField(_("status"), max_length=6, choices=Status.choices, default=Status.OPEN)
    outcome = models.CharField(_("outcome"), max_length=1000, blank=True, default="")
    hours_tenths = models.PositiveIntegerField(_("hours served (tenths)"), default=0)
    done_at = models.DateTimeField(_("met at"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar[ScopedManager[UncoveredNeed]] = ScopedManager()
    scope_field = "area_code"

    class Meta:
        verbose_name = _("care need without a provider")
        verbose_name_plural = _("care needs without a provider")
        ordering = ["-month", "area_code", "service"]
        constraints = [
            models.UniqueConstraint(fields=["area_code", "service", "month"], name="eldercare_need_once"),
            models.CheckConstraint(
                condition=Q(status="open", done_at__isnull=True) | Q(status="done", done_at__isnull=False),
                name="eldercare_need_done_dated",
            ),
        ]
        indexes = [
            # The page: the user's areas (a prefix range), the latest months first.
            area_index("area_code", "month", name="eldercare_need_area_month"),
        ]

    def __str__(self) -> str:
        return f"{self.area_code} {self.service} {self.month:%Y-%m}"

    @property
    def key(self) -> str:
        """The need's name in 五社联动 (the task's source id): ``<village>:<service>:<YYYY-MM>``."""
        return need_key(self.area_code, self.service, self.month)

    @property
    def hours(self) -> str:
        return f"{self.hours_tenths / 10:g}"


def need_key(area_code: str, service: str, month: dt.date) -> str:
    return f"{area_code}:{service}:{month:%Y-%m}"


class RefreshRun(models.Model):
    """One refresh of the target list and the plans (city-wide system job: not scoped)."""

    on = models.DateField(_("date"))
    added = models.PositiveIntegerField(_("added"), default=0)
    ended = models.PositiveIntegerField(_("ended"), default=0)
    active = models.PositiveIntegerField(_("on the list"), default=0)
    plan_items = models.PositiveIntegerField(_("plan items"), default=0)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("target list refresh")
        verbose_name_plural = _("target list refreshes")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return str(self.on)


# --- Providers, contracts, orders --------------------------------------------------------------------------------


class Provider(ScopedModel):
    """A care provider (``area_code``: the county that registered it). Its staff accounts are bound to it."""

    name = models.CharField(_("name"), max_length=100)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    area_code = models.CharField(_("area code"), max_length=12)
    contact = models.CharField(_("contact"), max_length=60, blank=True, default="")
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar[ScopedManager[Provider]] = ScopedManager()
    scope_field = "area_code"
    scope_organisation_field = "id"

    class Meta:
        verbose_name = _("care provider")
        verbose_name_plural = _("care providers")
        ordering = ["area_code", "name"]
        indexes = [area_index("area_code", "name", "id", name="eldercare_provider_list")]

    def __str__(self) -> str:
        return self.name


class Contract(ScopedModel):
    """A provider's contract for some services in an area (``area_code``: a county or township code; the contract
    covers the old people living under it) with a price per visit of each service (``prices``: service → fen)."""

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="contracts")
    number = models.CharField(_("contract number"), max_length=40, unique=True)
    area_code = models.CharField(_("area code"), max_length=12)
    area_prefix = models.CharField(_("area"), max_length=12)
    services = models.JSONField(_("services"), default=list)
    prices = models.JSONField(_("price per visit (fen)"), default=dict)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar[ScopedManager[Contract]] = ScopedManager()
    scope_field = "area_code"
    scope_organisation_field = "provider_id"

    class Meta:
        verbose_name = _("care contract")
        verbose_name_plural = _("care contracts")
        ordering = ["area_code", "-valid_from"]
        constraints = [
            models.CheckConstraint(condition=Q(valid_to__gte=F("valid_from")), name="eldercare_contract_period")
        ]

    def __str__(self) -> str:
        return self.number


class ServiceOrder(ScopedModel):
    """A month's order of one contract: how many lines and visits it owes (``area_code``: the contract's area)."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="orders")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="orders")
    area_code = models.CharField(_("area code"), max_length=12)
    month = models.DateField(_("month"))
    lines = models.PositiveIntegerField(_("lines"), default=0)
    owed = models.PositiveIntegerField(_("visits owed"), default=0)
    created_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar[ScopedManager[ServiceOrder]] = ScopedManager()
    scope_field = "area_code"
    scope_organisation_field = "provider_id"

    class Meta:
        verbose_name = _("service order")
        verbose_name_plural = _("service orders")
        ordering = ["-month", "contract"]
        constraints = [models.UniqueConstraint(fields=["contract", "month"], name="eldercare_order_once")]

    def __str__(self) -> str:
        return f"{self.contract_id} {self.month:%Y-%m}"


class OrderLine(ScopedModel):
    """A person's service of a month: the visits owed, delivered and delivered on time (``area_code``: the
    person's village). The subject of a provider worker's visit."""

    order = models.ForeignKey(ServiceOrder, on_delete=models.PROTECT, related_name="+", db_constraint=False)
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="+", db_constraint=False)
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="+", db_constraint=False)
    elder = models.ForeignKey(Elder, on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False)
    area_code = models.CharField(_("area code"), max_length=12)
    month = models.DateField(_("month"))
    service = models.CharField(_("service"), max_length=12, choices=Service.choices)
    owed = models.PositiveSmallIntegerField(_("visits owed"))
    delivered = models.PositiveSmallIntegerField(_("visits delivered"), default=0)
    on_time = models.PositiveSmallIntegerField(_("delivered on time"), default=0)
    missed_seen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects: ClassVar[ScopedManager[OrderLine]] = ScopedManager()
    scope_field = "area_code"
    scope_organisation_field = "provider_id"

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["month", "area_code", "id"]
        constraints = [models.UniqueConstraint(fields=["elder", "month", "service"], name="eldercare_line_once")]
        indexes = [
            # A provider worker's list: its provider's lines of the month, by village.
            models.Index(fields=["provider", "month", "area_code"], name="eldercare_line_provider"),
            # The township's missed visits and the statistics: by month and area prefix.
            models.Index(fields=["month", "area_code"], name="eldercare_line_area"),
            # The worker's list (``my_visits``): its provider's lines of the month with visits still owed, by
            # village and id. The area column has the "C" collation on PostgreSQL (migration 0004): the door's prefix
            # is a range of this plain B-tree, which also gives the order.
            models.Index(
                fields=["provider", "month", "area_code", "id"],
                condition=Q(delivered__lt=F("owed")),
                name="eldercare_line_owed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.elder_id} {self.service} {self.month:%Y-%m}"


class ServiceVisit(ScopedModel):
    """A provider worker's visit for an order line (``area_code``: the person's village). Flags: ``far`` (check-in
    far from the expected place), ``overlap`` (the worker was on another visit then), ``no_location``. Verified
    (automatically when unflagged and complete, else by the township) before a settlement pays it."""

    class Status(models.TextChoices):
        RECORDED = "recorded", _("Recorded, to verify")
        VERIFIED = "verified", _("Verified")
        REJECTED = "rejected", _("Rejected")

    class Finding(models.TextChoices):
        NONE = "none", _("Nothing of concern")
        NEED = "need", _("A need to follow up")
        DANGER = "danger", _("Danger")

    client_uuid = models.UUIDField(unique=True)
    line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="visits")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="+")
    elder = models.ForeignKey(Elder, on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField(_("area code"), max_length=12)
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    checked_in_at = models.DateTimeField(_("checked in at"))
    checked_out_at = models.DateTimeField(_("checked out at"))
    minutes = models.PositiveSmallIntegerField(_("minutes"))
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    steps = models.JSONField(_("SOP steps done"), default=list)
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction"), null=True, blank=True)
    family_note = models.CharField(_("note to the family"), max_length=300, blank=True, default="")
    finding = models.CharField(_("finding"), max_length=6, choices=Finding.choices, default=Finding.NONE)
    finding_note = models.CharField(_("what was found"), max_length=300, blank=True, default="")
    flags = models.JSONField(_("flags"), default=list)
    flagged = models.BooleanField(default=False)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.RECORDED)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    price_fen = models.PositiveIntegerField(_("price (fen)"), default=0)
    settlement = models.ForeignKey(
        "eldercare.Settlement", null=True, blank=True, on_delete=models.PROTECT, related_name="visits"
    )
    visit = models.OneToOneField("monitoring.Visit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    alert = models.ForeignKey("monitoring.Alert", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar[ScopedManager[ServiceVisit]] = ScopedManager()
    scope_field = "area_code"
    scope_organisation_field = "provider_id"

    class Meta:
        verbose_name = _("care visit")
        verbose_name_plural = _("care visits")
        ordering = ["-checked_in_at"]
        constraints = [
            models.CheckConstraint(condition=Q(checked_out_at__gte=F("checked_in_at")), name="eldercare_visit_timed"),
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True) | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="eldercare_visit_satisfaction",
            ),
        ]
        indexes = [
            models.Index(fields=["worker", "checked_in_at"], name="eldercare_visit_worker"),
            # The visits to verify (open work), the earliest first.
            area_index("status", "area_code", "checked_in_at", "id", name="eldercare_visit_to_verify"),
            models.Index(fields=["provider", "status", "checked_in_at"], name="eldercare_visit_provider"),
        ]

    def __str__(self) -> str:
        return f"{self.line_id} {self.checked_in_at:%Y-%m-%d %H:%M}"


class Settlement(ScopedModel, MakerCheckerSettlement):
    """A provider's month paid from its verified visits: prepared by the payment officer, approved by another user
    (maker-checker), paid once (``core.settlements``)."""

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="settlements")
    area_code = models.CharField(_("area code"), max_length=12)
    month = models.DateField(_("month"))
    visit_count = models.PositiveIntegerField(_("visits"), default=0)

    objects: ClassVar[ScopedManager[Settlement]] = ScopedManager()
    scope_field = "area_code"
    scope_organisation_field = "provider_id"
    count_field = "visit_count"

    class Meta:
        verbose_name = _("care settlement")
        verbose_name_plural = _("care settlements")
        ordering = ["-month", "provider"]
        indexes = [area_index("area_code", "month", "id", name="eldercare_settle_area_month")]
        constraints = [
            models.UniqueConstraint(fields=["provider", "month"], name="eldercare_one_settlement_per_month"),
            *MakerCheckerSettlement.Meta.constraints,
        ]

    def __str__(self) -> str:
        return f"{self.provider_id} {self.month:%Y-%m}"


# --- 尊老金: liveness and death checks ---------------------------------------------------------------------------


class LivenessCheck(ScopedModel):
    """The year's liveness check (生存认证) of a 尊老金 benefit (``area_code``: the benefit's village)."""

    class Status(models.TextChoices):
        DUE = "due", _("Due")
        CONFIRMED = "confirmed", _("Confirmed alive")
        FAILED = "failed", _("Not confirmed")

    class Method(models.TextChoices):
        VISIT = "visit", _("Seen at home")
        WINDOW = "window", _("Came to the window")
        VIDEO = "video", _("Video call")

    benefit = models.ForeignKey("assistance.Benefit", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("people.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField(_("area code"), max_length=12)
    year = models.PositiveSmallIntegerField(_("year"))
    due_on = models.DateField(_("due on"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DUE)
    method = models.CharField(_("how"), max_length=8, choices=Method.choices, blank=True, default="")
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_on = models.DateField(_("confirmed on"), null=True, blank=True)

    objects: ClassVar[ScopedManager[LivenessCheck]] = ScopedManager()
    scope_field = "area_code"

    class Meta:
        verbose_name = _("liveness check")
        verbose_name_plural = _("liveness checks")
        ordering = ["due_on", "id"]
        constraints = [models.UniqueConstraint(fields=["benefit", "year"], name="eldercare_liveness_once")]
        indexes = [area_index("status", "area_code", "due_on", "id", name="eldercare_liveness_open")]

    def __str__(self) -> str:
        return f"{self.benefit_id} {self.year}"


class DeathFinding(ScopedModel):
    """A death the exchange reported for a person whose 尊老金 is still paid (``area_code``: the benefit's
    village): the township stops the benefit or dismisses the finding."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("finding", "Open")
        STOPPED = "stopped", _("Benefit stopped")
        DISMISSED = "dismissed", _("Dismissed")

    benefit = models.ForeignKey("assistance.Benefit", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("people.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField(_("area code"), max_length=12)
    died_on = models.DateField(_("died on"))
    record_id = models.BigIntegerField()
    month = models.DateField(_("checked in month"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handled_on = models.DateField(_("handled on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True, default="")

    objects: ClassVar[ScopedManager[DeathFinding]] = ScopedManager()
    scope_field = "area_code"

    class Meta:
        verbose_name = _("death finding")
        verbose_name_plural = _("death findings")
        ordering = ["-month", "id"]
        constraints = [models.UniqueConstraint(fields=["benefit", "person"], name="eldercare_death_once")]
        indexes = [area_index("status", "area_code", "month", "id", name="eldercare_death_open_area")]

    def __str__(self) -> str:
        return f"{self.benefit_id} {self.died_on}"
