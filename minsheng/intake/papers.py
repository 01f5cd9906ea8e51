"""The papers the one window hands out (DOMAIN §4): the 受理回执 of an application, the 一次性告知单 of the materials
still missing, and the notice of a department's decision on an item; built here, drawn by ``core.pdf``."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ParamSpec

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from minsheng.core.pdf import Block, Notice
from minsheng.intake.models import Application, ItemCase

P = ParamSpec("P")


def _in_chinese(build: Callable[P, Notice]) -> Callable[P, Notice]:
    """Papers are written in Chinese whatever the page's language."""

    @functools.wraps(build)
    def built(*args: P.args, **kwargs: P.kwargs) -> Notice:
        with translation.override("zh-hans"):
            return build(*args, **kwargs)

    return built


def _when(moment: Any) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


def _applicant_facts(application: Application) -> list[tuple[str, str]]:
    person = application.person
    return [
        (_("Receipt number"), application.receipt_number),
        (_("Applicant"), person.name),
        (_("ID number"), person.id_masked),
        (_("Submitted at"), _when(application.submitted_at)),
    ]


@_in_chinese
def receipt(application: Application, cases: list[ItemCase]) -> Notice:
    """受理回执: what was applied for, where each item went and by when it is decided."""
    channel = application.get_channel_display()
    if application.on_behalf:
        channel = _("%(channel)s, applied for by a worker on the applicant's behalf (帮办代办)") % {"channel": channel}
    rows = [[_("Item"), _("Department"), _("Status"), _("To be decided by")]]
    for case in cases:
        deadline = f"{case.deadline:%Y-%m-%d}" if case.deadline else _("When the materials are complete")
        rows.append([case.item.name, case.department.name, str(case.get_status_display()), deadline])
    return Notice(
        title=_("Receipt of the application (受理回执)"),
        addressee=application.person.name,
        facts=[*_applicant_facts(application), (_("Channel"), str(channel))],
        blocks=[Block(_("Items applied for"), rows, widths=(60, 45, 30, 35))],
        closing=_(
            "Keep this receipt. With its number you can ask about the progress at any window or online. The time "
            "limits are counted in working days; they stop while materials are awaited."
        ),
        issuer=_("Window (seal)"),
    )


@_in_chinese
def materials_notice(application: Application, cases: list[ItemCase]) -> Notice:
    """一次性告知单: every material still missing, for every item, on one paper, so that one more visit is enough."""
    rows = [[_("Item"), _("Material still missing")]]
    for case in cases:
        if case.status == ItemCase.Status.WAITING_MATERIALS:
            rows += [[case.item.name, str(material)] for material in case.missing_materials]
    if len(rows) == 1:
        rows.append([_("None"), _("The materials are complete.")])
    return Notice(
        title=_("One-time notice of missing materials (一次性告知单)"),
        addressee=application.person.name,
        facts=_applicant_facts(application),
        blocks=[Block(_("Materials to bring"), rows, widths=(70, 100))],
        closing=_(
            "Bring all the materials listed at once, to any window, or upload them online. The time limit runs again "
            "from the day they are complete; nothing else will be asked for these items."
        ),
        issuer=_("Window (seal)"),
    )


@_in_chinese
def decision_notice(case: ItemCase) -> Notice:
    """The department's decision on one item, with its reasons."""
    application = case.application
    return Notice(
        title=_("Notice of the decision on an item"),
        addressee=application.person.name,
        facts=[
            *_applicant_facts(application),
            (_("Item"), case.item.name),
            (_("Department"), case.department.name),
            (_("Decision"), str(case.get_status_display())),
            (_("Decided at"), _when(case.decided_at) if case.decided_at else "—"),
        ],
        reasons=[case.decision_reason] if case.decision_reason else [],
        closing=_(
            "If you disagree with this decision you may apply for administrative reconsideration or bring an "
            "administrative lawsuit."
        ),
        issuer=_("%(department)s (seal)") % {"department": case.department.name},
    )
