from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minsheng.core.numbers import parse_int
from minsheng.core.scoping import ScopedManager, ScopedModel


class Parameter(models.Model):
    """One value of a named rule, for an area (a division prefix; empty = everywhere) from a date.

    A new value for the same rule and area closes the open one the day before it starts: the history stays, and
    every decision can name the exact row (``pk``) it used.
    """

    key = models.CharField(_("rule"), max_length=60, db_index=True)
    area_prefix = models.CharField(_("area"), max_length=12, blank=True, default="")
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    value = models.JSONField(_("value"), encoder=DjangoJSONEncoder)
    is_demo = models.BooleanField(_("demo value"), default=True)
    source = models.CharField(_("source"), max_length=200, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("rule value")
        verbose_name_plural = _("rule values")
        ordering = ["key", "area_prefix", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["key", "area_prefix", "valid_from"], name="parameter_one_start_per_area"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="parameter_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key}@{self.area_prefix or '*'} {self.valid_from}"


# What a result's or benefit's ``category`` code means, for people (the code stays stable in the data).
CATEGORY_LABELS = {
    "income": _("Low income (低收入型)"),
    "disability_single": _("Disabled member covered alone (残疾人单列户施保)"),
    "illness_single": _("Seriously ill member covered alone (重病型单列户施保)"),
    "able": _("Fully self-caring (全自理)"),
    "partly_unable": _("Partly dependent (半护理)"),
    "fully_unable": _("Fully dependent (全护理)"),
    "orphan": _("Orphan (孤儿)"),
    "de_facto": _("De facto unsupported child (事实无人抚养儿童)"),
}


def category_label(category: str) -> str:
    """``4-2`` → physical, grade 2; ``80`` → from 80 years; a known code → its label; else the code."""
    if category in CATEGORY_LABELS:
        return str(CATEGORY_LABELS[category])
    if "-" in category:
        from minsheng.people.models import DisabilityCertificate

        kind, grade = (parse_int(part, minimum=0) for part in category.split("-", 1))
        if kind in DisabilityCertificate.Category.values and grade in DisabilityCertificate.Grade.values:
            return f"{DisabilityCertificate.Category(kind).label} {DisabilityCertificate.Grade(grade).label}"
    if parse_int(category, minimum=0) is not None:
        return str(_("From %(age)s years") % {"age": category})
    return category


class Programme(models.TextChoices):
    """What the means-test engine decides and what a benefit pays (DOMAIN §1–4, §6)."""

    DIBAO = "dibao", _("低保 (minimum living guarantee)")
    EDGE = "edge", _("低保边缘 family")
    RIGID = "rigid", _("刚性支出 hardship family")
    TEKUN = "tekun", _("特困 support")
    DISABILITY_LIVING = "disability_living", _("困难残疾人生活补贴")
    DISABILITY_CARE = "disability_care", _("重度残疾人护理补贴")
    ORPHAN = "orphan", _("孤儿 / 事实无人抚养儿童 living allowance")
    CHILD_ILL_DISABLED = "child_ill", _("重病重残儿童 allowance")
    ELDERLY = "elderly", _("尊老金")
    TEMPORARY = "temporary", _("临时救助")


# The programmes a benefit pays every month (the payroll's); temporary assistance is paid once, case by case.
MONTHLY_PROGRAMMES: tuple[str, ...] = tuple(p for p in Programme.values if p != Programme.TEMPORARY)


# --- Household economic status (家庭经济状况): a versioned record; a new version never edits an old one ---------


class EconomicStatus(ScopedModel):
    """What a household earned, owns and had to spend over a 12-month window, as declared and checked.

    Each change makes a new version (``version`` counts up per household); assessments name the version they used,
    so a decision can always be re-read with exactly the facts it was made on.
    """

    household = models.ForeignKey(
        "people.Household", verbose_name=_("household"), on_delete=models.PROTECT, related_name="economic_statuses"
    )
    version = models.PositiveIntegerField(_("version"))
    area_code = models.CharField(_("area code"), max_length=12, db_index=True)
    window_start = models.DateField(_("12-month window from"))
    window_end = models.DateField(_("12-month window to"))
    note = models.TextField(_("note"), blank=True, default="")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects: ClassVar[ScopedManager[EconomicStatus]] = ScopedManager()
    scope_field = "area_code"

    class Meta:
        verbose_name = _("household economic status")
        verbose_name_plural = _("household economic statuses")
        ordering = ["household", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["household", "version"], name="economic_status_one_version"),
            models.CheckConstraint(
                condition=Q(window_end__gt=models.F("window_start")), name="economic_status_window_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} v{self.version}"


class IncomeLine(ScopedModel):
    """Income over the window (the whole 12 months, in fen) of one of the five types; exempt kinds are kept but
    not counted (DOMAIN §1.1)."""

    class Kind(models.TextChoices):
        WAGE = "wage", _("Wages (工资性收入)")
        BUSINESS = "business", _("Net business income (经营净收入)")
        PROPERTY = "property", _("Net property income (财产净收入)")
        TRANSFER = "transfer", _("Net transfer income (转移净收入)")
        OTHER = "other", _("Other income")

    class Exempt(models.TextChoices):
        NO = "", _("Counted")
        VETERAN = "veteran", _("优待抚恤金 (not counted)")
        FAMILY_PLANNING = "family_planning", _("计划生育奖励/扶助金 (not counted)")
        REWARD = "reward", _("奖学金, 见义勇为 or other reward (not counted)")
        ASSISTANCE = "assistance", _("Social-assistance cash or goods (not counted)")
        BASIC_PENSION = "basic_pension", _("Central basic pension for residents (not counted)")
        CITY = "city", _("Other item the city exempts (not counted)")

    status = models.ForeignKey(EconomicStatus, on_delete=models.CASCADE, related_name="income_lines")
    person = models.ForeignKey(
        "people.Person", verbose_name=_("member"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    exempt = models.CharField(_("counted?"), max_length=16, choices=Exempt.choices, blank=True, default="")
    amount_fen = models.BigIntegerField(_("amount over the 12 months (fen)"))
    work_cost_fen = models.BigIntegerField(_("deductible work costs (fen)"), default=0)
    description = models.CharField(_("description"), max_length=200, blank=True, default="")

    objects: ClassVar[ScopedManager[IncomeLine]] = ScopedManager()
    scope_field = "status__area_code"

    class Meta:
        verbose_name = _("income line")
        verbose_name_plural = _("income lines")
        constraints = [
            models.CheckConstraint(condition=Q(work_cost_fen__gte=0), name="income_work_cost_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount_fen}"


class MaintenanceLine(ScopedModel):
    """Maintenance owed by a relative who does not live in the household (非共同生活赡抚扶养人): counts as income."""

    status = models.ForeignKey(EconomicStatus, on_delete=models.CASCADE, related_name="maintenance_lines")
    relative = models.ForeignKey(
        "people.SupportingRelative", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    supported = models.ForeignKey(
        "people.Person", verbose_name=_("supported member"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("relative's name"), max_length=50)
    monthly_fen = models.PositiveIntegerField(_("maintenance owed per month (fen)"))

    objects: ClassVar[ScopedManager[MaintenanceLine]] = ScopedManager()
    scope_field = "status__area_code"

    class Meta:
        verbose_name = _("maintenance line")
        verbose_name_plural = _("maintenance lines")

    def __str__(self) -> str:
        return f"{self.name} {self.monthly_fen}"


class AssetLine(ScopedModel):
    """An asset or a role that counts in the asset test (DOMAIN §1.1); essential assets may be exempted."""

    class Kind(models.TextChoices):
        DEPOSIT = "deposit", _("Deposits")
        SECURITIES = "securities", _("Securities and funds")
        INSURANCE = "insurance", _("Commercial insurance (cash value)")
        OTHER_FINANCIAL = "financial", _("Other financial assets")
        VEHICLE = "vehicle", _("Motor vehicle")
        HOUSE = "house", _("House")
        BUSINESS_ROLE = "business_role", _("Legal representative, shareholder or executive of a company")
        PUBLIC_PAYROLL = "public_payroll", _("Paid from the public budget (财政供养)")

    FINANCIAL = frozenset({Kind.DEPOSIT, Kind.SECURITIES, Kind.INSURANCE, Kind.OTHER_FINANCIAL})

    status = models.ForeignKey(EconomicStatus, on_delete=models.CASCADE, related_name="asset_lines")
    person = models.ForeignKey(
        "people.Person", verbose_name=_("member"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    value_fen = models.BigIntegerField(_("value (fen)"), default=0)
    exempt_reason = models.CharField(
        _("exempt because"),
        max_length=200,
        blank=True,
        default="",
        help_text=_("Fill in only when the asset is essential for production or daily life and is not counted."),
    )
    description = models.CharField(_("description"), max_length=200, blank=True, default="")

    objects: ClassVar[ScopedManager[AssetLine]] = ScopedManager()
    scope_field = "status__area_code"

    class Meta:
        verbose_name = _("asset line")
        verbose_name_plural = _("asset lines")
        constraints = [models.CheckConstraint(condition=Q(value_fen__gte=0), name="asset_value_not_negative")]

    def __str__(self) -> str:
        return f"{self.kind} {self.value_fen}"


class ExpenseLine(ScopedModel):
    """Rigid spending over the window (刚性支出): medical out-of-pocket, education, rehabilitation, disaster."""

    class Kind(models.TextChoices):
        MEDICAL = "medical", _("Medical costs paid by the family")
        EDUCATION = "education", _("Education")
        REHABILITATION = "rehabilitation", _("Rehabilitation")
        DISASTER = "disaster", _("Disaster or accident")

    status = models.ForeignKey(EconomicStatus, on_delete=models.CASCADE, related_name="expense_lines")
    person = models.ForeignKey(
        "people.Person", verbose_name=_("member"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    amount_fen = models.BigIntegerField(_("amount over the 12 months (fen)"))
    description = models.CharField(_("description"), max_length=200, blank=True, default="")

    objects: ClassVar[ScopedManager[ExpenseLine]] = ScopedManager()
    scope_field = "status__area_code"

    class Meta:
        verbose_name = _("rigid expense")
        verbose_name_plural = _("rigid expenses")
        constraints = [models.CheckConstraint(condition=Q(amount_fen__gte=0), name="expense_not_negative")]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount_fen}"


class MemberCondition(ScopedModel):
    """What the 特困 and children's tests need to know of a member beyond the registry: the six self-care
    indicators (DOMAIN §2), whether relatives with a duty of support are absent or unable, and orphanhood."""

    class Orphanhood(models.TextChoices):
        NO = "", _("Not applicable")
        ORPHAN = "orphan", _("Orphan (孤儿)")
        DE_FACTO = "de_facto", _("De facto unsupported child (事实无人抚养儿童)")

    SELF_CARE_FIELDS = ("eats", "dresses", "gets_up", "uses_toilet", "walks_indoors", "bathes")

    status = models.ForeignKey(EconomicStatus, on_delete=models.CASCADE, related_name="member_conditions")
    person = models.ForeignKey("people.Person", verbose_name=_("member"), on_delete=models.PROTECT, related_name="+")
    self_care_assessed = models.BooleanField(_("self-care assessed"), default=False)
    eats = models.BooleanField(_("eats unaided"), default=True)
    dresses = models.BooleanField(_("dresses unaided"), default=True)
    gets_up = models.BooleanField(_("gets in and out of bed unaided"), default=True)
    uses_toilet = models.BooleanField(_("uses the toilet unaided"), default=True)
    walks_indoors = models.BooleanField(_("walks indoors unaided"), default=True)
    bathes = models.BooleanField(_("bathes unaided"), default=True)
    no_able_supporter = models.BooleanField(
        _("no relative with a duty of support, or none able to support"), default=False
    )
    orphanhood = models.CharField(_("orphanhood"), max_length=10, choices=Orphanhood.choices, blank=True, default="")

    objects: ClassVar[ScopedManager[MemberCondition]] = ScopedManager()
    scope_field = "status__area_code"

    class Meta:
        verbose_name = _("member condition")
        verbose_name_plural = _("member conditions")
        constraints = [models.UniqueConstraint(fields=["status", "person"], name="member_condition_once")]

    def __str__(self) -> str:
        return f"{self.status_id} {self.person_id}"

    @property
    def self_care_unmet(self) -> int:
        return sum(1 for name in self.SELF_CARE_FIELDS if not getattr(self, name))


class Authorisation(ScopedModel):
    """The verification authorisation (家庭经济状况核对授权书), signed by every adult member (DOMAIN §5)."""

    class Channel(models.TextChoices):
        PAPER = "paper", _("Signed on paper (scan uploaded)")
        ELECTRONIC = "electronic", _("Signed electronically after identity check")

    status = models.OneToOneField(EconomicStatus, on_delete=models.CASCADE, related_name="authorisation")
    serial = models.CharField(_("serial number"), max_length=30, unique=True)
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices, default=Channel.PAPER)
    signed_on = models.DateField(_("signed on"))

    objects: ClassVar[ScopedManager[Authorisation]] = ScopedManager()
    scope_field = "status__area_code"

    class Meta:
        verbose_name = _("verification authorisation")
        verbose_name_plural = _("verification authorisations")

    def __str__(self) -> str:
        return self.serial


class AuthorisationSigner(ScopedModel):
    """One member's signature on the authorisation; a guardian signs for a member without full capacity."""

    authorisation = models.ForeignKey(Authorisation, on_delete=models.CASCADE, related_name="signers")
    person = models.ForeignKey("people.Person", verbose_name=_("member"), on_delete=models.PROTECT, related_name="+")
    guardian_name = models.CharField(_("signed by guardian"), max_length=50, blank=True, default="")

    objects: ClassVar[ScopedManager[AuthorisationSigner]] = ScopedManager()
    scope_field = "authorisation__status__area_code"

    class Meta:
        verbose_name = _("signer")
        verbose_name_plural = _("signers")
        constraints = [models.UniqueConstraint(fields=["authorisation", "person"], name="authorisation_signed_once")]

    def __str__(self) -> str:
        return f"{self.authorisation_id} {self.person_id}"


# --- The means test: one run of the engine, with its inputs, rule versions and explanation ---------------------


class Assessment(ScopedModel):
    """One run of the means-test engine on one household: the facts it read (``inputs``), the rule values it used
    (``parameters``: key → row id and value) and a result per programme and person."""

    household = models.ForeignKey(
        "people.Household", verbose_name=_("household"), on_delete=models.PROTECT, related_name="assessments"
    )
    economic_status = models.ForeignKey(
        EconomicStatus, verbose_name=_("economic status"), on_delete=models.PROTECT, related_name="assessments"
    )
    area_code = models.CharField(_("area code"), max_length=12, db_index=True)
    on = models.DateField(_("assessed as of"))
    inputs = models.JSONField(_("inputs"), encoder=DjangoJSONEncoder)
    parameters = models.JSONField(_("rule values used"), encoder=DjangoJSONEncoder)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    objects: ClassVar[ScopedManager[Assessment]] = ScopedManager()
    scope_field = "area_code"

    class Meta:
        verbose_name = _("means-test assessment")
        verbose_name_plural = _("means-test assessments")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.household_id} {self.on}"


class AssessmentResult(ScopedModel):
    """The engine's answer for one programme (and one person, for programmes paid to a person)."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="results")
    programme = models.CharField(_("programme"), max_length=20, choices=Programme.choices)
    person = models.ForeignKey(
        "people.Person", verbose_name=_("member"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    eligible = models.BooleanField(_("eligible"))
    monthly_fen = models.BigIntegerField(_("monthly amount (fen)"), default=0)
    category = models.CharField(_("category"), max_length=30, blank=True, default="")
    covered = models.PositiveSmallIntegerField(_("persons covered"), default=0)
    review_class = models.CharField(_("review class"), max_length=8, blank=True, default="")
    explanation = models.JSONField(_("explanation"), default=list)
    refusal_reasons = models.JSONField(_("reasons for refusal"), default=list)

    objects: ClassVar[ScopedManager[AssessmentResult]] = ScopedManager()
    scope_field = "assessment__area_code"

    class Meta:
        verbose_name = _("assessment result")
        verbose_name_plural = _("assessment results")
        ordering = ["assessment", "programme", "person"]

    def __str__(self) -> str:
        return f"{self.programme} {self.person_id or ''} {self.monthly_fen}"


# --- The 低保 / 特困 workflow on the one-window item case (DOMAIN §1.2, §2) -----------------------------------


class ProgrammeCase(ScopedModel):
    """The procedure a 低保 or 特困 item case goes through after 受理, one stage at a time.

    Every transition is a service that locks this row, checks the stage it expects and records who did what;
    two users acting at once cannot both move it.
    """

    class Stage(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted (受理)")
        INVESTIGATION = "investigation", _("Home investigation (入户调查)")
        VERIFICATION = "verification", _("Economic verification (核对)")
        INITIAL_REVIEW = "initial_review", _("Initial review (初审)")
        PUBLICITY = "publicity", _("Public notice (公示)")
        DEMOCRATIC_REVIEW = "democratic", _("Democratic review (民主评议)")
        COUNTY_REVIEW = "county_review", _("Confirmation by the approving level (审核确认)")
        ENROLLED = "enrolled", _("Approved and enrolled")
        REFUSED = "refused", _("Refused")

    class VerificationResult(models.TextChoices):
        PENDING = "", _("Not yet returned")
        ELIGIBLE = "eligible", _("Consistent with the declaration (符合)")
        INELIGIBLE = "ineligible", _("Inconsistent: not eligible (不符合)")
        QUERIES = "queries", _("Points to clarify (疑点)")

    case = models.OneToOneField("intake.ItemCase", on_delete=models.PROTECT, related_name="programme_case")
    programme = models.CharField(_("programme"), max_length=20, choices=Programme.choices)
    household = models.ForeignKey(
        "people.Household", verbose_name=_("household"), on_delete=models.PROTECT, related_name="+"
    )
    applicant = models.ForeignKey(
        "people.Person", verbose_name=_("applicant"), on_delete=models.PROTECT, related_name="+"
    )
    area_code = models.CharField(_("area code"), max_length=12, db_index=True)
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices, default=Stage.ACCEPTED)
    # 近亲属 of case staff or village committee members: registered separately; the county must visit itself.
    staff_relative = models.BooleanField(_("relative of staff (近亲属备案)"), default=False)
    staff_relative_note = models.CharField(_("whose relative"), max_length=200, blank=True, default="")
    approval_devolved = models.BooleanField(_("approval devolved to the township"), default=False)
    # 入户调查: at least two staff.
    investigated_on = models.DateField(_("investigated on"), null=True, blank=True)
    investigator_1 = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    investigator_2 = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    investigation_findings = models.TextField(_("findings"), blank=True, default="")
    # 核对: request and result (the verification centre itself comes later).
    verification_requested_at = models.DateTimeField(_("verification requested at"), null=True, blank=True)
    verification_result = models.CharField(
        _("verification result"), max_length=10, choices=VerificationResult.choices, blank=True, default=""
    )
    verification_note = models.TextField(_("verification report"), blank=True, default="")
    verification_returned_at = models.DateTimeField(_("verification returned at"), null=True, blank=True)
    # 初审
    initial_opinion_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    initial_opinion_at = models.DateTimeField(_("initial review at"), null=True, blank=True)
    initial_opinion = models.TextField(_("initial review opinion"), blank=True, default="")
    assessment = models.ForeignKey(
        Assessment, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("assessment")
    )
    # 公示
    publicity_start = models.DateField(_("public notice from"), null=True, blank=True)
    publicity_end = models.DateField(_("public notice until"), null=True, blank=True)
    democratic_review_note = models.TextField(_("democratic review record"), blank=True, default="")
    # The county's own visit (required for staff relatives and complained-about cases).
    county_visit_on = models.DateField(_("county visit on"), null=True, blank=True)
    county_visit_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    county_visit_note = models.TextField(_("county visit findings"), blank=True, default="")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reasons"), blank=True, default="")
    refusal_notice_due = models.DateField(_("written reasons due by"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar[ScopedManager[ProgrammeCase]] = ScopedManager()
    scope_field = "area_code"

    class Meta:
        verbose_name = _("programme case")
        verbose_name_plural = _("programme cases")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.programme} {self.case_id} {self.stage}"


class Objection(ScopedModel):
    """An objection raised during the 公示; it sends the case to democratic review or re-investigation."""

    programme_case = models.ForeignKey(ProgrammeCase, on_delete=models.CASCADE, related_name="objections")
    received_on = models.DateField(_("received on"))
    text = models.TextField(_("objection"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    resolution = models.TextField(_("how it was resolved"), blank=True, default="")
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    objects: ClassVar[ScopedManager[Objection]] = ScopedManager()
    scope_field = "programme_case__area_code"

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["received_on", "id"]

    def __str__(self) -> str:
        return f"{self.programme_case_id} {self.received_on}"


# --- Enrolment (保障对象): what is paid every month, from when, and its history -------------------------------


class Benefit(ScopedModel):
    """An active (or ended) standing benefit: the payroll pays ``monthly_fen`` to ``payee`` every month from
    ``first_month`` while the benefit is active or tapering."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        TAPERING = "tapering", _("Tapering off (渐退)")
        STOPPED = "stopped", _("Stopped")

    programme = models.CharField(_("programme"), max_length=20, choices=Programme.choices)
    household = models.ForeignKey(
        "people.Household", verbose_name=_("household"), on_delete=models.PROTECT, related_name="benefits"
    )
    payee = models.ForeignKey(
        "people.Person", verbose_name=_("paid to"), on_delete=models.PROTECT, related_name="benefits"
    )
    area_code = models.CharField(_("area code"), max_length=12, db_index=True)
    category = models.CharField(_("category"), max_length=30, blank=True, default="")
    covered = models.PositiveSmallIntegerField(_("persons covered"), default=1)
    monthly_fen = models.BigIntegerField(_("monthly amount (fen)"))
    first_month = models.DateField(_("first month paid"))
    review_months = models.PositiveSmallIntegerField(_("review every (months)"))
    next_review_on = models.DateField(_("next review due"), db_index=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    taper_until = models.DateField(_("tapered payment until (month)"), null=True, blank=True)
    stopped_from = models.DateField(_("no payment from (month)"), null=True, blank=True)
    programme_case = models.ForeignKey(
        ProgrammeCase, null=True, blank=True, on_delete=models.PROTECT, related_name="benefits"
    )
    item_case = models.ForeignKey("intake.ItemCase", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    assessment_result = models.ForeignKey(
        AssessmentResult, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects: ClassVar[ScopedManager[Benefit]] = ScopedManager()
    scope_field = "area_code"

    class Meta:
        verbose_name = _("benefit")
        verbose_name_plural = _("benefits")
        ordering = ["area_code", "programme", "id"]
        constraints = [
            # One running benefit of a programme per payee: enrolling twice (a double click, a retry) fails.
            models.UniqueConstraint(
                fields=["programme", "payee"], condition=~Q(status="stopped"), name="benefit_one_running_per_payee"
            ),
            models.CheckConstraint(condition=Q(monthly_fen__gte=0), name="benefit_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(status="stopped", stopped_from__isnull=False) | ~Q(status="stopped"),
                name="benefit_stopped_has_month",
            ),
        ]
        indexes = [
            models.Index(fields=["programme", "status"], name="benefit_programme_status"),
            # The payroll ends due tapers before every generation: the few tapering benefits are found by this.
            models.Index(fields=["taper_until"], condition=Q(status="tapering"), name="benefit_tapering_until"),
        ]

    def __str__(self) -> str:
        return f"{self.programme} {self.payee_id} {self.monthly_fen}"

    @property
    def category_label(self) -> str:
        return category_label(self.category)


class BenefitChange(ScopedModel):
    """The history of a benefit: enrolment, every recomputation, reduction, taper, review and stop, with reasons."""

    class Kind(models.TextChoices):
        ENROL = "enrol", _("Enrolled")
        RECOMPUTE = "recompute", _("Recomputed after a household change")
        REDUCE = "reduce", _("Reduced")
        TAPER = "taper", _("Tapering started")
        REVIEW = "review", _("Reviewed")
        STOP = "stop", _("Stopped")

    benefit = models.ForeignKey(Benefit, on_delete=models.PROTECT, related_name="changes")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    effective_month = models.DateField(_("from month"))
    old_fen = models.BigIntegerField(_("old amount (fen)"), null=True, blank=True)
    new_fen = models.BigIntegerField(_("new amount (fen)"), null=True, blank=True)
    reason = models.TextField(_("reasons"))
    assessment = models.ForeignKey(Assessment, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar[ScopedManager[BenefitChange]] = ScopedManager()
    scope_field = "benefit__area_code"

    class Meta:
        verbose_name = _("benefit change")
        verbose_name_plural = _("benefit changes")
        ordering = ["benefit", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.benefit_id} {self.kind}"


# --- Temporary assistance (临时救助): pay first, papers after; then assess and refer -------------------------


class TemporaryAid(ScopedModel):
    """One temporary-assistance case. 急难型: the township may pay first up to its cap and record it at once;
    the papers follow within the deadline; above the cap the county decides. 支出型 needs the economic check."""

    class Kind(models.TextChoices):
        URGENT = "urgent", _("Emergency (急难型)")
        EXPENSE = "expense", _("Expense-driven (支出型)")

    class Status(models.TextChoices):
        PAID_FIRST = "paid_first", _("Paid first; papers pending")
        WITH_COUNTY = "with_county", _("Above the township cap: with the county")
        VERIFYING = "verifying", _("Economic verification")
        COMPLETED = "completed", _("Completed")
        REFUSED = "refused", _("Refused")

    item_case = models.OneToOneField("intake.ItemCase", on_delete=models.PROTECT, related_name="temporary_aid")
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    person = models.ForeignKey("people.Person", verbose_name=_("applicant"), on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey("people.Household", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField(_("area code"), max_length=12, db_index=True)
    event = models.TextField(_("what happened"))
    requested_fen = models.BigIntegerField(_("amount proposed (fen)"))
    township_cap_fen = models.BigIntegerField(_("township cap at the time (fen)"))
    cap_parameter = models.ForeignKey(Parameter, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    paid_fen = models.BigIntegerField(_("paid (fen)"), default=0)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    papers_due = models.DateField(_("papers due by"), null=True, blank=True)
    papers_completed_at = models.DateTimeField(_("papers completed at"), null=True, blank=True)
    economic_status = models.ForeignKey(
        EconomicStatus, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_fen = models.BigIntegerField(_("amount decided (fen)"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reasons"), blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar[ScopedManager[TemporaryAid]] = ScopedManager()
    scope_field = "area_code"

    class Meta:
        verbose_name = _("temporary assistance")
        verbose_name_plural = _("temporary assistance")
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(paid_fen__gte=0), name="temporary_paid_not_negative")]

    def __str__(self) -> str:
        return f"{self.kind} {self.item_case_id}"


class Referral(ScopedModel):
    """先内部后外部: a case passed on to a charity, the Red Cross or a social organisation after government help."""

    class Kind(models.TextChoices):
        CHARITY = "charity", _("Charity (慈善)")
        RED_CROSS = "red_cross", _("Red Cross (红十字)")
        SOCIAL_ORGANISATION = "social_org", _("Social organisation")
        DEPARTMENT = "department", _("Another government programme")

    temporary_aid = models.ForeignKey(TemporaryAid, on_delete=models.PROTECT, related_name="referrals")
    kind = models.CharField(_("to"), max_length=12, choices=Kind.choices)
    organisation = models.CharField(_("organisation"), max_length=100)
    note = models.TextField(_("what is asked"), blank=True, default="")
    referred_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    referred_at = models.DateTimeField(default=timezone.now)
    outcome = models.TextField(_("outcome"), blank=True, default="")

    objects: ClassVar[ScopedManager[Referral]] = ScopedManager()
    scope_field = "temporary_aid__area_code"

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["referred_at", "id"]

    def __str__(self) -> str:
        return self.organisation


class AssessmentPrompt(ScopedModel):
    """先临时后常态: after a temporary payment, a task to assess the household for 低保, 特困 or 边缘 status."""

    household = models.ForeignKey("people.Household", on_delete=models.PROTECT, related_name="+")
    temporary_aid = models.ForeignKey(TemporaryAid, on_delete=models.PROTECT, related_name="prompts")
    area_code = models.CharField(_("area code"), max_length=12, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assessment = models.ForeignKey(Assessment, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    outcome = models.TextField(_("outcome"), blank=True, default="")

    objects: ClassVar[ScopedManager[AssessmentPrompt]] = ScopedManager()
    scope_field = "area_code"

    class Meta:
        verbose_name = _("assessment prompt")
        verbose_name_plural = _("assessment prompts")
        ordering = ["closed_at", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["temporary_aid"], name="one_prompt_per_temporary_aid"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.created_at:%Y-%m-%d}"


class Simulation(ScopedModel):
    """A policy simulation: every household with an economic status in an area, under today's rules and under a
    changed 低保 standard from a month. Run by Celery; ``progress`` counts the counties done."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    area_code = models.CharField(_("area"), max_length=12, db_index=True)
    from_month = models.DateField(_("from month"))
    standard_fen = models.BigIntegerField(_("new 低保 standard (fen)"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    parts_done = models.PositiveSmallIntegerField(default=0)
    parts_total = models.PositiveSmallIntegerField(default=0)
    result = models.JSONField(_("result"), null=True, blank=True)
    error = models.TextField(blank=True, default="")
    seconds = models.FloatField(_("seconds"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar[ScopedManager[Simulation]] = ScopedManager()
    scope_field = "area_code"

    class Meta:
        verbose_name = _("policy simulation")
        verbose_name_plural = _("policy simulations")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.area_code} {self.from_month} {self.standard_fen}"
