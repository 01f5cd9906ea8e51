"""Elderly care (养老服务, DOMAIN §6.4–6.5): the registry of care facilities and their residents (集中供养 linked to
the programme's 特困 benefit), the 特殊困难老年人 list derived from the registry and the programmes with a care plan
each, providers and their contracts, the month's service orders, the visits of the providers' workers, compliance,
the providers' settlements, and 尊老金's liveness and death checks."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext_lazy as _

from minsheng.core.modules import (
    DemoStep,
    DueWork,
    Headline,
    Module,
    NavEntry,
    NavGroup,
    RegistryEvent,
    RoleSpec,
    StatisticsFamily,
    VisitKind,
)
from minsheng.core.roles import Role
from minsheng.eldercare import figures, selectors, visits
from minsheng.eldercare.models import Elder, Facility, OrderLine

ELDERCARE = "eldercare"
STAFF = "eldercare_provider_staff"

BASE = frozenset(
    {"areas.view_division", "catalog.view_item", "workdays.view_calendaryear", "assistance.view_parameter"}
)
REGISTRY = frozenset({"eldercare.view_facility", "eldercare.view_inspection", "eldercare.view_residency"})
CARE = frozenset(
    {
        "eldercare.view_elder",
        "eldercare.view_careitem",
        "eldercare.view_circumstance",
        "eldercare.view_serviceorder",
        "eldercare.view_orderline",
        "eldercare.view_servicevisit",
        "eldercare.view_uncoveredneed",
    }
)
# Providers, their contracts and settlements belong to the county that registered them: county roles and above.
PROVIDERS = frozenset({"eldercare.view_provider", "eldercare.view_contract", "eldercare.view_settlement"})
OLD_AGE = frozenset({"eldercare.view_livenesscheck", "eldercare.view_deathfinding"})
READ = REGISTRY | CARE | OLD_AGE
COUNTY_READ = READ | PROVIDERS
# A provider's worker: its provider's order lines (what a visit needs of the person) and its own visits; nothing of
# the registry, the list or any person's file.
PROVIDER_WORK = frozenset(
    {
        "eldercare.view_provider",
        "eldercare.view_serviceorder",
        "eldercare.view_orderline",
        "eldercare.view_servicevisit",
        "eldercare.add_servicevisit",
        "eldercare.view_settlement",
    }
)


def _demo_step(scale: float, seed: int, say: Callable[[str], None]) -> str | None:
    from minsheng.eldercare.demo import demo_step  # the demo reads the services, which read the programmes

    return demo_step(scale, seed, say)


def _need_done(done: object) -> None:
    from minsheng.eldercare.services import need_done_subscriber

    need_done_subscriber(done)


def _person_gone(change: object) -> None:
    from minsheng.eldercare.services import person_gone_subscriber

    person_gone_subscriber(change)  # type: ignore[arg-type]


MODULE = Module(
    app_label="eldercare",
    roles=(
        RoleSpec(STAFF, _("Care provider staff"), frozenset({"county"}), organisation="eldercare.provider", order=125),
    ),
    permissions={
        STAFF: BASE | PROVIDER_WORK,
        Role.VILLAGE_WORKER: READ | {"eldercare.add_circumstance", "eldercare.change_livenesscheck"},
        Role.TOWNSHIP_WINDOW: READ
        | {"eldercare.add_circumstance", "eldercare.add_residency", "eldercare.change_residency"},
        # The township verifies flagged visits, acknowledges missed ones, inspects the facilities of its area.
        Role.TOWNSHIP_REVIEWER: READ
        | {"eldercare.change_servicevisit", "eldercare.change_orderline", "eldercare.add_inspection"},
        # The county registers facilities and providers, signs contracts, approves settlements (the checker) and
        # stops a 尊老金 the death check found.
        Role.COUNTY_APPROVER: COUNTY_READ
        | {
            "eldercare.add_facility",
            "eldercare.add_inspection",
            "eldercare.add_provider",
            "eldercare.add_contract",
            "eldercare.approve_settlement",
            "eldercare.change_deathfinding",
        },
        # The payment officer prepares the settlement (the maker) and records its payment.
        Role.COUNTY_PAYMENT_OFFICER: frozenset(
            {
                "eldercare.view_provider",
                "eldercare.view_contract",
                "eldercare.view_settlement",
                "eldercare.add_settlement",
                "eldercare.pay_settlement",
            }
        ),
        Role.CITY_ADMIN: COUNTY_READ | {"eldercare.add_facility", "eldercare.add_serviceorder"},
        Role.AUDITOR: COUNTY_READ,
    },
    nav_groups=(NavGroup(ELDERCARE, _("Elderly care"), 320),),
    navigation=(
        NavEntry("eldercare.view_facility", "eldercare:facility_list", _("Care facilities"), ELDERCARE, 109),
        NavEntry("eldercare.view_elder", "eldercare:elder_list", _("Old people in need of care"), ELDERCARE, 109),
        NavEntry("eldercare.view_provider", "eldercare:provider_list", _("Care providers"), ELDERCARE, 109),
        NavEntry("eldercare.add_servicevisit", "eldercare:my_visits", _("My care visits"), ELDERCARE, 109),
        NavEntry("eldercare.view_elder", "eldercare:compliance", _("Care visits compliance"), ELDERCARE, 109),
        NavEntry("eldercare.change_servicevisit", "eldercare:verify_list", _("Care visits to verify"), ELDERCARE, 109),
        NavEntry(
            "eldercare.view_uncoveredneed", "eldercare:need_list", _("Care needs without a provider"), ELDERCARE, 109
        ),
        NavEntry("eldercare.view_settlement", "eldercare:settlement_list", _("Care settlements"), ELDERCARE, 109),
        NavEntry("eldercare.view_livenesscheck", "eldercare:liveness_list", _("尊老金 checks"), ELDERCARE, 109),
    ),
    audit_actions={
        "eldercare.facility_registered": _("Care facility registered"),
        "eldercare.inspection_recorded": _("Care facility inspection recorded"),
        "eldercare.resident_admitted": _("Resident admitted to a care institution"),
        "eldercare.resident_left": _("Resident left a care institution"),
        "eldercare.circumstance_recorded": _("Old person's circumstance recorded"),
        "eldercare.targets_refreshed": _("Care list refreshed"),
        "eldercare.provider_registered": _("Care provider registered"),
        "eldercare.contract_signed": _("Care contract signed"),
        "eldercare.orders_generated": _("Care service orders generated"),
        "eldercare.need_met": _("Care need without a provider met by volunteers"),
        "eldercare.visit_recorded": _("Care visit recorded"),
        "eldercare.visit_verified": _("Care visit verified"),
        "eldercare.visit_rejected": _("Care visit rejected"),
        "eldercare.missed_acknowledged": _("Missed care visits acknowledged"),
        "eldercare.settlement_prepared": _("Care settlement prepared"),
        "eldercare.settlement_approved": _("Care settlement approved"),
        "eldercare.settlement_paid": _("Care settlement paid"),
        "eldercare.liveness_opened": _("尊老金 liveness checks opened"),
        "eldercare.liveness_confirmed": _("尊老金 liveness check recorded"),
        "eldercare.deaths_checked": _("尊老金 death check run"),
        "eldercare.death_handled": _("尊老金 death finding handled"),
    },
    urls=("eldercare/", "minsheng.eldercare.urls"),
    statistics=(
        StatisticsFamily(
            "eldercare",
            figures.INDICATORS,
            changed_by=("eldercare.",),
            compute=figures.eldercare_cells,
            tables=(Facility, Elder, OrderLine),
        ),
    ),
    headlines=(
        Headline("care_institutions", _("Care institutions"), "count", True, figures.institutions, 150),
        Headline("care_rural_centres", _("Rural regional care centres"), "count", True, figures.rural_centres, 151),
        Headline("care_medical_homes", _("Medical-care homes"), "count", True, figures.medical_homes, 152),
        Headline("care_stations", _("Home and community care stations"), "count", True, figures.stations, 153),
        Headline("care_day_centres", _("Day-care centres"), "count", True, figures.day_centres, 154),
        Headline("home_care_elderly", _("Old people under home-visit care"), "persons", True, figures.elders, 155),
        Headline("care_on_time_rate", _("Care visits delivered on time"), "percent", False, figures.on_time_rate, 156),
    ),
    statistics_tables=figures.TABLES,
    due_work=(
        DueWork(
            "care_visit",
            _("Care visits to make"),
            "eldercare.add_servicevisit",
            items=selectors.visits_due,
            count=selectors.visits_due_count,
            order=30,
        ),
        DueWork(
            "care_village",
            _("Care visits owed in the village"),
            "eldercare.add_circumstance",
            items=selectors.village_due,
            count=selectors.village_due_count,
            order=31,
        ),
        DueWork(
            "care_verify",
            _("Care visits to verify"),
            "eldercare.change_servicevisit",
            items=selectors.verify_due,
            count=selectors.verify_count,
            order=32,
        ),
        DueWork(
            "care_missed",
            _("Care visits missed"),
            "eldercare.change_orderline",
            items=selectors.missed_due,
            count=selectors.missed_count,
            order=33,
        ),
        DueWork(
            "liveness",
            _("尊老金 liveness checks"),
            "eldercare.change_livenesscheck",
            items=selectors.liveness_items,
            count=selectors.liveness_count,
            order=34,
        ),
        DueWork(
            "death_check",
            _("尊老金 paid after a reported death"),
            "eldercare.change_deathfinding",
            items=selectors.death_items,
            count=selectors.death_count,
            order=35,
        ),
    ),
    subscribers={
        RegistryEvent.PERSON_DIED: (_person_gone,),
        RegistryEvent.PERSON_MOVED_AWAY: (_person_gone,),
        # What 五社联动 made of a need no provider covers (the task's source: "eldercare", "uncovered", key).
        "volunteers.task_done": (_need_done,),
    },
    # A provider worker's visit of an order line on monitoring's phone page (offline, photos before and after).
    visit_kinds=(
        VisitKind(
            visits.KIND,
            _("Home care visit"),
            "eldercare.add_servicevisit",
            subject=visits.subject,
            questions=visits.questions,
            photo_stages=("before", "after"),
            timed=True,
            receive=visits.receive,
        ),
    ),
    # After the programmes, the exchange and monitoring (80), before the statistics (1000).
    demo=(DemoStep(82, _demo_step),),
)
