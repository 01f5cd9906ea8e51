"""The one window (一门受理): consultations, applications of any items, each routed to its department, the
department's inbox, the clock and the overdue list; the window's figures."""

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
)
from minsheng.core.roles import Role
from minsheng.intake import figures, person_file, selectors
from minsheng.intake.demo import demo_step
from minsheng.intake.models import Application, Consultation, ItemCase
from minsheng.intake.selectors import unread_notices

WINDOW = "window"
# The one window: consultations at the village, township and county windows.
WINDOW_WORK = frozenset(
    {
        "intake.add_consultation",
        "intake.view_consultation",
        "intake.add_application",
        "intake.view_application",
        "intake.change_application",
        "intake.view_attachment",
        "intake.view_itemcase",
        "intake.change_itemcase",
    }
)
# A department's inbox: the item cases routed to it (scoped by department as well as area).
DEPARTMENT = frozenset({"intake.view_itemcase", "intake.decide_itemcase"})

MODULE = Module(
    app_label="intake",
    permissions={
        Role.VILLAGE_WORKER: WINDOW_WORK,
        Role.TOWNSHIP_WINDOW: WINDOW_WORK,
        Role.TOWNSHIP_REVIEWER: WINDOW_WORK,
        Role.COUNTY_APPROVER: WINDOW_WORK,
        Role.DEPARTMENT_HANDLER: DEPARTMENT,
        Role.CITY_ADMIN: {"intake.view_consultation"},
        Role.AUDITOR: {"intake.view_consultation"},
    },
    nav_groups=(NavGroup(WINDOW, _("One window"), 100),),
    navigation=(
        NavEntry("intake.add_application", "intake:application_new", _("New application"), WINDOW, 10),
        NavEntry("intake.view_itemcase", "intake:inbox", _("Items in progress"), WINDOW, 20),
        NavEntry("intake.view_application", "intake:application_list", _("Application list"), WINDOW, 15),
        NavEntry("intake.view_itemcase", "intake:overdue", _("Overdue"), WINDOW, 30),
        NavEntry("intake.view_consultation", "intake:consultations", _("Consultations"), WINDOW, 40),
    ),
    badges={"notices": unread_notices},
    due_work=(
        DueWork(
            "intake_receive",
            _("Items to receive"),
            "intake.decide_itemcase",
            items=selectors.receive_due,
            count=selectors.receive_count,
            order=10,
        ),
        DueWork(
            "intake_decide",
            _("Items to decide"),
            "intake.decide_itemcase",
            items=selectors.decide_due,
            count=selectors.decide_count,
            order=20,
        ),
        DueWork(
            "intake_materials",
            _("Materials awaited"),
            "intake.change_itemcase",
            items=selectors.materials_due,
            count=selectors.materials_count,
            order=30,
        ),
    ),
    audit_actions={
        "intake.consultation_recorded": _("Consultation recorded"),
        "intake.application_submitted": _("Application submitted"),
        "intake.online_signed_in": _("Resident signed in online"),
        "intake.case_received": _("Item received by the department"),
        "intake.case_decided": _("Item decided"),
        "intake.case_transferred": _("Item transferred to another department"),
        "intake.materials_requested": _("Materials requested"),
        "intake.materials_received": _("Materials received"),
        "intake.materials_reminded": _("Reminded of materials still missing"),
        "intake.attachment_added": _("Document uploaded"),
        "intake.attachment_viewed": _("Document viewed"),
        "intake.receipt_printed": _("Receipt printed"),
        "intake.materials_notice_printed": _("Notice of missing materials printed"),
        "intake.decision_notice_printed": _("Item decision notice printed"),
    },
    urls=("window/", "minsheng.intake.urls"),
    # The online channel is for residents, not staff: its own session gate is tested in intake/tests.
    public_urls=(
        "intake:online_start",
        "intake:online_verify",
        "intake:online_home",
        "intake:online_logout",
        "intake:online_upload",
    ),
    statistics=(
        StatisticsFamily(
            "window",
            figures.INDICATORS,
            # A temporary-assistance payment decides its window item too.
            changed_by=("intake.", "assistance."),
            compute=figures.window_cells,
            tables=(Consultation, Application, ItemCase),
        ),
    ),
    headlines=(
        Headline("consultations", _("Policy consultations handled"), "count", False, figures.consultations, 70),
        Headline("applications", _("Assistance applications handled"), "count", False, figures.applications, 80),
        Headline("items_decided", _("One-window items decided"), "count", False, figures.items_decided, 90),
        Headline("on_time_rate", _("Items decided on time"), "percent", False, figures.on_time_rate, 100),
    ),
    demo=(DemoStep(30, demo_step),),
    person_sections=(
        PersonSection(
            "applications",
            _("Applications and items"),
            "intake/_person_applications.html",
            person_file.applications_section,
            10,
        ),
        PersonSection(
            "consultations",
            _("Consultations"),
            "intake/_person_consultations.html",
            person_file.consultations_section,
            80,
        ),
        PersonSection("documents", _("Documents"), "intake/_person_documents.html", person_file.documents_section, 90),
    ),
    audit_objects={
        "intake.application": person_file.describe_applications,
        "intake.itemcase": person_file.describe_cases,
        "intake.attachment": person_file.describe_attachments,
    },
    person_objects=(person_file.person_objects,),
)
