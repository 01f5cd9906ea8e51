"""Models of the household economic status (a versioned record and its lines, the authorisation) and of the
means test (assessments and their results, policy simulations)."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from minsheng.assistance.programmes import Programme
from minsheng.core.jobs import Job
from minsheng.core.scoping import ScopedManager, ScopedModel

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
        HOUSING_FUND = "housing_fund", _("Housing provident fund balance (公积金)")
        TREES = "trees", _("Trees (林木)")

    FINANCIAL = frozenset({Kind.DEPOSIT, Kind.SECURITIES, Kind.INSURANCE, Kind.OTHER_FINANCIAL, Kind.HOUSING_FUND})

    status = models.ForeignKey(EconomicStatus, on_delete=models.CASCADE, related_name="asset_lines")
    person = models.ForeignKey(
        "people.Person", verbose_name=_("member"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    value_fen = models.BigIntegerField(_("value (fen)"), default=0)
    floor_area_m2 = models.DecimalField(
        _("floor area (m²)"), max_digits=8, decimal_places=2, null=True, blank=True, help_text=_("For a house.")
    )
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
        constraints = [
            models.CheckConstraint(condition=Q(value_fen__gte=0), name="asset_value_not_negative"),
            models.CheckConstraint(
                condition=Q(floor_area_m2__isnull=True) | Q(floor_area_m2__gte=0), name="asset_floor_area_not_negative"
            ),
        ]

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
    studying = models.BooleanField(_("in full-time education"), default=False)
    returned_overseas = models.BooleanField(_("returned overseas Chinese (归侨)"), default=False)
    veteran = models.BooleanField(_("veteran (退役军人)"), default=False)
    single_category = models.CharField(
        _("county category for applying alone"),
        max_length=30,
        blank=True,
        default="",
        help_text=_("A code of the county's list of members who may be covered alone (rule dibao.single_categories)."),
    )
    refused_job_offers = models.PositiveSmallIntegerField(
        _("suitable job offers refused without good reason"), default=0
    )
    refused_job_reasons = models.TextField(_("written reasons for the refusals"), blank=True, default="")

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


# The lines of an economic status, by the name the pages and the audit actions use (``status_<name>_add``).
LINE_MODELS: dict[str, type[Any]] = {
    "income": IncomeLine,
    "maintenance": MaintenanceLine,
    "asset": AssetLine,
    "expense": ExpenseLine,
    "condition": MemberCondition,
}


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


class Simulation(Job, ScopedModel):
    """A policy simulation: every household with an economic status in an area, under today's rules and under a
    changed 低保 standard from a month. Run by Celery; the progress counts the slices of 5,000 households done."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", pgettext_lazy("simulation", "Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    area_code = models.CharField(_("area"), max_length=12, db_index=True)
    from_month = models.DateField(_("from month"))
    standard_fen = models.BigIntegerField(_("new 低保 standard (fen)"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    result = models.JSONField(_("result"), null=True, blank=True)
    seconds = models.FloatField(_("seconds"), null=True, blank=True)

    objects: ClassVar[ScopedManager[Simulation]] = ScopedManager()
    scope_field = "area_code"

    class Meta:
        verbose_name = _("policy simulation")
        verbose_name_plural = _("policy simulations")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.area_code} {self.from_month} {self.standard_fen}"
