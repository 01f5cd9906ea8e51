"""Funeral services (殡葬), DOMAIN §6.6: facilities, price catalogues and filings (价格备案) reviewed by the bureau and
shown publicly with their history, public reports of overcharging, funeral cases and cremations (the death feed's
hook), the 惠民殡葬 waiver checked against the platform's own records and settled monthly with the funeral home."""

from django.utils.translation import gettext_lazy as _

from minsheng.core.modules import (
    DemoStep,
    DueWork,
    Headline,
    Module,
    NavEntry,
    NavGroup,
    PersonSection,
    RoleSpec,
    StatisticsFamily,
)
from minsheng.core.roles import Role
from minsheng.funeral import figures, selectors
from minsheng.funeral.demo import demo_step
from minsheng.funeral.models import Facility, PriceFiling, Waiver

FUNERAL = "funeral"
STAFF = "funeral_staff"

# What every staff account reads beside its own work: divisions, the catalogue, the calendar, the rules in force.
BASE = frozenset(
    {"areas.view_division", "catalog.view_item", "workdays.view_calendaryear", "assistance.view_parameter"}
)
READ = frozenset(
    {
        "funeral.view_facility",
        "funeral.view_priceitem",
        "funeral.view_pricefiling",
        "funeral.view_funeralcase",
        "funeral.view_waiver",
        "funeral.view_settlement",
    }
)
# A facility's own staff: its catalogue, its filings, its cases with their cremation and waiver; its settlements.
FACILITY_WORK = READ | {
    "funeral.add_priceitem",
    "funeral.add_pricefiling",
    "funeral.add_funeralcase",
    "funeral.change_funeralcase",
    "funeral.add_waiver",
}
COMPLAINTS = frozenset({"funeral.view_complaint"})

MODULE = Module(
    app_label="funeral",
    roles=(
        RoleSpec(STAFF, _("Funeral facility staff"), frozenset({"county"}), organisation="funeral.facility", order=120),
    ),
    permissions={
        STAFF: BASE | FACILITY_WORK,
        # The county civil-affairs bureau reviews filings, answers reports and approves settlements (the checker).
        Role.COUNTY_APPROVER: READ
        | COMPLAINTS
        | {"funeral.review_pricefiling", "funeral.change_complaint", "funeral.approve_settlement"},
        # The payment officer prepares the monthly settlement (the maker) and records its payment.
        Role.COUNTY_PAYMENT_OFFICER: READ | {"funeral.add_settlement", "funeral.pay_settlement"},
        Role.CITY_ADMIN: READ | COMPLAINTS | {"funeral.add_facility"},
        Role.AUDITOR: READ | COMPLAINTS,
    },
    nav_groups=(NavGroup(FUNERAL, _("Funeral services"), 310),),
    navigation=(
        NavEntry("funeral.view_facility", "funeral:facility_list", _("Funeral facilities"), FUNERAL, 104),
        NavEntry("funeral.view_pricefiling", "funeral:filing_list", _("Price filings"), FUNERAL, 105),
        NavEntry("funeral.view_funeralcase", "funeral:case_list", _("Funeral cases"), FUNERAL, 106),
        NavEntry("funeral.view_settlement", "funeral:settlement_list", _("Waiver settlements"), FUNERAL, 107),
        NavEntry("funeral.view_complaint", "funeral:complaint_list", _("Price reports"), FUNERAL, 108),
    ),
    audit_actions={
        "funeral.facility_created": _("Funeral facility added"),
        "funeral.item_added": _("Price item added"),
        "funeral.filing_submitted": _("Prices filed"),
        "funeral.filing_accepted": _("Price filing accepted"),
        "funeral.filing_returned": _("Price filing returned"),
        "funeral.report_received": _("Price report received"),
        "funeral.report_answered": _("Price report answered"),
        "funeral.case_registered": _("Funeral case registered"),
        "funeral.cremated": _("Cremation recorded"),
        "funeral.waiver_registered": _("Funeral fees waived (惠民殡葬)"),
        "funeral.settlement_prepared": _("Funeral settlement prepared"),
        "funeral.settlement_approved": _("Funeral settlement approved"),
        "funeral.settlement_paid": _("Funeral settlement paid"),
    },
    urls=("funeral/", "minsheng.funeral.urls"),
    # Filed prices are displayed to everyone (明码标价) and anyone may report a price problem, without an account.
    public_urls=("funeral:public_cemeteries", "funeral:public_cemetery", "funeral:public_report"),
    statistics=(
        StatisticsFamily(
            "funeral",
            figures.INDICATORS,
            changed_by=("funeral.filing_", "funeral.facility_", "funeral.waiver_"),
            compute=figures.funeral_cells,
            tables=(Facility, PriceFiling, Waiver),
        ),
    ),
    headlines=(
        Headline(
            "cemeteries_filed",
            _("Commercial cemeteries with filed prices"),
            "count",
            True,
            figures.cemeteries_filed,
            130,
        ),
    ),
    # Before the payroll history (40): the deceased leave the rolls first.
    demo=(DemoStep(35, demo_step),),
    due_work=(
        DueWork(
            "funeral_filing",
            _("Price filings to review"),
            "funeral.review_pricefiling",
            items=selectors.filings_due,
            count=selectors.filings_due_count,
            order=320,
        ),
        DueWork(
            "funeral_complaint",
            _("Price reports near their deadline"),
            "funeral.change_complaint",
            items=selectors.complaints_due,
            count=selectors.complaints_due_count,
            order=330,
        ),
    ),
    person_sections=(
        PersonSection("funeral", _("Funeral"), "funeral/_person_funeral.html", selectors.person_funeral_section, 75),
    ),
    person_objects=(selectors.person_objects,),
)
