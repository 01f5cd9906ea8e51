"""Department data exchange (DOMAIN §5): the departments' data sources with their record layouts, feeds received by
file or from the departments' own systems over the API (each with its own key), matched to the registry; a death or
a move away in a feed goes to the registry as a change request that a second user confirms (and the benefits
subscribed to the registry stop)."""

from collections.abc import Callable

from django.utils.translation import gettext_lazy as _

from minsheng.core.modules import ApiRoute, DemoStep, DueWork, Module, NavEntry, NavGroup, PersonSection, RoleSpec
from minsheng.core.roles import Role
from minsheng.exchange import sections, selectors
from minsheng.exchange.api import FeedViewSet, VerificationViewSet

EXCHANGE = "exchange"
OFFICER = "verification_officer"

BASE = frozenset(
    {"areas.view_division", "catalog.view_item", "workdays.view_calendaryear", "assistance.view_parameter"}
)
READ = frozenset({"exchange.view_datasource", "exchange.view_feed", "exchange.view_feedrecord"})
# The 授权书: recorded where the family signs (village, township window), ended by the township reviewer or county.
AUTH_READ = frozenset({"exchange.view_authorisation"})
AUTH_RECORD = AUTH_READ | {"exchange.add_authorisation"}
AUTH_END = AUTH_READ | {"exchange.change_authorisation"}
# The monthly verification: the officer starts it; townships and counties review the households its findings concern.
CHECKS = frozenset({"exchange.view_monthlycheck", "exchange.view_finding"})
FINDINGS_WORK = frozenset({"exchange.view_finding", "exchange.change_finding"})
# The 核对 of one household: the township files the request and objections; the county centre reviews, dispatches,
# reads the outbound query files and receives the answers; the county approver reads the reports.
VERIFY_READ = frozenset({"exchange.view_verification"})
VERIFY_REQUEST = VERIFY_READ | {"exchange.add_verification"}
VERIFY_HANDLE = VERIFY_READ | {"exchange.change_verification"}
CLIENTS = frozenset(
    {"exchange.view_departmentclient", "exchange.add_departmentclient", "exchange.change_departmentclient"}
)


def _demo_step(scale: float, seed: int, say: Callable[[str], None]) -> str | None:
    from minsheng.exchange.demo import demo_step  # the demo reads the services, which read this module's roles

    return demo_step(scale, seed, say)


MODULE = Module(
    app_label="exchange",
    roles=(RoleSpec(OFFICER, _("Verification centre officer"), frozenset({"city", "county"}), order=130),),
    permissions={
        OFFICER: BASE
        | READ
        | AUTH_READ
        | CHECKS
        | VERIFY_HANDLE
        | {"exchange.add_feed", "exchange.view_feedrejection", "exchange.add_monthlycheck"}
        | {"people.view_person", "people.view_household"},
        Role.CITY_ADMIN: READ | CLIENTS | CHECKS | VERIFY_READ,
        Role.VILLAGE_WORKER: AUTH_RECORD,
        Role.TOWNSHIP_WINDOW: AUTH_RECORD | VERIFY_REQUEST,
        Role.TOWNSHIP_REVIEWER: AUTH_END | FINDINGS_WORK | VERIFY_REQUEST | {"exchange.view_feedrecord"},
        Role.COUNTY_APPROVER: AUTH_END | FINDINGS_WORK | VERIFY_READ | {"exchange.view_feedrecord"},
        Role.AUDITOR: READ | AUTH_READ | CHECKS | VERIFY_READ | {"exchange.view_departmentclient"},
    },
    nav_groups=(NavGroup(EXCHANGE, _("Data exchange"), 250),),
    navigation=(
        NavEntry("exchange.view_feed", "exchange:feed_list", _("Department feeds"), EXCHANGE, 111),
        NavEntry("exchange.view_datasource", "exchange:source_list", _("Data sources"), EXCHANGE, 112),
        NavEntry("exchange.view_monthlycheck", "exchange:check_list", _("Monthly verification"), EXCHANGE, 113),
        NavEntry("exchange.view_finding", "exchange:finding_list", _("Verification findings"), EXCHANGE, 114),
        NavEntry(
            "exchange.view_verification", "exchange:verification_list", _("Household verifications"), EXCHANGE, 115
        ),
        NavEntry("exchange.view_departmentclient", "exchange:client_list", _("Department clients"), "manage", 176),
    ),
    audit_actions={
        "exchange.client_created": _("Department client created"),
        "exchange.key_issued": _("Department client key issued"),
        "exchange.client_revoked": _("Department client revoked"),
        "exchange.client_changed": _("Department client changed"),
        "exchange.feed_received": _("Department feed received"),
        "exchange.feed_rejected": _("Department feed refused"),
        "exchange.feed_resent": _("Department feed sent again (nothing changed)"),
        "exchange.feed_read": _("Department feed read by its client"),
        "exchange.feed_viewed": _("Department feed viewed"),
        "exchange.authorisation_recorded": _("Verification authorisation recorded"),
        "exchange.authorisation_ended": _("Verification authorisation ended"),
        "exchange.person_queried": _("Departments' data on a person queried"),
        "exchange.monthly_check_started": _("Monthly verification started"),
        "exchange.monthly_check_done": _("Monthly verification done"),
        "exchange.finding_closed": _("Verification finding closed"),
        "exchange.verification_requested": _("Verification requested"),
        "exchange.verification_returned": _("Verification request returned"),
        "exchange.verification_dispatched": _("Verification queries dispatched"),
        "exchange.query_file_read": _("Verification query file read"),
        "exchange.verification_reported": _("Verification report issued"),
        "exchange.report_viewed": _("Verification report viewed"),
        "exchange.verification_refused": _("Verification request of a department's system refused"),
        "exchange.verification_read": _("Verification read by the department's system that requested it"),
        "exchange.verifications_listed": _("Verifications listed by the department's system that requested them"),
    },
    urls=("exchange/", "minsheng.exchange.urls"),
    # After the payroll, temporary assistance and relief (70): the feeds concern the present registry and caseload.
    demo=(DemoStep(70, _demo_step),),
    # The departments' systems sign in with their own keys (api.ClientKeyAuthentication), not as staff.
    public_urls=(
        "api:exchange-feed-list",
        "api:exchange-feed-detail",
        "api:exchange-verification-list",
        "api:exchange-verification-detail",
    ),
    api_routes=(
        ApiRoute("exchange/feeds", FeedViewSet, "exchange-feed"),
        ApiRoute("exchange/verifications", VerificationViewSet, "exchange-verification"),
    ),
    due_work=(
        DueWork(
            "verification_finding",
            _("Verification findings to review"),
            "exchange.change_finding",
            items=selectors.findings_due,
            count=selectors.findings_due_count,
            order=250,
        ),
        DueWork(
            "verification_request",
            _("Verification requests to review"),
            "exchange.change_verification",
            items=selectors.verifications_due,
            count=selectors.verifications_due_count,
            order=251,
        ),
    ),
    person_sections=(
        PersonSection(
            "exchange", _("Department data"), "exchange/_person_section.html", sections.person_section, order=450
        ),
    ),
)
