"""Social organisations and social work (五社联动, DOMAIN §6.6): the registry of social organisations with their
annual reports, evaluation grade and charity status; community service centres and township social-work stations;
licensed social workers; charity projects that accept referrals and the donations they received.

Organisations are public facts (their registration is published): the door still scopes every read by area, and
the public search page reads registered organisations without an account. Social workers are persons: no ID number
is stored (their certificate number identifies them professionally), nor a phone number.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minsheng.core.keyset import area_index
from minsheng.core.scoping import ScopedManager, ScopedModel


class ServiceField(models.TextChoices):
    """What an organisation or a project serves (the fields a referral is matched on)."""

    ELDERLY = "elderly", _("Elderly care")
    CHILDREN = "children", _("Children and youth")
    DISABILITY = "disability", _("Disability support")
    ASSISTANCE = "assistance", _("Social assistance")
    COMMUNITY = "community", _("Community service")
    EDUCATION = "education", _("Education")
    HEALTH = "health", _("Health")
    CULTURE = "culture", _("Culture and sports")
    LEGAL = "legal", _("Legal aid")
    ENVIRONMENT = "environment", _("Environment")
    INDUSTRY = "industry", _("Trade and professional association")
    CHARITY = "charity", _("Charity")
    OTHER = "other", _("Other")


class Organisation(ScopedModel):
    """A social organisation: registered by a civil-affairs bureau (社会团体, 民办非企业单位 / 社会服务机构, 基金会) or
    filed with a township (社区社会组织, which may have no credit code).

    ``area_code`` is where it is domiciled (a village, township or county code); ``registrar_code`` is the division
    of the bureau or township that registered it: only an administrator covering that division changes the record.
    A row is in a reader's scope by either code."""

    class Kind(models.TextChoices):
        SOCIAL_GROUP = "social_group", _("Social group (社会团体)")
        PRIVATE_NON_ENTERPRISE = "private_non_enterprise", _("Social service agency (民办非企业单位)")
        FOUNDATION = "foundation", _("Foundation (基金会)")
        COMMUNITY = "community", _("Community social organisation (社区社会组织)")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Registered")
        DEREGISTERED = "deregistered", _("Deregistered")
        REVOKED = "revoked", _("Registration revoked")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("type"), max_length=24, choices=Kind.choices)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True, default="")
    service_field = models.CharField(_("service field"), max_length=12, choices=ServiceField.choices)
    area_code = models.CharField(_("area code"), max_length=12)
    registrar_code = models.CharField(_("registered by (division code)"), max_length=12)
    registered_on = models.DateField(_("registered on"))
    legal_representative = models.CharField(_("legal representative"), max_length=50, blank=True, default="")
    address = models.CharField(_("address"), max_length=200, blank=True, default="")
    phone = models.CharField(_("public phone"), max_length=30, blank=True, default="")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE)
    ended_on = models.DateField(_("deregistered on"), null=True, blank=True)
    # Evaluation (社会组织评估): a grade of 1 to 5 (1A–5A), valid for five years; 0 = not evaluated.
    grade = models.PositiveSmallIntegerField(_("evaluation grade"), default=0)
    graded_on = models.DateField(_("evaluated on"), null=True, blank=True)
    grade_until = models.DateField(_("grade valid until"), null=True, blank=True)
    # 慈善组织 recognition (认定) and the public-fundraising qualification (公开募捐资格).
    charity_since = models.DateField(_("recognised as a charity on"), null=True, blank=True)
    public_fundraising_since = models.DateField(_("public fundraising qualified on"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar[ScopedManager[Organisation]] = ScopedManager()
    scope_field = ("area_code", "registrar_code")

    class Meta:
        verbose_name = _("social organisation")
        verbose_name_plural = _("social organisations")
        ordering = ["area_code", "name", "id"]
        indexes = [
            # The door's two prefix ranges, domicile or registrar (docs/architecture.md, "Lists"): the domicile
            # with the list's order after it, or after the service field when one is chosen; the area's equality
            # too (the organisations that may take a task of an area).
            area_index("area_code", "name", "id", name="social_org_area_name"),
            area_index("registrar_code", name="social_org_registrar_prefix", area_field="registrar_code"),
            area_index("service_field", "area_code", name="social_org_field_area_prefix"),
            models.Index(fields=["name"], name="social_org_name"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"], condition=~Q(credit_code=""), name="social_org_unique_credit_code"
            ),
            models.UniqueConstraint(fields=["registrar_code", "name"], name="social_org_unique_name"),
            # Only a township-filed community organisation may lack a credit code.
            models.CheckConstraint(
                condition=Q(kind="community") | ~Q(credit_code=""), name="social_org_code_unless_community"
            ),
            models.CheckConstraint(condition=Q(grade__gte=0, grade__lte=5), name="social_org_grade_range"),
            models.CheckConstraint(
                condition=Q(grade=0) | Q(graded_on__isnull=False, grade_until__isnull=False),
                name="social_org_grade_dated",
            ),
            # Public fundraising needs the charity recognition first (慈善法 art. 22).
            models.CheckConstraint(
                condition=Q(public_fundraising_since__isnull=True) | Q(charity_since__isnull=False),
                name="social_org_fundraising_needs_charity",
            ),
            models.CheckConstraint(
                condition=Q(status="active", ended_on__isnull=True) | ~Q(status="active") & Q(ended_on__isnull=False),
                name="social_org_ended_dated",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def grade_label(self) -> str:
        return f"{self.grade}A" if self.grade else ""


class AnnualReport(ScopedModel):
    """An organisation's annual report for a year and the registrar's inspection result (年度报告 / 年检)."""

    class Result(models.TextChoices):
        PENDING = "pending", _("Submitted, not yet inspected")
        QUALIFIED = "qualified", _("Qualified (合格)")
        BASICALLY = "basically", _("Basically qualified (基本合格)")
        UNQUALIFIED = "unqualified", _("Unqualified (不合格)")

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="reports")
    area_code = models.CharField(_("area code"), max_length=12)
    registrar_code = models.CharField(_("registered by (division code)"), max_length=12)
    year = models.PositiveSmallIntegerField(_("year"))
    submitted_on = models.DateField(_("submitted on"))
    income_fen = models.BigIntegerField(_("income (fen)"), default=0)
    expenditure_fen = models.BigIntegerField(_("expenditure (fen)"), default=0)
    staff = models.PositiveIntegerField(_("full-time staff"), default=0)
    result = models.CharField(_("inspection result"), max_length=12, choices=Result.choices, default=Result.PENDING)
    note = models.CharField(_("inspection note"), max_length=500, blank=True, default="")
    inspected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    inspected_at = models.DateTimeField(_("inspected at"), null=True, blank=True)

    objects: ClassVar[ScopedManager[AnnualReport]] = ScopedManager()
    scope_field = ("area_code", "registrar_code")

    class Meta:
        verbose_name = _("annual report")
        verbose_name_plural = _("annual reports")
        ordering = ["-year", "organisation_id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year"], name="social_report_once_a_year"),
            models.CheckConstraint(
                condition=Q(income_fen__gte=0, expenditure_fen__gte=0), name="social_report_amounts_positive"
            ),
            models.CheckConstraint(
                condition=Q(result="pending", inspected_at__isnull=True)
                | ~Q(result="pending") & Q(inspected_at__isnull=False),
                name="social_report_inspected_dated",
            ),
        ]


class Station(ScopedModel):
    """A community (party-mass) service centre of a village or community (社区综合服务中心) or a township's social-work
    station (乡镇（街道）社工站). One of each per division: a centre's ``area_code`` is its community's 12-digit code, a
    station's its township's. ``standard``: a centre meeting the provincial standard (the published coverage)."""

    class Kind(models.TextChoices):
        CENTRE = "centre", _("Community service centre")
        STATION = "station", _("Township social-work station")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    area_code = models.CharField(_("area code"), max_length=12)
    standard = models.BooleanField(_("meets the standard"), default=False)
    floor_area = models.PositiveIntegerField(_("floor area (m²)"), default=0)
    opened_on = models.DateField(_("opened on"))
    operator = models.ForeignKey(
        Organisation,
        verbose_name=_("operated by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="stations",
    )
    address = models.CharField(_("address"), max_length=200, blank=True, default="")
    phone = models.CharField(_("public phone"), max_length=30, blank=True, default="")
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar[ScopedManager[Station]] = ScopedManager()
    scope_field = "area_code"

    class Meta:
        verbose_name = _("service centre or station")
        verbose_name_plural = _("service centres and stations")
        ordering = ["area_code", "kind"]
        # The centres and stations list: by area, kind and id (a few thousand a city; no window: a registry).
        indexes = [area_index("area_code", "kind", "id", name="social_station_list")]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "area_code"], condition=Q(closed_on__isnull=True), name="social_one_open_per_area"
            ),
            models.CheckConstraint(condition=Q(kind="centre") | Q(standard=False), name="social_standard_centres"),
        ]

    def __str__(self) -> str:
        return self.name


class SocialWorker(ScopedModel):
    """A social worker, licensed (社会工作者职业资格: 助理社会工作师, 社会工作师, 高级社会工作师) or working without a
    licence at a station, with the employer: an organisation or a centre or station (or none). No ID number."""

    class Level(models.TextChoices):
        NONE = "none", _("No licence")
        ASSISTANT = "assistant", _("Assistant social worker (助理社会工作师)")
        SOCIAL_WORKER = "social_worker", _("Social worker (社会工作师)")
        SENIOR = "senior", _("Senior social worker (高级社会工作师)")

    LICENSED = (Level.ASSISTANT, Level.SOCIAL_WORKER, Level.SENIOR)

    name = models.CharField(_("name"), max_length=50)
    level = models.CharField(_("licence level"), max_length=14, choices=Level.choices)
    certificate_number = models.CharField(_("certificate number"), max_length=30, blank=True, default="")
    certified_year = models.PositiveSmallIntegerField(_("certified in"), null=True, blank=True)
    area_code = models.CharField(_("area code"), max_length=12)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("employer (organisation)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="workers",
    )
    station = models.ForeignKey(
        Station,
        verbose_name=_("employer (centre or station)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="workers",
    )
    active = models.BooleanField(_("working"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar[ScopedManager[SocialWorker]] = ScopedManager()
    scope_field = "area_code"

    class Meta:
        verbose_name = _("social worker")
        verbose_name_plural = _("social workers")
        ordering = ["area_code", "name", "id"]
        # The social workers list: by area, name and id (no window: a register).
        indexes = [area_index("area_code", "name", "id", name="social_worker_area_name")]
        constraints = [
            models.UniqueConstraint(
                fields=["certificate_number"], condition=~Q(certificate_number=""), name="social_worker_unique_cert"
            ),
            models.CheckConstraint(
                condition=Q(level="none", certificate_number="") | ~Q(level="none") & ~Q(certificate_number=""),
                name="social_worker_cert_iff_licensed",
            ),
            models.CheckConstraint(
                condition=Q(organisation__isnull=True) | Q(station__isnull=True), name="social_worker_one_employer"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CharityProject(ScopedModel):
    """A charity project (慈善项目) of an organisation or of the area's charity federation, and whether it accepts
    referrals (先内部后外部: people whom government programmes could not help are referred to it)."""

    name = models.CharField(_("name"), max_length=100)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
    )
    area_code = models.CharField(_("area code"), max_length=12)
    service_field = models.CharField(_("service field"), max_length=12, choices=ServiceField.choices)
    description = models.CharField(_("what it offers"), max_length=500)
    accepts_referrals = models.BooleanField(_("accepts referrals"), default=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar[ScopedManager[CharityProject]] = ScopedManager()
    scope_field = "area_code"

    class Meta:
        verbose_name = _("charity project")
        verbose_name_plural = _("charity projects")
        ordering = ["area_code", "-starts_on", "id"]
        # The charity projects list: open-ended, running, to come or ended in the window, the latest start first.
        indexes = [area_index("area_code", "ends_on", name="social_project_area_end")]
        constraints = [
            models.UniqueConstraint(fields=["area_code", "name"], name="social_project_unique_name"),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="social_project_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Donation(ScopedModel):
    """What a donor gave to a project: money (fen) or goods (described, with their value in fen)."""

    class Kind(models.TextChoices):
        MONEY = "money", _("Money")
        GOODS = "goods", _("Goods")

    project = models.ForeignKey(CharityProject, on_delete=models.PROTECT, related_name="donations")
    area_code = models.CharField(_("area code"), max_length=12)
    donor = models.CharField(_("donor"), max_length=100)
    kind = models.CharField(_("kind"), max_length=6, choices=Kind.choices)
    amount_fen = models.BigIntegerField(_("amount or value (fen)"))
    goods = models.CharField(_("goods"), max_length=200, blank=True, default="")
    received_on = models.DateField(_("received on"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar[ScopedManager[Donation]] = ScopedManager()
    scope_field = "area_code"

    class Meta:
        verbose_name = _("donation")
        verbose_name_plural = _("donations")
        ordering = ["-received_on", "-id"]
        indexes = [models.Index(fields=["area_code", "received_on"], name="social_donation_area_day")]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="social_donation_positive"),
            models.CheckConstraint(condition=Q(kind="money") | ~Q(goods=""), name="social_donation_goods_named"),
        ]
