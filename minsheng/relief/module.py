"""The relief station (流浪乞讨救助) and family tracing (寻亲), DOMAIN §6.3: admissions, stays and departures,
tracing with its public announcement, reunification and resettlement into the registry (with the 特困 application
through the one window and the programmes), patrols and seasonal campaigns; person-times helped and persons reunited."""

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
from minsheng.relief import figures, selectors
from minsheng.relief.demo import demo_step
from minsheng.relief.models import Admission, Tracing

RELIEF = "relief"
STAFF = "relief_staff"

# What every staff account reads beside its own work: divisions, the catalogue, the calendar, the rules in force.
BASE = frozenset(
    {"areas.view_division", "catalog.view_item", "workdays.view_calendaryear", "assistance.view_parameter"}
)
READ = frozenset(
    {
        "relief.view_station",
        "relief.view_admission",
        "relief.view_tracing",
        "relief.view_patrol",
    }
)
STATION_WORK = READ | {
    "relief.add_admission",
    "relief.change_admission",
    "relief.change_tracing",
    "relief.add_patrol",
}

MODULE = Module(
    app_label="relief",
    roles=(RoleSpec(STAFF, _("Relief station staff"), frozenset({"county"}), order=110),),
    permissions={
        STAFF: BASE | STATION_WORK,
        # 落户安置 is the county civil-affairs bureau's decision: it registers the person, takes the 特困 application.
        Role.COUNTY_APPROVER: READ | {"relief.resettle_tracing"},
        Role.CITY_ADMIN: READ | {"relief.add_station"},
        Role.AUDITOR: READ,
    },
    nav_groups=(NavGroup(RELIEF, _("Relief station"), 300),),
    navigation=(
        NavEntry("relief.view_admission", "relief:admission_list", _("Admissions"), RELIEF, 102),
        NavEntry("relief.view_patrol", "relief:patrol_list", _("Patrols and campaigns"), RELIEF, 103),
        NavEntry("relief.view_station", "relief:station_list", _("Relief stations"), "manage", 175),
    ),
    audit_actions={
        "relief.station_created": _("Relief station added"),
        "relief.admitted": _("Admitted to the relief station"),
        "relief.services_recorded": _("Services given recorded"),
        "relief.stay_extended": _("Stay extended"),
        "relief.belonging_recorded": _("Belonging recorded"),
        "relief.departed": _("Departure from the relief station"),
        "relief.check_requested": _("Tracing check requested"),
        "relief.check_result": _("Tracing check result recorded"),
        "relief.announcement_published": _("Tracing announcement published"),
        "relief.reunited": _("Reunited with family"),
        "relief.resettled": _("Resettled (落户安置)"),
        "relief.patrol_recorded": _("Patrol recorded"),
    },
    urls=("relief/", "minsheng.relief.urls"),
    # The tracing announcements are public by law's purpose: anyone may open them without an account.
    public_urls=("relief:public_announcements", "relief:public_announcement", "relief:public_photo"),
    statistics=(
        StatisticsFamily(
            "relief",
            figures.INDICATORS,
            changed_by=("relief.",),
            compute=figures.relief_cells,
            tables=(Admission, Tracing),
        ),
    ),
    headlines=(
        Headline("vagrants_helped", _("Vagrants helped"), "person_times", False, figures.helped, 120),
        Headline(
            "vagrants_reunited", _("Vagrants reunited with their families"), "persons", False, figures.reunited, 121
        ),
    ),
    demo=(DemoStep(60, demo_step),),
    due_work=(
        DueWork(
            "relief_stay",
            _("Stays reaching their limit"),
            "relief.change_admission",
            items=selectors.stays_due,
            count=selectors.stays_due_count,
            order=300,
        ),
        DueWork(
            "relief_announcement",
            _("Tracing announcements to publish"),
            "relief.change_tracing",
            items=selectors.announcements_due,
            count=selectors.announcements_due_count,
            order=310,
        ),
    ),
    person_sections=(
        PersonSection(
            "relief",
            _("Relief station stays"),
            "relief/_person_admissions.html",
            selectors.person_admissions_section,
            70,
        ),
    ),
    person_objects=(selectors.person_objects,),
)
