"""Children in difficulty (困境儿童, DOMAIN §6.2): who they are (categories derived from the registry and the
programmes), the workforce (儿童督导员 per township, 儿童主任 per village), one case file per child with its risk
colour, visits, plan, referrals and closure, mandatory reporting (强制报告), the narrower visibility of a child's
file, care places and projects, and their figures."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext_lazy as _

from minsheng.children import figures, selectors, visits
from minsheng.children.models import CasePlan, CaseVisit, Child, Enrolment
from minsheng.core.modules import (
    DemoStep,
    DueWork,
    Headline,
    Module,
    NavEntry,
    NavGroup,
    RoleSpec,
    StatisticsFamily,
    VisitKind,
)
from minsheng.core.roles import Role

CHILDREN = "children"
DIRECTOR = "child_director"
SUPERVISOR = "child_supervisor"
COUNTY_STAFF = "child_county_staff"

# What every staff account reads beside its own work: divisions, the catalogue, the calendar, the rules in force.
BASE = frozenset(
    {"areas.view_division", "catalog.view_item", "workdays.view_calendaryear", "assistance.view_parameter"}
)
# A child's file: only the child's director, the township's supervisor and named county staff (DOMAIN §6.2, §8).
FILE_READ = frozenset({"children.view_child", "children.view_mandatoryreport", "children.view_careplace"})
FILE_WORK = FILE_READ | {"children.change_child", "children.add_mandatoryreport"}
# Care projects are run by a township or a county (a village's director sees a child's projects in the file).
PROJECTS = frozenset({"children.view_careproject"})
WORKFORCE = frozenset({"children.view_workforce"})


def _demo_step(scale: float, seed: int, say: Callable[[str], None]) -> str | None:
    from minsheng.children.demo import demo_step  # the demo reads the registry and the programmes' data

    return demo_step(scale, seed, say)


def _referral_done(done: object) -> None:
    from minsheng.children.services import referral_done_subscriber

    referral_done_subscriber(done)


MODULE = Module(
    app_label="children",
    roles=(
        RoleSpec(DIRECTOR, _("Children's director (儿童主任)"), frozenset({"village"}), sensitive=True, order=140),
        RoleSpec(
            SUPERVISOR, _("Child-welfare supervisor (儿童督导员)"), frozenset({"township"}), sensitive=True, order=141
        ),
        RoleSpec(
            COUNTY_STAFF, _("County child-welfare staff (named)"), frozenset({"county"}), sensitive=True, order=142
        ),
    ),
    permissions={
        DIRECTOR: BASE | FILE_WORK,
        SUPERVISOR: BASE
        | FILE_WORK
        | WORKFORCE
        | PROJECTS
        | {"children.change_mandatoryreport", "children.add_careproject", "children.change_careproject"},
        COUNTY_STAFF: BASE | FILE_READ | WORKFORCE | PROJECTS | {"children.add_careplace", "children.add_careproject"},
        Role.CITY_ADMIN: WORKFORCE | {"children.view_careplace", "children.add_careplace"},
        Role.AUDITOR: WORKFORCE | {"children.view_careplace"},
    },
    nav_groups=(NavGroup(CHILDREN, _("Children"), 320),),
    navigation=(
        NavEntry("children.view_child", "children:child_list", _("Children in difficulty"), CHILDREN, 109),
        NavEntry("children.view_mandatoryreport", "children:report_list", _("Mandatory reports"), CHILDREN, 109),
        NavEntry("children.view_careproject", "children:project_list", _("Children's care projects"), CHILDREN, 109),
        NavEntry("children.view_careplace", "children:place_list", _("Children's homes and bases"), CHILDREN, 109),
        NavEntry("children.view_workforce", "children:workforce", _("Child-welfare workforce"), CHILDREN, 109),
    ),
    audit_actions={
        "children.categories_refreshed": _("Children in difficulty: categories brought up to date"),
        "children.file_viewed": _("Child's case file viewed"),
        "children.file_updated": _("Child's case file updated"),
        "children.de_facto_determined": _("事实无人抚养 determined"),
        "children.assessed": _("Child's risk assessed"),
        "children.visited": _("Child visited"),
        "children.plan_made": _("Case plan made"),
        "children.service_planned": _("Service added to a case plan"),
        "children.service_delivered": _("Planned service delivered"),
        "children.referred": _("Child referred"),
        "children.referral_answered": _("Referral answered"),
        "children.referral_outcome": _("Referral outcome recorded"),
        "children.closed": _("Child's case closed"),
        "children.reopened": _("Child's case reopened"),
        "children.report_filed": _("Mandatory report filed"),
        "children.report_viewed": _("Mandatory report viewed"),
        "children.report_police": _("Mandatory report referred to the police"),
        "children.report_closed": _("Mandatory report reviewed and closed"),
        "children.visits_escalated": _("Red children's overdue visits escalated"),
        "children.visits_recomputed": _("Children's visits due recomputed"),
        "children.place_added": _("Children's home or base added"),
        "children.project_added": _("Care project added"),
        "children.enrolled": _("Child enrolled in a care project"),
        "children.attendance": _("Care project attendance recorded"),
    },
    urls=("children/", "minsheng.children.urls"),
    due_work=(
        DueWork(
            "child_visit",
            _("Children to visit"),
            "children.change_child",
            items=selectors.visits_due,
            count=selectors.visits_due_count,
            order=30,
        ),
        DueWork(
            "child_report",
            _("Mandatory reports to review"),
            "children.change_mandatoryreport",
            items=selectors.reports_due,
            count=selectors.reports_due_count,
            order=31,
        ),
    ),
    statistics=(
        StatisticsFamily(
            "children",
            figures.INDICATORS,
            # The module's own changes, and a role assigned or removed (the workforce's coverage).
            changed_by=("children.", "accounts.role_"),
            compute=figures.children_cells,
            tables=(Child, CaseVisit, CasePlan, Enrolment),
        ),
    ),
    headlines=(
        Headline(
            "children_case_files", _("Children in difficulty with a case file"), "persons", True, figures.open_cases, 41
        ),
        Headline(
            "child_supervisor_townships",
            _("Townships with a child-welfare supervisor"),
            "count",
            True,
            figures.supervised_townships,
            600,
        ),
        Headline(
            "child_director_villages",
            _("Villages with a children's director"),
            "count",
            True,
            figures.directed_villages,
            601,
        ),
        Headline("childrens_homes", _("Children's homes"), "count", True, figures.childrens_homes, 602),
        Headline("child_practice_bases", _("Children's practice bases"), "count", True, figures.practice_bases, 603),
        Headline("children_care_projects", _("Children's care projects"), "count", True, figures.projects, 604),
        Headline(
            "children_served", _("Children served by care projects"), "persons", True, figures.children_served, 605
        ),
        Headline(
            "children_visits_on_time", _("Children's visits on time"), "percent", False, figures.visits_on_time, 606
        ),
        Headline("children_open_plans", _("Open case plans of children"), "count", True, figures.open_plans, 607),
    ),
    statistics_tables=figures.TABLES,
    # What 五社联动 made of a referral to a social organisation (the task's source: "children", "referral", id).
    subscribers={"volunteers.task_done": (_referral_done,)},
    # After the caseload (20), the window (30), monitoring (80) and social (85); before the statistics (1000).
    demo=(DemoStep(87, _demo_step),),
    visit_kinds=(
        VisitKind(
            "children.visit",
            _("Visit of a child in difficulty"),
            "children.change_child",
            subject=visits.child_subject,
            questions=visits.child_questions,
            receive=visits.child_visit_received,
        ),
    ),
)
