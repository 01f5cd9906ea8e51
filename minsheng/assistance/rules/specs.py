"""The rules' numbers, by name. Values live in the ``Parameter`` table (date-effective, area-scoped); this list
only names them, says what unit they are in, their bounds and what they mean (DOMAIN §1–4, §6). Amounts are in fen.

A rule is a single number (``fen``, ``ratio``, ``months``, ``years``, ``count``, ``sqm``, ``working_days``, ``days``)
or a structure whose parts are described by :class:`Field` s: ``bands`` (a list of rows, one per band or tier),
``record`` (one row of named values) or ``set`` (a choice of codes). The rules page shows and edits each as a table.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from minsheng.assistance.programmes import Programme

SCALAR_UNITS = frozenset({"fen", "ratio", "months", "years", "count", "sqm", "working_days", "days", "hours"})
STRUCTURED_UNITS = frozenset({"bands", "record", "set"})
UNIT_LABELS = {
    "fen": pgettext_lazy("unit", "yuan"),
    "ratio": pgettext_lazy("unit", "times"),
    "months": pgettext_lazy("unit", "months"),
    "years": pgettext_lazy("unit", "years of age"),
    "count": pgettext_lazy("unit", "count"),
    "sqm": pgettext_lazy("unit", "m²"),
    "working_days": pgettext_lazy("unit", "working days"),
    "days": pgettext_lazy("unit", "days"),
    "hours": pgettext_lazy("unit", "hours"),
}


@dataclass(frozen=True)
class Field:
    """One column of a structured rule: its unit (a scalar unit, ``text`` or ``choice``), label and bounds."""

    name: str
    unit: str
    label: object
    minimum: int | Decimal | None = 0
    maximum: int | Decimal | None = None
    choices: tuple[tuple[str, object], ...] = ()
    optional: bool = False


@dataclass(frozen=True)
class ParameterSpec:
    key: str
    unit: str  # a scalar unit, or bands / record / set
    label: object
    minimum: int | Decimal | None = 0
    maximum: int | Decimal | None = None
    fields: tuple[Field, ...] = ()  # the columns of bands and records
    choices: tuple[tuple[str, object], ...] = ()  # the codes of a set

    @property
    def unit_label(self) -> object:
        return UNIT_LABELS.get(self.unit, "")


PROGRAMME_CHOICES = tuple((p.value, p.label) for p in Programme)
CARE_LEVELS = (
    ("able", _("Fully self-caring (全自理)")),
    ("partly_unable", _("Partly dependent (半护理)")),
    ("fully_unable", _("Fully dependent (全护理)")),
)
# Children in difficulty (minsheng.children, DOMAIN §6.2): the risk colours and the factors an assessment records.
CHILD_COLOURS = (("red", _("红")), ("orange", _("橙")), ("yellow", _("黄")), ("green", _("绿")))
CHILD_RISK_FACTORS = (
    ("abuse", _("Abused or suspected abuse")),
    ("no_guardian", _("No guardian, or guardianship seriously lacking")),
    ("guardian_unable", _("Guardian unable to care for the child")),
    ("serious_illness", _("Serious illness or severe disability without care")),
    ("out_of_school", _("Out of school")),
    ("alone", _("Left behind and living alone")),
    ("behaviour", _("Psychological or behavioural problems")),
    ("poverty", _("Family in financial difficulty")),
)
UPLIFT_CATEGORIES = (
    ("elderly", _("Older person (老年人)")),
    ("minor", _("Minor (未成年人)")),
    ("severe_disability", _("Severe disability (重残)")),
    ("serious_illness", _("Serious illness (重病)")),
    ("alone", _("Living alone (独居)")),
    ("returned_overseas", _("Returned overseas Chinese (归侨)")),
    ("veteran", _("Veteran (退役军人)")),
)
D = Decimal
# Elderly care's vocabulary (the codes of minsheng.eldercare.models.Category and Service; a test keeps them equal).
ELDER_CATEGORIES = (
    ("disabled", _("Disabled or semi-disabled (失能/半失能)")),
    ("very_old", _("Very old (高龄)")),
    ("alone", _("Living alone (独居)")),
    ("empty_nest", _("Empty-nest (空巢)")),
    ("left_behind", _("Left-behind (留守)")),
    ("severe_disability", _("Severely disabled (重残)")),
    ("family_planning", _("计划生育特殊家庭")),
)
CARE_SERVICES = (
    ("meal", _("助餐 (meals)")),
    ("cleaning", _("助洁 (cleaning)")),
    ("bathing", _("助浴 (bathing)")),
    ("walking", _("助行 (walking)")),
    ("medical", _("助医 (medical visits)")),
    ("emergency", _("助急 (emergency help)")),
    ("visit", _("探访关爱 (caring visit)")),
    ("rehab", _("康复训练 (rehabilitation)")),
    ("health", _("健康监测 (health monitoring)")),
    ("medication", _("用药提醒 (medication reminders)")),
    ("nursing", _("护理 (nursing)")),
    ("adaptation", _("适老化改造 (home adaptation)")),
)
YES_NO = (("yes", _("Yes")), ("no", _("No")))

SPECS = [
    ParameterSpec("dibao.standard", "fen", _("低保 standard per person per month"), 1, 10_000_000),
    ParameterSpec("dibao.edge_multiplier", "ratio", _("低保边缘: multiple of the 低保 standard"), D(1), D(3)),
    ParameterSpec(
        "tekun.base_multiplier",
        "ratio",
        _("特困 basic support: at least this multiple of the 低保 standard"),
        D(1),
        D(5),
    ),
    ParameterSpec(
        "tekun.care_tiers",
        "bands",
        _("特困 care support per month by self-care level"),
        fields=(
            Field("level", "choice", _("Self-care level"), choices=CARE_LEVELS),
            Field("fen", "fen", _("Care support per month"), 0, 10_000_000),
        ),
    ),
    ParameterSpec("linshi.township_cap", "fen", _("临时救助: what the township may pay first"), 0, 100_000_000),
    ParameterSpec("linshi.papers_deadline", "working_days", _("临时救助: working days to complete the papers"), 1, 60),
    ParameterSpec(
        "linshi.bands",
        "bands",
        _("临时救助 bands"),
        fields=(
            Field("up_to_months_of_standard", "months", _("Up to months of the standard"), 1, 36),
            Field("label", "text", pgettext_lazy("rule column", "Band")),
        ),
    ),
    ParameterSpec(
        "linshi.limits",
        "record",
        _("临时救助 limits: per person in months of the standard, in special hardship, and payments a year"),
        fields=(
            Field("per_person_months", "months", _("Per person, months of the standard"), 1, 36),
            Field("special_months", "months", _("In special hardship, months of the standard"), 1, 60),
            Field("per_year", "count", _("Payments per person a year"), 1, 12),
        ),
    ),
    ParameterSpec(
        "linshi.expense",
        "record",
        _("支出型临时救助: share of income the family can bear, and share of the spending above it that is paid"),
        fields=(
            Field("bearable_share", "ratio", _("Rigid spending the family bears, share of its income"), D(0), D(1)),
            Field("paid_share", "ratio", _("Share of the spending above it paid"), D(0), D(1)),
        ),
    ),
    ParameterSpec(
        "procedure.county_days",
        "working_days",
        _("审核确认: working days the approving level has once the file reaches it"),
        1,
        60,
    ),
    ParameterSpec(
        "procedure.overall_days",
        "record",
        _("低保 / 特困 procedure: working days from 受理 to the decision, and in special cases"),
        fields=(
            Field("normal", "working_days", _("Working days"), 1, 120),
            Field("extended", "working_days", _("In special cases"), 1, 120),
        ),
    ),
    ParameterSpec("dibao.taper_months", "months", _("渐退: months of tapered payment after finding work"), 0, 24),
    ParameterSpec(
        "dibao.review_months",
        "bands",
        _("Review cycle in months by category"),
        fields=(
            Field("category", "choice", _("Review class"), choices=(("A", "A"), ("B", "B"), ("C", "C"))),
            Field("months", "months", pgettext_lazy("rule column", "Months"), 1, 24),
        ),
    ),
    ParameterSpec("disability.living_allowance", "fen", _("困难残疾人生活补贴 per month"), 0, 10_000_000),
    ParameterSpec("disability.care_allowance", "fen", _("重度残疾人护理补贴 per month"), 0, 10_000_000),
    ParameterSpec(
        "disability.living_allowance_groups",
        "set",
        _("困难残疾人生活补贴 covers these families: dibao, and edge where the city extends it"),
        choices=((Programme.DIBAO.value, Programme.DIBAO.label), (Programme.EDGE.value, Programme.EDGE.label)),
    ),
    ParameterSpec("children.orphan_allowance", "fen", _("孤儿基本生活费 per month"), 0, 10_000_000),
    ParameterSpec(
        "elderly.age_allowance",
        "bands",
        _("尊老金 bands by age"),
        fields=(
            Field("from_age", "years", _("From age"), 60, 150),
            Field("fen", "fen", pgettext_lazy("rule column", "Per month"), 0, 10_000_000),
        ),
    ),
    ParameterSpec(
        "dibao.asset_limits",
        "record",
        _("Asset test: financial assets per person in months of the standard, vehicles and houses allowed"),
        fields=(
            Field("financial_months", "months", _("Financial assets per person, months of the standard"), 0, 240),
            Field("vehicles", "count", _("Vehicles allowed"), 0, 10),
            Field("houses", "count", _("Houses allowed"), 0, 10),
        ),
    ),
    ParameterSpec(
        "dibao.uplifts",
        "bands",
        _("分类施保: uplift per member by category, as a share of the standard"),
        fields=(
            Field("category", "choice", pgettext_lazy("rule column", "Category"), choices=UPLIFT_CATEGORIES),
            Field("min_age", "years", _("From age"), 0, 150, optional=True),
            Field("ratio", "ratio", _("Share of the standard"), D(0), D(2)),
        ),
    ),
    ParameterSpec(
        "dibao.rounding",
        "record",
        _("Rounding of the monthly amount and the smallest payment"),
        fields=(
            Field("to", "choice", _("Round to"), choices=(("yuan", _("whole yuan")), ("fen", _("fen")))),
            Field("minimum_fen", "fen", _("Smallest payment"), 0, 1_000_000),
        ),
    ),
    ParameterSpec("tekun.review_months", "months", _("特困: annual review cycle in months"), 1, 24),
    ParameterSpec(
        "rigid.income_line", "fen", _("刚性支出: per-capita disposable income of the previous year, per month"), 0
    ),
    ParameterSpec(
        "rigid.expense_share", "ratio", _("刚性支出: share of household income the rigid spending exceeds"), D(0), D(1)
    ),
    ParameterSpec(
        "children.ill_disabled_allowance", "fen", _("重病重残儿童 living allowance per month"), 0, 10_000_000
    ),
    ParameterSpec(
        "dibao.bands",
        "bands",
        _("分档: 低保 paid by band of income per person instead of 补差 (no rows: 补差)"),
        fields=(
            Field("income_below", "ratio", _("Income per person below, share of the standard"), D(0), D(1)),
            Field("share", "ratio", _("Paid per member, share of the standard"), D(0), D(1)),
        ),
    ),
    ParameterSpec(
        "dibao.single_categories",
        "bands",
        _("单人保: categories the county defines of edge-family members covered alone"),
        fields=(
            Field("code", "text", pgettext_lazy("rule column", "Code")),
            Field("label", "text", pgettext_lazy("rule column", "Category")),
        ),
    ),
    ParameterSpec("dibao.floor_area_per_head", "sqm", _("Asset test: housing floor area per person"), 1, 1000),
    ParameterSpec(
        "dibao.trees_months", "months", _("Asset test: trees (林木) per person, in months of the standard"), 0, 240
    ),
    ParameterSpec("tekun.minor_age", "years", _("特困: minors are candidates under this age"), 16, 18),
    ParameterSpec(
        "tekun.student_age", "years", _("特困: a member still studying stays a candidate until this age"), 18, 30
    ),
    ParameterSpec(
        "dibao.refused_jobs",
        "record",
        _("Refused jobs (Art. 45): offers refused without good reason, and the share of the member's part cut"),
        fields=(
            Field("offers", "count", _("Suitable offers refused"), 1, 10),
            Field("share_cut", "ratio", _("Share of the member's part cut (1 = stopped)"), D(0), D(1)),
        ),
    ),
    # The relief station (minsheng.relief, DOMAIN §6.3) and funeral services (minsheng.funeral, DOMAIN §6.6).
    ParameterSpec("relief.stay_days", "days", _("Relief station: days a stay may last without an extension"), 1, 90),
    ParameterSpec(
        "relief.announcement_days",
        "working_days",
        _("寻亲: working days from admission to the public announcement"),
        1,
        60,
    ),
    ParameterSpec(
        "funeral.waiver_services",
        "bands",
        _("惠民殡葬: basic services waived and the most waived for each"),
        fields=(
            Field("service", "text", _("Service code")),
            Field("label", "text", pgettext_lazy("rule column", "Service")),
            Field("fen", "fen", _("Most waived"), 0, 10_000_000),
        ),
    ),
    ParameterSpec(
        "funeral.waiver_groups",
        "set",
        _("惠民殡葬: programmes whose recipients have the fees waived"),
        choices=PROGRAMME_CHOICES,
    ),
    ParameterSpec(
        "funeral.complaint_answer_days", "working_days", _("Funeral price reports: working days to answer"), 1, 60
    ),
    # Elderly care (minsheng.eldercare, DOMAIN §6.4–6.5): who is owed care, their plans, the visits' checks, 尊老金.
    ParameterSpec(
        "eldercare.target_programmes",
        "set",
        _("养老服务: programmes whose old people are 特殊困难老年人 when a category applies (特困: 分散供养 only)"),
        choices=tuple((p.value, p.label) for p in (Programme.DIBAO, Programme.EDGE, Programme.TEKUN)),
    ),
    ParameterSpec(
        "eldercare.target_rules",
        "bands",
        _("养老服务: categories of 特殊困难老年人, from what age, and whether a programme above is needed too"),
        fields=(
            Field("category", "choice", _("Category"), choices=ELDER_CATEGORIES),
            Field("from_age", "years", _("From age"), 60, 150),
            Field("with_programme", "choice", _("Needs a programme"), choices=YES_NO),
        ),
    ),
    ParameterSpec(
        "eldercare.plan_items",
        "bands",
        _("养老服务: the care plan's services and visits a month by category (the most a category gives wins)"),
        fields=(
            Field("category", "choice", _("Category"), choices=(("all", _("Everyone on the list")), *ELDER_CATEGORIES)),
            Field("service", "choice", _("Service"), choices=CARE_SERVICES),
            Field("per_month", "count", _("Visits a month"), 1, 62),
        ),
    ),
    ParameterSpec(
        "eldercare.visit_checks",
        "record",
        _("养老服务: a visit is flagged far beyond this distance, and verified by itself when it lasted this long"),
        fields=(
            Field("far_metres", "count", _("Far from home beyond (metres)"), 50, 100_000),
            Field("min_minutes", "count", _("Shortest visit verified by itself (minutes)"), 1, 480),
        ),
    ),
    ParameterSpec(
        "eldercare.liveness_due_days", "days", _("尊老金 生存认证: days from the start of the year to confirm"), 1, 366
    ),
    # Children in difficulty (minsheng.children, DOMAIN §6.2).
    ParameterSpec(
        "children.risk_factors",
        "bands",
        _("困境儿童: the risk colour each factor of an assessment gives (the highest wins; none found: green)"),
        fields=(
            Field("factor", "choice", _("Risk factor"), choices=CHILD_RISK_FACTORS),
            Field("colour", "choice", _("Risk colour"), choices=CHILD_COLOURS),
        ),
    ),
    ParameterSpec(
        "children.visit_days",
        "record",
        _("困境儿童: days from one visit to the next by risk colour (red at least monthly)"),
        fields=(
            Field("red", "days", _("红"), 1, 31),
            Field("orange", "days", _("橙"), 1, 92),
            Field("yellow", "days", _("黄"), 1, 183),
            Field("green", "days", _("绿"), 1, 366),
        ),
    ),
    ParameterSpec("children.report_hours", "hours", _("强制报告: hours to handle a report of abuse or neglect"), 1, 72),
    ParameterSpec("children.adult_age", "years", _("困境儿童: the age at which a case closes"), 16, 18),
    # Social organisations (minsheng.social, DOMAIN §6.6): how long an evaluation grade (1A–5A) holds.
    ParameterSpec(
        "social.grade_valid_months", "months", _("Social organisation evaluation: months a grade holds"), 12, 120
    ),
    # Volunteers (minsheng.volunteers, DOMAIN §6.6): star levels by cumulative hours, a day's most hours, the age of
    # consent to register without a guardian.
    ParameterSpec(
        "volunteers.star_hours",
        "bands",
        _("Volunteer star levels: cumulative service hours for each star"),
        fields=(
            Field("star", "count", _("Stars"), 1, 5),
            Field("hours", "count", _("Hours at least"), 1, 100_000),
        ),
    ),
    ParameterSpec("volunteers.day_hours", "count", _("Volunteer service: most hours recorded for one day"), 1, 24),
    ParameterSpec(
        "volunteers.adult_age", "years", _("Volunteers: age from which no guardian's consent is needed"), 14, 21
    ),
    # The monthly verification (minsheng.exchange, DOMAIN §5): what in a department's feed brings a review forward.
    ParameterSpec(
        "verification.income_fen",
        "fen",
        _("月度核对: a member's monthly income in a feed that brings the review forward"),
        1,
        100_000_000,
    ),
    ParameterSpec(
        "verification.asset_fen",
        "fen",
        _("月度核对: a member's financial assets in a feed that bring the review forward"),
        1,
        10_000_000_000,
    ),
    ParameterSpec(
        "verification.medical_fen",
        "fen",
        _("月度核对: a member's own share of a medical bill that brings the review forward"),
        1,
        1_000_000_000,
    ),
    # The 核对报告 of one household (minsheng.exchange.verification): what counts as a difference, how long it holds.
    ParameterSpec(
        "verification.report_income_tolerance_fen",
        "fen",
        _("核对报告: verified 12-month household income above the declared by more than this is a 疑点"),
        0,
        100_000_000,
    ),
    ParameterSpec(
        "verification.report_asset_tolerance_fen",
        "fen",
        _("核对报告: verified financial assets above the declared by more than this are a 疑点"),
        0,
        1_000_000_000,
    ),
    ParameterSpec("verification.report_valid_days", "days", _("核对报告: days a report stays valid"), 1, 730),
]
SPEC_BY_KEY = {spec.key: spec for spec in SPECS}
