"""Department data exchange (DOMAIN §5): the departments' data sources, their clients' credentials, and the feeds they
send, matched record by record to the registry.

A ``DataSource`` is one kind of department data (公安 deaths, 人社 contribution bases …) with its record layout
(``layouts.py``). A ``DepartmentClient`` is a department's own system: it may submit only its sources' feeds, and signs
in with a ``ClientKey`` (DRF token authentication; the key is kept only as its SHA-256 digest). A ``Feed`` is one batch
(file or API), unique per source by the department's batch number and by its content's digest, so re-sending changes
nothing. Its ``FeedRecord`` rows carry the ID encrypted, its blind index and masked copy, the typed values, and the
match to the registry (matched, ambiguous: the ID matches but the name does not, unmatched).
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from minsheng.core.fields import EncryptedCharField
from minsheng.core.scoping import ScopedManager, ScopedModel


class DataSource(models.Model):
    """One kind of department data and the layout version it is sent in (reference data: not scoped)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    issuer = models.CharField(_("issued by"), max_length=60)
    department = models.ForeignKey(
        "catalog.Department", verbose_name=_("department"), null=True, blank=True, on_delete=models.PROTECT
    )
    layout_version = models.PositiveSmallIntegerField(_("layout version"), default=1)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("data source")
        verbose_name_plural = _("data sources")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return f"{self.issuer}·{self.name}"


class DepartmentClient(ScopedModel):
    """A department's system that sends feeds over the API; ``user`` is its service account (the actor of its audit
    events, never able to sign in with a password); ``area_code`` the area it serves (a city or province)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    sources = models.ManyToManyField(DataSource, verbose_name=_("data sources"), related_name="clients")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="exchange_client")
    area_code = models.CharField(_("area code"), max_length=12, db_index=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar[ScopedManager[DepartmentClient]] = ScopedManager()
    scope_field = "area_code"

    class Meta:
        verbose_name = _("department client")
        verbose_name_plural = _("department clients")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ClientKey(models.Model):
    """One API key of a client. Only the SHA-256 digest is stored; ``prefix`` (the first characters) lets people
    tell keys apart. A rotation issues a new key and revokes the old one; a revoked key authenticates nothing."""

    client = models.ForeignKey(DepartmentClient, on_delete=models.PROTECT, related_name="keys")
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(_("key starts with"), max_length=8)
    created_at = models.DateTimeField(_("issued at"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("client key")
        verbose_name_plural = _("client keys")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}…"


class Feed(ScopedModel):
    """One batch of a source, received whole or not at all. ``area_code``: the area of who sent it."""

    class Channel(models.TextChoices):
        FILE = "file", _("File upload")
        API = "api", pgettext_lazy("channel", "API")

    source = models.ForeignKey(DataSource, verbose_name=_("data source"), on_delete=models.PROTECT, related_name="+")
    layout_version = models.PositiveSmallIntegerField(_("layout version"))
    batch = models.CharField(_("batch number"), max_length=40)
    digest = models.CharField(max_length=64)
    channel = models.CharField(_("channel"), max_length=4, choices=Channel.choices)
    client = models.ForeignKey(DepartmentClient, null=True, blank=True, on_delete=models.PROTECT, related_name="feeds")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField(_("area code"), max_length=12, db_index=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    matched = models.PositiveIntegerField(_("matched"), default=0)
    ambiguous = models.PositiveIntegerField(_("ambiguous"), default=0)
    unmatched = models.PositiveIntegerField(_("unmatched"), default=0)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)

    objects: ClassVar[ScopedManager[Feed]] = ScopedManager()
    scope_field = "area_code"

    class Meta:
        verbose_name = _("feed")
        verbose_name_plural = _("feeds")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "batch"], name="exchange_feed_unique_batch"),
            models.UniqueConstraint(fields=["source", "digest"], name="exchange_feed_unique_digest"),
        ]

    def __str__(self) -> str:
        return f"{self.source.name} {self.batch}"


class FeedRecord(ScopedModel):
    """One row of a feed. ``area_code``: the matched person's 户籍 village, else the feed's area (so unmatched rows
    are listed to those who received the feed). ``on`` and ``amount_fen``: the layout's date and main amount."""

    class Match(models.TextChoices):
        MATCHED = "matched", _("Matched")
        AMBIGUOUS = "ambiguous", _("Ambiguous")
        UNMATCHED = "unmatched", _("Unmatched")

    feed = models.ForeignKey(Feed, on_delete=models.CASCADE, related_name="records")
    row = models.PositiveIntegerField(_("row"))
    id_number = EncryptedCharField(_("ID number"))
    id_index = models.CharField(max_length=32, db_index=True)
    id_masked = models.CharField(_("ID number (masked)"), max_length=18)
    name = models.CharField(_("name"), max_length=60)
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="feed_records"
    )
    match = models.CharField(_("match"), max_length=9, choices=Match.choices, default=Match.UNMATCHED)
    area_code = models.CharField(_("area code"), max_length=12, db_index=True)
    on = models.DateField(_("date"), null=True, blank=True)
    amount_fen = models.BigIntegerField(_("amount (fen)"), null=True, blank=True)
    values = models.JSONField(_("values"))

    objects: ClassVar[ScopedManager[FeedRecord]] = ScopedManager()
    scope_field = "area_code"

    class Meta:
        verbose_name = _("feed record")
        verbose_name_plural = _("feed records")
        ordering = ["feed", "row"]
        constraints = [models.UniqueConstraint(fields=["feed", "row"], name="exchange_record_unique_row")]
        indexes = [models.Index(fields=["person", "feed"], name="exchange_record_person")]

    def __str__(self) -> str:
        return f"{self.feed_id}:{self.row}"


class Authorisation(ScopedModel):
    """The household's 授权书 (家庭经济状况核对授权书, DOMAIN §5), a versioned record: every adult member signs (a
    guardian for one without full capacity), for the sources in ``sources``. It lasts while the household receives
    assistance, including its monitoring period, unless ``valid_until`` ends it sooner; a new version (the family
    changed, or re-applies) ends the one before. Every query about a person names the one that allows it."""

    class Channel(models.TextChoices):
        PAPER = "paper", _("Signed on paper (scan uploaded)")
        ELECTRONIC = "electronic", _("Signed electronically after identity check")

    household = models.ForeignKey(
        "people.Household", verbose_name=_("household"), on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveSmallIntegerField(_("version"))
    serial = models.CharField(_("serial number"), max_length=30, unique=True)
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    sources = models.ManyToManyField(DataSource, verbose_name=_("data sources covered"), related_name="+")
    signed_on = models.DateField(_("signed on"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.CharField(_("reason it ended"), max_length=200, blank=True, default="")
    scan_file = models.CharField(max_length=200, blank=True, default="")
    scan_sha256 = models.CharField(max_length=64, blank=True, default="")
    area_code = models.CharField(_("area code"), max_length=12, db_index=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar[ScopedManager[Authorisation]] = ScopedManager()
    scope_field = "area_code"

    class Meta:
        verbose_name = _("verification authorisation")
        verbose_name_plural = _("verification authorisations")
        ordering = ["-signed_on", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["household", "version"], name="exchange_authorisation_version"),
            models.CheckConstraint(
                condition=models.Q(channel="electronic") | ~models.Q(scan_file=""), name="exchange_paper_has_scan"
            ),
        ]

    def __str__(self) -> str:
        return self.serial


class AuthorisationSigner(models.Model):
    """One member's signature on an authorisation (read through its authorisation); a guardian signs for a member
    without full capacity, with the guardian's ID encrypted and masked."""

    authorisation = models.ForeignKey(Authorisation, on_delete=models.CASCADE, related_name="signers")
    person = models.ForeignKey("people.Person", verbose_name=_("member"), on_delete=models.PROTECT, related_name="+")
    guardian_name = models.CharField(_("signed by guardian"), max_length=50, blank=True, default="")
    guardian_id_number = EncryptedCharField(_("guardian's ID number"), blank=True, default="")
    guardian_id_masked = models.CharField(_("guardian's ID number (masked)"), max_length=18, blank=True, default="")

    class Meta:
        verbose_name = _("signer")
        verbose_name_plural = _("signers")
        constraints = [
            models.UniqueConstraint(fields=["authorisation", "person"], name="exchange_authorisation_signed_once")
        ]

    def __str__(self) -> str:
        return f"{self.authorisation_id} {self.person_id}"


class MonthlyCheck(models.Model):
    """One monthly bulk verification (月度核对): the matched records of the feeds received since the last check
    (before ``cutoff``) become findings on the households of the persons they concern. City-wide (not scoped)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", pgettext_lazy("check", "Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    month = models.DateField(_("month"), unique=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    cutoff = models.DateTimeField(_("feeds received before"), null=True, blank=True)
    households = models.PositiveIntegerField(_("households with findings"), default=0)
    findings = models.PositiveIntegerField(_("findings"), default=0)
    reviews = models.PositiveIntegerField(_("reviews brought forward"), default=0)
    error = models.CharField(max_length=500, blank=True, default="")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("monthly verification")
        verbose_name_plural = _("monthly verifications")
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"


class Finding(ScopedModel):
    """What a feed record says about a household member, as the monthly check found it. The programmes decide what
    it means for a running benefit (``outcome``): its review brought forward, or below the thresholds; a household
    without a running benefit is ``not_enrolled``. A finding whose review was brought forward is due work until a
    worker closes it with a note."""

    class Kind(models.TextChoices):
        INCOME = "income", _("Income")
        ASSET = "asset", _("Financial assets")
        VEHICLE = "vehicle", _("Vehicle")
        PROPERTY = "property", _("Property")
        COMPANY = "company", _("Company role")
        PUBLIC_PAY = "public_pay", _("Paid from public funds")
        MEDICAL = "medical", _("Large medical bill")

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Not decided yet")
        REVIEW = "review", _("Review brought forward")
        BELOW = "below", _("Below the thresholds")
        NOT_ENROLLED = "not_enrolled", _("No running benefit")
        CLOSED = "closed", _("Reviewed and closed")

    check_run = models.ForeignKey(MonthlyCheck, on_delete=models.PROTECT, related_name="+")
    record = models.ForeignKey(FeedRecord, on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey("people.Household", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    source = models.CharField(_("data source"), max_length=40)
    amount_fen = models.BigIntegerField(_("amount (fen)"), null=True, blank=True)
    on = models.DateField(_("date"), null=True, blank=True)
    area_code = models.CharField(_("area code"), max_length=12, db_index=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, default=Outcome.PENDING)
    note = models.CharField(_("note"), max_length=500, blank=True, default="")
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar[ScopedManager[Finding]] = ScopedManager()
    scope_field = "area_code"

    class Meta:
        verbose_name = _("verification finding")
        verbose_name_plural = _("verification findings")
        ordering = ["area_code", "household", "kind"]
        constraints = [models.UniqueConstraint(fields=["check_run", "record"], name="exchange_finding_once")]
        indexes = [models.Index(fields=["outcome", "area_code"], name="exchange_finding_open")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.household_id}"


class FeedRejection(ScopedModel):
    """A file refused by the checks: who sent what, and the error report (the bad rows as sent, each with its line
    number and reasons, as the registry import's). No record of the feed itself is kept."""

    source = models.ForeignKey(DataSource, verbose_name=_("data source"), on_delete=models.PROTECT, related_name="+")
    batch = models.CharField(_("batch number"), max_length=40)
    bad_rows = models.PositiveIntegerField(_("bad rows"))
    report = models.CharField(max_length=200)
    area_code = models.CharField(_("area code"), max_length=12, db_index=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar[ScopedManager[FeedRejection]] = ScopedManager()
    scope_field = "area_code"

    class Meta:
        verbose_name = _("refused feed")
        verbose_name_plural = _("refused feeds")
        ordering = ["-submitted_at"]

    def __str__(self) -> str:
        return f"{self.source_id} {self.batch}"
