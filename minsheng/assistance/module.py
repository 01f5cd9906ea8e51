"""The programmes: the rules as data, economic status and the means test, the 低保 / 特困 procedure, benefits and
their reviews, temporary assistance; their figures, and what the one window and the registry hand them."""

from collections.abc import Callable

from django.utils.translation import gettext_lazy as _

from minsheng.assistance import due, figures, person_file
from minsheng.assistance.benefits.demo import demo_programmes
from minsheng.assistance.benefits.models import Benefit
from minsheng.assistance.benefits.services import (
    household_changed_subscriber,
    person_gone_subscriber,
    verification_findings_subscriber,
)
from minsheng.assistance.items import ProgrammeItems
from minsheng.assistance.means import verified
from minsheng.assistance.temporary.demo import demo_temporary_history
from minsheng.assistance.temporary.models import TemporaryAid
from minsheng.assistance.temporary.services import REFERRAL_DONE, referral_done_subscriber
from minsheng.core.modules import (
    DemoStep,
    DueWork,
    Headline,
    Module,
    NavEntry,
    NavGroup,
    PersonSection,
    RegistryEvent,
    StatisticsFamily,
)
from minsheng.core.roles import Role

ASSISTANCE = "assistance"

# Reading: economic status, assessments, programme cases, benefits, temporary aid.
READ = frozenset(
    {
        "assistance.view_economicstatus",
        "assistance.view_assessment",
        "assistance.view_programmecase",
        "assistance.view_benefit",
        "assistance.view_temporaryaid",
        "assistance.view_assessmentprompt",
    }
)
# Recording a household's declared income, assets and spending (village workers on the family's behalf).
RECORD = frozenset({"assistance.add_economicstatus", "assistance.change_economicstatus"})
# The township: run the means test, investigate, pay temporary assistance first, refer, close prompts.
TOWNSHIP = frozenset(
    {
        "assistance.add_assessment",
        "assistance.investigate_programmecase",
        "assistance.add_temporaryaid",
        "assistance.change_temporaryaid",
        "assistance.add_referral",
        "assistance.change_assessmentprompt",
    }
)
# 初审 and 公示; confirming a case as well where the county has devolved approval (checked by the service).
REVIEW = frozenset({"assistance.review_programmecase", "assistance.approve_programmecase"})
# The county: confirm or refuse, decide temporary aid above the township cap, change running benefits.
COUNTY = frozenset(
    {
        "assistance.add_assessment",
        "assistance.approve_programmecase",
        "assistance.decide_temporaryaid",
        "assistance.change_benefit",
        "assistance.simulate_assessment",
        "assistance.view_simulation",
    }
)
RULES_READ = frozenset({"assistance.view_parameter"})  # every staff role reads the rules in force


def demo_caseload(scale: float, seed: int, say: Callable[[str], None]) -> str:
    """Economic statuses for the households the bureau would know, and the eligible enrolled by the means test."""
    programmes = demo_programmes(seed=seed, progress=lambda text: say(f"  {text}"))
    figures_text = ", ".join(f"{name} {value:,}" for name, value in programmes.figures.items())
    churn = programmes.churn
    moved = f"; 低保 {churn.joined:,} joined and {churn.left:,} left over {churn.months} months" if churn else ""
    return (
        f"assistance: {programmes.statuses:,} economic statuses, {programmes.benefits:,} benefits enrolled by the "
        f"means test ({figures_text}){moved} in {programmes.seconds:.1f}s"
    )


def demo_temporary(scale: float, seed: int, say: Callable[[str], None]) -> str | None:
    """The last complete half-year's temporary assistance at the published volume, and the months since."""
    temporary = demo_temporary_history(scale=scale, seed=seed)
    if not temporary.persons or temporary.period is None:
        return None
    start, end = temporary.period
    return (
        f"temporary assistance {start} to {end}: {temporary.persons:,} persons helped, "
        f"¥{temporary.paid_fen / 100:,.2f} paid; since then {temporary.since_persons:,} persons, "
        f"¥{temporary.since_fen / 100:,.2f}"
    )


MODULE = Module(
    app_label="assistance",
    permissions={
        **{role: RULES_READ for role in Role},
        Role.VILLAGE_WORKER: RULES_READ | READ | RECORD,
        Role.TOWNSHIP_WINDOW: RULES_READ | READ | RECORD | TOWNSHIP,
        Role.TOWNSHIP_REVIEWER: RULES_READ | READ | RECORD | TOWNSHIP | REVIEW,
        Role.COUNTY_APPROVER: RULES_READ | READ | COUNTY,
        Role.COUNTY_PAYMENT_OFFICER: RULES_READ | {"assistance.view_benefit"},
        Role.CITY_ADMIN: RULES_READ
        | READ
        | {"assistance.simulate_assessment", "assistance.view_simulation", "assistance.change_parameter"},
        Role.AUDITOR: RULES_READ | READ,
    },
    nav_groups=(NavGroup(ASSISTANCE, _("Assistance"), 200),),
    navigation=(
        NavEntry(
            "assistance.view_programmecase", "assistance:programme_cases", _("低保 and 特困 cases"), ASSISTANCE, 60
        ),
        NavEntry(
            "assistance.view_temporaryaid", "assistance:temporary_list", _("Temporary assistance"), ASSISTANCE, 70
        ),
        NavEntry("assistance.view_benefit", "assistance:benefit_list", _("Beneficiaries"), ASSISTANCE, 80),
        NavEntry("assistance.simulate_assessment", "assistance:simulations", _("Policy simulation"), ASSISTANCE, 90),
        NavEntry("assistance.view_parameter", "assistance:rules", _("Rules"), "manage", 160),
    ),
    audit_actions={
        "assistance.programme_case_opened": _("Accepted (受理); procedure opened"),
        "assistance.programme_case_relative_flagged": _("Registered as a relative of staff"),
        "assistance.programme_case_investigated": _("Home investigation recorded"),
        "assistance.programme_case_verification_requested": _("Economic verification requested"),
        "assistance.programme_case_verification_returned": _("Economic verification result recorded"),
        "assistance.programme_case_initial_review": _("Initial review"),
        "assistance.programme_case_publicity_started": _("Public notice posted"),
        "assistance.programme_case_objection": _("Objection recorded"),
        "assistance.programme_case_publicity_closed": _("Public notice closed"),
        "assistance.programme_case_democratic_review": _("Democratic review recorded"),
        "assistance.programme_case_county_visit": _("County's own visit recorded"),
        "assistance.programme_case_reinvestigate": _("Sent back for investigation"),
        "assistance.programme_case_approved": _("Approved and enrolled"),
        "assistance.programme_case_refused": _("Refused"),
        "assistance.parameter_set": _("Rule value entered"),
        "assistance.economic_status_new": _("Economic status: new version"),
        "assistance.economic_status_viewed": _("Economic status viewed"),
        "assistance.status_income_add": _("Income line added"),
        "assistance.status_income_remove": _("Income line removed"),
        "assistance.status_maintenance_add": _("Maintenance line added"),
        "assistance.status_maintenance_remove": _("Maintenance line removed"),
        "assistance.status_asset_add": _("Asset line added"),
        "assistance.status_asset_remove": _("Asset line removed"),
        "assistance.status_expense_add": _("Rigid expense added"),
        "assistance.status_expense_remove": _("Rigid expense removed"),
        "assistance.status_condition_add": _("Member condition recorded"),
        "assistance.status_condition_remove": _("Member condition removed"),
        "assistance.authorisation_record": _("Verification authorisation recorded"),
        "assistance.assessment_run": _("Means test run"),
        "assistance.assessment_viewed": _("Means-test result viewed"),
        "assistance.simulation_start": _("Policy simulation started"),
        "assistance.benefit_enrol": _("Benefit started"),
        "assistance.benefit_review": _("Benefit reviewed"),
        "assistance.benefit_recompute": _("Benefit recomputed"),
        "assistance.benefit_recompute_unchanged": _("Benefit recomputed: amount unchanged"),
        "assistance.benefit_reduce": _("Benefit reduced"),
        "assistance.benefit_taper": _("Benefit tapering"),
        "assistance.benefit_stop": _("Benefit stopped"),
        "assistance.benefit_review_brought_forward": _("Review brought forward after a household change"),
        "assistance.decision_notice_printed": _("Decision notice printed"),
        "assistance.benefit_notice_printed": _("Benefit notice printed"),
        "assistance.publicity_list_printed": _("Public notice list printed"),
        "assistance.investigation_form_printed": _("Household investigation form printed"),
        "assistance.temporary_receipt_printed": _("Temporary assistance receipt printed"),
        "assistance.temporary_opened": _("Temporary assistance opened"),
        "assistance.temporary_paid": _("Temporary assistance paid"),
        "assistance.temporary_papers_completed": _("Temporary assistance papers completed"),
        "assistance.temporary_decided": _("Temporary assistance decided"),
        "assistance.temporary_referred": _("Referred to an organisation"),
        "assistance.referral_outcome": _("Referral outcome recorded"),
        "assistance.prompt_closed": _("Assessment prompt closed"),
    },
    urls=("assistance/", "minsheng.assistance.urls"),
    statistics=(
        StatisticsFamily(
            "benefits", figures.BENEFIT_INDICATORS, ("assistance.",), figures.benefit_cells, tables=(Benefit,)
        ),
        StatisticsFamily(
            "temporary",
            figures.TEMPORARY_INDICATORS,
            ("assistance.",),
            figures.temporary_cells,
            tables=(TemporaryAid,),
        ),
    ),
    headlines=(
        Headline("dibao_persons", _("低保 recipients"), "persons", True, figures.dibao_persons, 10),
        Headline("tekun_persons", _("特困 supported persons"), "persons", True, figures.tekun_persons, 20),
        Headline(
            "disabled_in_difficulty",
            _("Persons with disabilities in difficulty"),
            "persons",
            True,
            figures.disabled,
            30,
        ),
        Headline("children_in_difficulty", _("Children in difficulty"), "persons", True, figures.children, 40),
        Headline("temporary_paid", _("Temporary assistance paid"), "fen", False, figures.temporary_paid, 60),
        Headline(
            "temporary_helped",
            _("Temporary assistance: persons helped (person-times)"),
            "person_times",
            False,
            figures.temporary_helped,
            65,
        ),
    ),
    demo=(DemoStep(20, demo_caseload), DemoStep(50, demo_temporary)),
    due_work=(
        DueWork(
            "procedure_step",
            _("低保 and 特困 steps"),
            "assistance.view_programmecase",
            items=due.steps_due,
            count=due.steps_count,
            order=40,
        ),
        DueWork(
            "benefit_review",
            _("Reviews due"),
            "assistance.change_benefit",
            items=due.reviews_due,
            count=due.reviews_count,
            order=50,
        ),
        DueWork(
            "temporary_papers",
            _("Temporary-assistance papers"),
            "assistance.change_temporaryaid",
            items=due.papers_due,
            count=due.papers_count,
            order=60,
        ),
        DueWork(
            "temporary_decide",
            _("Temporary assistance to decide"),
            "assistance.decide_temporaryaid",
            items=due.temporary_decisions_due,
            count=due.temporary_decisions_count,
            order=70,
        ),
    ),
    item_handlers=(ProgrammeItems(),),
    subscribers={
        RegistryEvent.HOUSEHOLD_CHANGED: (household_changed_subscriber,),
        RegistryEvent.PERSON_DIED: (person_gone_subscriber,),
        RegistryEvent.PERSON_MOVED_AWAY: (person_gone_subscriber,),
        # The monthly verification's findings (minsheng.exchange.monthly.FINDINGS).
        "exchange.findings": (verification_findings_subscriber,),
        # A 核对's declaration and policy calculation (minsheng.exchange.verification.DECLARATION, REPORT).
        "exchange.declaration": (verified.declaration_subscriber,),
        "exchange.report": (verified.report_subscriber,),
        # A task made of a temporary-assistance referral is done (minsheng.volunteers): the referral's outcome.
        REFERRAL_DONE: (referral_done_subscriber,),
    },
    person_sections=(
        PersonSection(
            "cases", _("低保 and 特困 procedures"), "assistance/_person_cases.html", person_file.cases_section, 20
        ),
        PersonSection(
            "assessments", _("Means tests"), "assistance/_person_assessments.html", person_file.assessments_section, 30
        ),
        PersonSection(
            "benefits",
            _("Benefits and their history"),
            "assistance/_person_benefits.html",
            person_file.benefits_section,
            40,
        ),
        PersonSection(
            "temporary",
            _("Temporary assistance"),
            "assistance/_person_temporary.html",
            person_file.temporary_section,
            50,
        ),
    ),
    audit_objects={
        "assistance.programmecase": person_file.describe_cases,
        "assistance.benefit": person_file.describe_benefits,
        "assistance.temporaryaid": person_file.describe_temporary,
        "assistance.assessment": person_file.describe_assessments,
    },
    person_objects=(person_file.person_objects,),
)
