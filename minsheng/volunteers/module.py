"""Volunteers of 五社联动 (DOMAIN §6.6, issue 21): real-name registration, teams, activities, service records, star
levels by hours, certificates checked by a code on a public page, and the needs other modules raise (a visit's
referral, a temporary-assistance case referred outward, an elderly care service no provider covers, a child referred
to a social organisation) as tasks the area's teams and social organisations take, do and close — the hours credited,
the outcome reported back to the case."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext_lazy as _

from minsheng.core.modules import DemoStep, Headline, Module, NavEntry, StatisticsFamily
from minsheng.core.roles import Role
from minsheng.volunteers import events, figures, selectors
from minsheng.volunteers.models import MonthlyHours, Task, Team, Volunteer

GROUP = "social"  # 五社联动, declared by the social organisations' module (below this one)
READ = frozenset(
    {
        "volunteers.view_volunteer",
        "volunteers.view_team",
        "volunteers.view_activity",
        "volunteers.view_task",
        "volunteers.view_certificate",
    }
)
# A village's or township's teams take the area's tasks, hold activities and record the hours served.
TEAM_WORK = frozenset(
    {"volunteers.change_task", "volunteers.change_team", "volunteers.add_activity", "volunteers.change_activity"}
)
REGISTER = frozenset({"volunteers.add_volunteer", "volunteers.add_team", "volunteers.add_certificate"})


def _task_badge(user: Any) -> int:
    return selectors.open_tasks_count(user) if user.has_perm("volunteers.change_task") else 0


def _demo_step(scale: float, seed: int, say: Callable[[str], None]) -> str | None:
    from minsheng.volunteers.demo import demo_step

    return demo_step(scale, seed, say)


MODULE = Module(
    app_label="volunteers",
    permissions={
        Role.VILLAGE_WORKER: READ | TEAM_WORK,
        Role.TOWNSHIP_WINDOW: READ | TEAM_WORK | REGISTER,
        Role.TOWNSHIP_REVIEWER: READ,
        Role.COUNTY_APPROVER: READ,
        Role.CITY_ADMIN: READ,
        Role.AUDITOR: READ,
    },
    # In the bar after the data exchange, before the administration menu.
    navigation=(
        NavEntry("volunteers.view_volunteer", "volunteers:volunteer_list", _("Volunteers"), GROUP, 120),
        NavEntry("volunteers.view_team", "volunteers:team_list", _("Volunteer teams"), GROUP, 121),
        NavEntry("volunteers.view_task", "volunteers:task_board", _("Needs and tasks"), GROUP, 122, badge=_task_badge),
    ),
    audit_actions={
        "volunteers.registered": _("Volunteer registered"),
        "volunteers.team_created": _("Volunteer team founded"),
        "volunteers.team_joined": _("Volunteer joined a team"),
        "volunteers.activity_created": _("Volunteer activity entered"),
        "volunteers.hours_recorded": _("Volunteer service hours recorded"),
        "volunteers.certificate_issued": _("Volunteer certificate issued"),
        "volunteers.task_taken": _("Task taken by a team or a social organisation"),
        "volunteers.task_done": _("Task done and hours credited"),
        "volunteers.certificate_printed": _("Volunteer certificate printed"),
    },
    urls=("volunteers/", "minsheng.volunteers.urls"),
    public_urls=("volunteers:verify",),
    statistics=(
        StatisticsFamily(
            "volunteers",
            figures.INDICATORS,
            # Registration, teams, hours and tasks audit their area; a referral raises a task in the case's area, the
            # month's care orders the needs no provider covers.
            changed_by=(
                "volunteers.",
                "assistance.temporary_referred",
                "monitoring.visit_recorded",
                "eldercare.orders_generated",
                "children.referred",
            ),
            compute=figures.volunteer_cells,
            tables=(Volunteer, Team, MonthlyHours, Task),
        ),
    ),
    headlines=(
        Headline("volunteers", _("Registered volunteers"), "persons", True, figures.volunteers_figure, 900),
        Headline("volunteer_teams", _("Volunteer teams"), "count", True, figures.teams_figure, 901),
        Headline("volunteer_hours", _("Volunteer service hours"), "count", False, figures.hours_figure, 902),
        Headline("needs_met", _("Needs met by volunteers"), "count", False, figures.tasks_done_figure, 903),
    ),
    statistics_tables=figures.TABLES,
    subscribers=events.SUBSCRIBERS,
    demo=(DemoStep(90, _demo_step),),
)
