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
from minsheng.core.keyset import area_index
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
    # A 核对 query of this source is answered at once from the feeds held (the department sends its data in bulk);
    # otherwise the county sends the department an outbound query file and waits for its answer (banks, insurers).
    answered_from_feeds = models.BooleanField(_("answered from the feeds held"), default=True)
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
    # The shared service: the department's own means tests (public housing, student aid, legal aid) may request a
    # 核对 of a household under its 授权书 and read the report.
    may_verify = models.BooleanField(_("may request verifications"), default=False)
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
    area_code = models.CharField(_("area code"), max_length=12)
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
        # The feeds list, newest first: its readers are the city's (a feed's area is its sender's, a city or a
        # county), so the time comes first and the area is checked in the index (docs/architecture.md, "Lists").
        indexes = [area_index("received_at", "id", "area_code", name="exchange_feed_time_area")]

    def __str__(self) -> str:
        return f"{self.source.name} {self.batch}"


class FeedRecord(ScopedModel):
    """One row of a feed. ``area_code``: the matched person's 户籍 village, else the feed's area (so unmatched rows
    are listed to those who received the feed). ``on`` and ``amount_fen``: the layout's date and main amount."""

    class Match(models.TextChoices):
        MATCHED = "matched", _("Matched")
        AMBIGUOUS = "ambiguous", _("Ambiguous")
        UNMATCHED = "unmatched", _("Unmatched")

    # A million records a feed: no database foreign keys (feeds are never deleted; the feed's own insert writes both)
    # and only the indexes the pages and checks read — the row's place (feed, row) and the person's records
    # (person, feed). Measured in docs/benchmarks.md, "Data exchange".
    feed = models.ForeignKey(
        Feed, on_delete=models.CASCADE, related_name="records", db_constraint=False, db_index=False
    )
    row = models.PositiveIntegerField(_("row"))
    id_number = EncryptedCharField(_("ID number"))
    id_index = models.CharField(max_length=32)
    id_masked = models.CharField(_("ID number (masked)"), max_length=18)
    name = models.CharField(_("name"), max_length=60)
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="feed_records",
        db_constraint=False,
        db_index=False,
    )
    match = models.CharField(_("match"), max_length=9, choices=Match.choices, default=Match.UNMATCHED)
    area_code = models.CharField(_("area code"), max_length=12)
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
        indexes = [
            models.Index(fields=["person", "feed"], name="exchange_record_person"),
            # A feed's records to check (unmatched, ambiguous) by row, from the cursor, the area checked in the
            # index: partial, so it holds those few rows only and costs the matched million nothing.
            models.Index(
                fields=["feed", "row", "area_code"],
                name="exchange_record_problem",
                opclasses=["", "", "varchar_pattern_ops"],
                condition=~models.Q(match="matched"),
            ),
        ]

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
        indexes = [
            models.Index(fields=["outcome", "area_code"], name="exchange_finding_open"),
            # The findings list: one check's findings of the user's areas, village by village.
            area_index("check_run", "area_code", "id", name="exchange_finding_check_area"),
        ]

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


class Verification(ScopedModel):
    """One 核对 of one household (DOMAIN §5 flow): the township's 核对申请, the county 核对中心's review and dispatch of
    queries, the answers, and the 核对报告 comparing what the family declared with what the departments hold.

    ``declared``: the household's declaration as the programmes had it when the request was made (kind → amount in
    fen or count, with its description), so the report can always be re-read with what it compared. A request by
    another department's system (the shared service) names its ``client``. An objection to a report leads to a 复查:
    a new verification with ``recheck_of`` set, answered afresh; the report it replaces is ``superseded``."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted, awaiting the verification centre")
        REFUSED = "refused", _("Returned by the verification centre")
        DISPATCHED = "dispatched", _("Queries sent, awaiting answers")
        REPORTED = "reported", _("Report issued")

    class Conclusion(models.TextChoices):
        CONSISTENT = "consistent", _("符合 (consistent with the declaration)")
        INCONSISTENT = "inconsistent", _("不符合 (does not meet the conditions)")
        DOUBTFUL = "doubtful", _("疑点 (differences to explain)")

    number = models.CharField(_("number"), max_length=24, unique=True)
    household = models.ForeignKey(
        "people.Household", verbose_name=_("household"), on_delete=models.PROTECT, related_name="+"
    )
    authorisation = models.ForeignKey(
        Authorisation, verbose_name=_("verification authorisation"), on_delete=models.PROTECT, related_name="+"
    )
    purpose = models.CharField(_("purpose"), max_length=40)
    area_code = models.CharField(_("area code"), max_length=12, db_index=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    declared = models.JSONField(_("declared"), default=dict)
    client = models.ForeignKey(
        DepartmentClient, null=True, blank=True, on_delete=models.PROTECT, related_name="verifications"
    )
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    refusal = models.CharField(_("reason returned"), max_length=500, blank=True, default="")
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    conclusion = models.CharField(_("conclusion"), max_length=12, choices=Conclusion.choices, blank=True, default="")
    findings = models.TextField(_("findings"), blank=True, default="")
    valid_until = models.DateField(_("report valid until"), null=True, blank=True)
    recheck_of = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="recheck", verbose_name=_("re-check of")
    )
    objection = models.CharField(_("objection"), max_length=500, blank=True, default="")
    superseded = models.BooleanField(_("superseded by a re-check"), default=False)

    objects: ClassVar[ScopedManager[Verification]] = ScopedManager()
    scope_field = "area_code"

    class Meta:
        verbose_name = _("verification")
        verbose_name_plural = _("verifications")
        ordering = ["-requested_at", "-id"]
        indexes = [
            # The requests without a report per county, and the verification list's open ones: one status, the area's
            # prefix range; the list's others by their time (docs/architecture.md, "Lists").
            area_index("status", "area_code", name="exchange_verification_open"),
            area_index("area_code", "requested_at", name="exchange_verif_area_time"),
            models.Index(fields=["household", "status"], name="exchange_verification_hh"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_recheck(self) -> bool:
        return self.recheck_of_id is not None


class VerificationQuery(models.Model):
    """One source asked about the household's members (read through its verification). ``reference``: the batch
    number the department answers under. Answered at once from the feeds held (``held``), or by the department's
    answer feed (file or API)."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Awaiting the answer")
        ANSWERED = "answered", _("Answered")

    class AnsweredFrom(models.TextChoices):
        HELD = "held", _("Feeds already held")
        FILE = "file", _("Answer file")
        API = "api", pgettext_lazy("channel", "API")

    verification = models.ForeignKey(Verification, on_delete=models.CASCADE, related_name="queries")
    source = models.ForeignKey(DataSource, verbose_name=_("data source"), on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(_("query reference"), max_length=40, unique=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.WAITING)
    answered_from = models.CharField(
        _("answered from"), max_length=4, choices=AnsweredFrom.choices, blank=True, default=""
    )
    feed = models.ForeignKey(Feed, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("verification query")
        verbose_name_plural = _("verification queries")
        ordering = ["verification", "source__sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["verification", "source"], name="exchange_query_once_per_source")
        ]

    def __str__(self) -> str:
        return self.reference


class VerificationItem(models.Model):
    """One line of the report's 家庭经济状况对比: declared against verified (fen, or a count for vehicles, property,
    company roles and public pay), the sources of the verified figure, and whether it differs beyond the tolerance."""

    class Unit(models.TextChoices):
        FEN = "fen", _("amount")
        COUNT = "count", _("count")

    verification = models.ForeignKey(Verification, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(_("item"), max_length=10, choices=Finding.Kind.choices)
    unit = models.CharField(max_length=5, choices=Unit.choices)
    declared = models.BigIntegerField(_("declared"))
    verified = models.BigIntegerField(_("verified"))
    sources = models.CharField(_("sources"), max_length=200, blank=True, default="")
    differs = models.BooleanField(_("differs"), default=False)
    detail = models.CharField(_("detail"), max_length=500, blank=True, default="")

    class Meta:
        verbose_name = _("verification item")
        verbose_name_plural = _("verification items")
        ordering = ["verification", "id"]
        constraints = [models.UniqueConstraint(fields=["verification", "kind"], name="exchange_item_once")]

    def __str__(self) -> str:
        return f"{self.verification_id} {self.kind}"
