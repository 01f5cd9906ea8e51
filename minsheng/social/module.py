"""Social organisations and social work (五社联动 without the volunteers, DOMAIN §6.6): the registry of social
organisations (社会团体, 民办非企业单位, 基金会, 社区社会组织) with their credit codes checked to GB 32100-2015, annual
reports and inspections, evaluation grades and charity status; community service centres and township social-work
stations; social workers and their licences; charity projects that accept referrals and their donations."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext_lazy as _

from minsheng.core.modules import DemoStep, Headline, Module, NavEntry, NavGroup, RoleSpec, StatisticsFamily
from minsheng.core.roles import Role
from minsheng.social import figures
from minsheng.social.models import Organisation, SocialWorker, Station

SOCIAL = "social"
ADMIN = "social_admin"

BASE = frozenset(
    {"areas.view_division", "catalog.view_item", "workdays.view_calendaryear", "assistance.view_parameter"}
)
READ = frozenset(
    {
        "social.view_organisation",
        "social.view_annualreport",
        "social.view_station",
        "social.view_socialworker",
        "social.view_charityproject",
    }
)
# The registrar's work: organisations and their reports, centres and stations, social workers, charity projects and
# what donors gave (donors are often persons: only the administrators and the auditor read them one by one).
EDIT = READ | {
    "social.add_organisation",
    "social.change_organisation",
    "social.change_annualreport",
    "social.add_station",
    "social.change_station",
    "social.add_socialworker",
    "social.change_socialworker",
    "social.add_charityproject",
    "social.change_charityproject",
    "social.view_donation",
}


def _demo_step(scale: float, seed: int, say: Callable[[str], None]) -> str | None:
    from minsheng.social.demo import demo_step

    return demo_step(scale, seed, say)


MODULE = Module(
    app_label="social",
    roles=(
        # The civil-affairs bureau's (or the township's) administrator of social organisations and social work.
        RoleSpec(ADMIN, _("Social organisation administrator"), frozenset({"city", "county", "township"}), order=130),
    ),
    permissions={
        ADMIN: BASE | EDIT,
        Role.CITY_ADMIN: EDIT,
        Role.VILLAGE_WORKER: READ,
        Role.TOWNSHIP_WINDOW: READ,
        Role.TOWNSHIP_REVIEWER: READ,
        Role.COUNTY_APPROVER: READ,
        Role.AUDITOR: READ | {"social.view_donation"},
    },
    nav_groups=(NavGroup(SOCIAL, _("Five partners together"), 320),),
    navigation=(
        NavEntry("social.view_organisation", "social:organisation_list", _("Social organisations"), SOCIAL, 116),
        NavEntry("social.view_station", "social:station_list", _("Service centres and stations"), SOCIAL, 117),
        NavEntry("social.view_socialworker", "social:worker_list", _("Social workers"), SOCIAL, 118),
        NavEntry("social.view_charityproject", "social:project_list", _("Charity projects"), SOCIAL, 119),
    ),
    audit_actions={
        "social.organisation_registered": _("Social organisation registered"),
        "social.organisation_ended": _("Social organisation deregistered"),
        "social.organisation_graded": _("Social organisation evaluated"),
        "social.charity_status": _("Charity status recorded"),
        "social.report_submitted": _("Annual report recorded"),
        "social.report_inspected": _("Annual report inspected"),
        "social.station_opened": _("Service centre or station opened"),
        "social.centre_assessed": _("Service centre assessed against the standard"),
        "social.worker_registered": _("Social worker recorded"),
        "social.worker_left": _("Social worker left"),
        "social.project_added": _("Charity project added"),
        "social.donation_recorded": _("Donation recorded"),
    },
    urls=("social/", "minsheng.social.urls"),
    # The registry of social organisations is public (their registration is published), searchable without an account.
    public_urls=("social:public_list", "social:public_detail"),
    statistics=(
        StatisticsFamily(
            "social",
            figures.INDICATORS,
            changed_by=(
                "social.organisation_",
                "social.station_",
                "social.centre_",
                "social.worker_",
            ),
            compute=figures.social_cells,
            tables=(Organisation, Station, SocialWorker),
        ),
    ),
    headlines=(
        Headline("social_organisations", _("Social organisations"), "count", True, figures.organisations, 700),
        Headline(
            "community_social_organisations",
            _("Community social organisations"),
            "count",
            True,
            figures.community_organisations,
            701,
        ),
        Headline("social_workers", _("Licensed social workers"), "persons", True, figures.workers, 702),
        Headline(
            "community_centres",
            _("Communities with a standard service centre"),
            "count",
            True,
            figures.centres,
            703,
        ),
    ),
    # After the caseload and the monitoring (80), before the volunteers (who take tasks as organisations) and the
    # statistics (1000). It needs only the divisions.
    demo=(DemoStep(85, _demo_step),),
)
