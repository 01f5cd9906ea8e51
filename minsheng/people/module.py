"""The registry (户籍与家庭): residents, households, supporting relatives, disability certificates, changes
confirmed by a second person, bulk imports and duplicates."""

from django.utils.translation import gettext_lazy as _

from minsheng.core.modules import ApiRoute, DemoStep, Module, NavEntry
from minsheng.core.roles import Role
from minsheng.people import selectors
from minsheng.people.api import HouseholdViewSet, PersonViewSet
from minsheng.people.demo import demo_step

# Reading the registry: persons and everything hanging off them.
READ = frozenset(
    {
        "people.view_person",
        "people.view_household",
        "people.view_membership",
        "people.view_disabilitycertificate",
        "people.view_supportingrelative",
        "people.view_changerequest",
    }
)
# Recording residents and households (village workers do it on a resident's behalf, 帮办代办).
WRITE = frozenset(
    {
        "people.add_person",
        "people.change_person",
        "people.add_household",
        "people.change_household",
        "people.add_changerequest",
    }
)
REVEAL = frozenset({"people.reveal_person"})  # seeing full ID, phone and bank numbers (each view audited)
BROWSE = frozenset({"people.browse_person"})  # listing persons without a search criterion
CONFIRM = frozenset({"people.confirm_changerequest"})
ADMIN = frozenset({"people.import_person", "people.view_importjob", "people.merge_person"})

MODULE = Module(
    app_label="people",
    permissions={
        Role.VILLAGE_WORKER: READ | WRITE,
        Role.TOWNSHIP_WINDOW: READ | WRITE | REVEAL,
        Role.TOWNSHIP_REVIEWER: READ | WRITE | REVEAL | CONFIRM,
        Role.COUNTY_APPROVER: READ | WRITE | REVEAL | CONFIRM | BROWSE | ADMIN,
        Role.COUNTY_PAYMENT_OFFICER: READ | REVEAL | BROWSE,
        Role.CITY_ADMIN: READ | BROWSE | ADMIN,
        Role.AUDITOR: READ | BROWSE,
    },
    navigation=(
        NavEntry("people.view_person", "people:search", _("Residents"), "assistance", 50),
        NavEntry("people.view_changerequest", "people:change_requests", _("Changes to confirm"), "manage", 125),
        NavEntry("people.import_person", "people:imports", _("Import"), "manage", 130),
        NavEntry("people.merge_person", "people:duplicates", _("Duplicates"), "manage", 140),
    ),
    audit_actions={
        "people.person_registered": _("Resident registered"),
        "people.person_changed": _("Resident's record changed"),
        "people.person_viewed": _("Resident's file viewed"),
        "people.change_requested": _("Change requested"),
        "people.change_confirmed": _("Change confirmed"),
        "people.change_rejected": _("Change rejected"),
        "people.household_created": _("Household created"),
        "people.member_added": _("Member joined the household"),
        "people.member_removed": _("Member left the household"),
        "people.head_changed": _("Head of household changed"),
        "people.supporting_relative_added": _("Supporting relative recorded"),
        "people.disability_certificate_added": _("Disability certificate recorded"),
        "people.import_started": _("Registry import started"),
        "people.import_finished": _("Registry import finished"),
        "people.person_merged": _("Duplicate records merged"),
    },
    urls=("people/", "minsheng.people.urls"),
    api_routes=(
        ApiRoute("persons", PersonViewSet, "person"),
        ApiRoute("households", HouseholdViewSet, "household"),
    ),
    demo=(DemoStep(10, demo_step),),
    audit_objects={"people.person": selectors.describe_persons, "people.household": selectors.describe_households},
    person_objects=(selectors.person_objects,),
    find_person=selectors.person_lookup,
)
