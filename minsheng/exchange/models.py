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
