"""Low-income population monitoring and proactive discovery (低收入人口动态监测·主动发现, DOMAIN §4): warning rules as
data over the departments' feeds and the programmes' own data, warnings to the village with a deadline, the visit on
a phone and its outcome (apply on the person's behalf, refer, close), the township's confirmation, escalation, and
the 一户一档 of the low-income population."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext_lazy as _

from minsheng.core.modules import (
    DemoStep,
    DueWork,
    Headline,
    Module,
    NavEntry,
    NavGroup,
    PersonSection,
    StatisticsFamily,
    VisitKind,
    count_due,
)
from minsheng.core.roles import Role
from minsheng.monitoring import figures, sections, selectors
from minsheng.monitoring.models import Alert, Visit
from minsheng.monitoring.questions import WARNING_VISIT

MONITORING = "monitoring"
READ = frozenset({"monitoring.view_alert", "monitoring.view_visit", "monitoring.view_monitoredhousehold"})
VISIT = READ | {"monitoring.add_visit"}
CONFIRM = READ | {"monitoring.change_alert"}
RULES = frozenset({"monitoring.view_warningrule", "monitoring.add_warningrule", "monitoring.view_discoveryrun"})


def _open_badge(user: Any) -> int:
    return count_due(selectors.to_visit(user=user)) if user.has_perm("monitoring.add_visit") else 0


def _demo_step(scale: float, seed: int, say: Callable[[str], None]) -> str | None:
    from minsheng.monitoring.demo import demo_step  # the demo reads the services, which read the programmes

    return demo_step(scale, seed, say)


MODULE = Module(
    app_label="monitoring",
    permissions={
        Role.VILLAGE_WORKER: VISIT,
        Role.TOWNSHIP_WINDOW: READ,
        # The township reviewer confirms the village's visits, and visits what a rule sends to the township.
        Role.TOWNSHIP_REVIEWER: CONFIRM | VISIT,
        Role.COUNTY_APPROVER: READ,
        Role.CITY_ADMIN: READ | RULES,
        Role.AUDITOR: READ | {"monitoring.view_warningrule", "monitoring.view_discoveryrun"},
    },
    nav_groups=(NavGroup(MONITORING, _("Monitoring"), 150),),
    navigation=(
        NavEntry(
            "monitoring.view_alert", "monitoring:alert_list", _("Risk warnings"), MONITORING, 45, badge=_open_badge
        ),
        NavEntry(
            "monitoring.view_monitoredhousehold",
            "monitoring:population",
            _("Low-income population"),
            MONITORING,
            46,
        ),
        NavEntry("monitoring.view_warningrule", "monitoring:rule_list", _("Warning rules"), MONITORING, 47),
    ),
    audit_actions={
        "monitoring.rule_saved": _("Warning rule saved"),
        "monitoring.visit_recorded": _("Home visit recorded"),
        "monitoring.alert_confirmed": _("Warning confirmed as handled"),
        "monitoring.alert_sent_back": _("Warning sent back to the village"),
        "monitoring.alerts_raised": _("Warnings raised"),
        "monitoring.alerts_escalated": _("Overdue warnings escalated"),
        "monitoring.photo_viewed": _("Visit photo viewed"),
    },
    urls=("monitoring/", "minsheng.monitoring.urls"),
    statistics=(
        StatisticsFamily(
            "monitoring",
            figures.INDICATORS,
            # The daily run audits the warnings it raised and escalated per county; a visit, a confirmation and a
            # sending back audit their warning's village; a benefit started or stopped may count a person found.
            changed_by=("monitoring.", "assistance.benefit_"),
            compute=figures.monitoring_cells,
            tables=(Alert,),
        ),
    ),
    headlines=(
        Headline("warnings_raised", _("Risk warnings raised"), "count", False, figures.raised, 140),
        Headline("warnings_handled", _("Risk warnings handled"), "count", False, figures.handled, 141),
        Headline("warnings_on_time_rate", _("Warnings visited on time"), "percent", False, figures.on_time_rate, 142),
        Headline("warnings_overdue", _("Open warnings past their deadline"), "count", True, figures.overdue, 143),
        Headline("warnings_escalated", _("Warnings escalated"), "count", False, figures.escalated, 144),
        Headline(
            "found_supported",
            _("Found by monitoring and now supported (主动发现→纳入保障)"),
            "persons",
            False,
            figures.found_supported,
            145,
        ),
    ),
    statistics_tables=figures.TABLES,
    # The phone pages' service worker and web app manifest: no data in them, and the browser fetches them itself.
    public_urls=("monitoring:service_worker", "monitoring:manifest"),
    due_work=(
        DueWork(
            "warning_visit",
            _("Warnings to visit"),
            "monitoring.add_visit",
            items=selectors.visits_due,
            count=selectors.visits_due_count,
            order=15,
        ),
        DueWork(
            "warning_confirm",
            _("Visited warnings to confirm"),
            "monitoring.change_alert",
            items=selectors.confirmations_due,
            count=selectors.confirmations_due_count,
            order=16,
        ),
    ),
    # After the programmes, the window and the exchange's feeds (70), before the statistics (1000).
    demo=(DemoStep(80, _demo_step),),
    # The warning's visit (its own page, monitoring:visit_phone, with the apply/refer/close block); other modules
    # declare their kinds the same way and are recorded on monitoring:visit_kind_phone.
    visit_kinds=(
        VisitKind(
            Visit.Kind.WARNING,
            _("Visit about a warning"),
            "monitoring.add_visit",
            subject=selectors.warning_visit_subject,
            questions=lambda subject: WARNING_VISIT,
            outcomes=True,
        ),
    ),
    person_sections=(
        PersonSection(
            "monitoring", _("Warnings and visits"), "monitoring/_person_section.html", sections.person_section, 60
        ),
    ),
)
