"""Models of the 低保 / 特困 procedure: the programme case and the objections raised during its 公示."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minsheng.assistance.means.models import Assessment
from minsheng.assistance.programmes import Programme
from minsheng.core.keyset import area_index
from minsheng.core.scoping import ScopedManager, ScopedModel

# --- The 低保 / 特困 workflow on the one-window item case (DOMAIN §1.2, §2) -----------------------------------


class ProgrammeCase(ScopedModel):
    """The procedure a 低保 or 特困 item case goes through after 受理, one stage at a time.

    Every transition is a service that locks this row, checks the stage it expects and records who did what;
    two users acting at once cannot both move it.
    """

    class Stage(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted (受理)")
        INVESTIGATION = "investigation", _("Home investigation (入户调查)")
        VERIFICATION = "verification", _("Economic verification (核对)")
        INITIAL_REVIEW = "initial_review", _("Initial review (初审)")
        PUBLICITY = "publicity", _("Public notice (公示)")
        DEMOCRATIC_REVIEW = "democratic", _("Democratic review (民主评议)")
        COUNTY_REVIEW = "county_review", _("Confirmation by the approving level (审核确认)")
        ENROLLED = "enrolled", _("Approved and enrolled")
        REFUSED = "refused", _("Refused")

    class VerificationResult(models.TextChoices):
        PENDING = "", _("Not yet returned")
        ELIGIBLE = "eligible", _("Consistent with the declaration (符合)")
        INELIGIBLE = "ineligible", _("Inconsistent: not eligible (不符合)")
        QUERIES = "queries", _("Points to clarify (疑点)")

    case = models.OneToOneField("intake.ItemCase", on_delete=models.PROTECT, related_name="programme_case")
    programme = models.CharField(_("programme"), max_length=20, choices=Programme.choices)
    household = models.ForeignKey(
        "people.Household", verbose_name=_("household"), on_delete=models.PROTECT, related_name="+"
    )
    applicant = models.ForeignKey(
        "people.Person", verbose_name=_("applicant"), on_delete=models.PROTECT, related_name="+"
    )
    area_code = models.CharField(_("area code"), max_length=12, db_index=True)
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices, default=Stage.ACCEPTED)
    # 近亲属 of case staff or village committee members: registered separately; the county must visit itself.
    staff_relative = models.BooleanField(_("relative of staff (近亲属备案)"), default=False)
    staff_relative_note = models.CharField(_("whose relative"), max_length=200, blank=True, default="")
    approval_devolved = models.BooleanField(_("approval devolved to the township"), default=False)
    # 入户调查: at least two staff.
    investigated_on = models.DateField(_("investigated on"), null=True, blank=True)
    investigator_1 = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    investigator_2 = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    investigation_findings = models.TextField(_("findings"), blank=True, default="")
    # 核对: request and result (the verification centre itself comes later).
    verification_requested_at = models.DateTimeField(_("verification requested at"), null=True, blank=True)
    verification_result = models.CharField(
        _("verification result"), max_length=10, choices=VerificationResult.choices, blank=True, default=""
    )
    verification_note = models.TextField(_("verification report"), blank=True, default="")
    verification_returned_at = models.DateTimeField(_("verification returned at"), null=True, blank=True)
    # 初审
    initial_opinion_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    initial_opinion_at = models.DateTimeField(_("initial review at"), null=True, blank=True)
    initial_opinion = models.TextField(_("initial review opinion"), blank=True, default="")
    assessment = models.ForeignKey(
        Assessment, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("assessment")
    )
    # 公示
    publicity_start = models.DateField(_("public notice from"), null=True, blank=True)
    publicity_end = models.DateField(_("public notice until"), null=True, blank=True)
    democratic_review_note = models.TextField(_("democratic review record"), blank=True, default="")
    # The county's own visit (required for staff relatives and complained-about cases).
    county_visit_on = models.DateField(_("county visit on"), null=True, blank=True)
    county_visit_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    county_visit_note = models.TextField(_("county visit findings"), blank=True, default="")
    # 审核确认: the file reached the approving level on this day; it decides within ``procedure.county_days``.
    county_received_on = models.DateField(_("file received by the approving level on"), null=True, blank=True)
    county_due = models.DateField(_("approving level decides by"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reasons"), blank=True, default="")
    refusal_notice_due = models.DateField(_("written reasons due by"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar[ScopedManager[ProgrammeCase]] = ScopedManager()
    scope_field = "area_code"

    class Meta:
        verbose_name = _("programme case")
        verbose_name_plural = _("programme cases")
        ordering = ["-created_at", "-id"]
        # The case list: open stages all, the decided ones of the window by time; each by the area's prefix range
        # (docs/architecture.md, "Lists").
        indexes = [
            area_index("stage", "area_code", name="programme_case_stage_area"),
            area_index("area_code", "created_at", name="programme_case_area_time"),
        ]
        constraints = [
            # One open procedure per household and programme: open is every stage but the two decisions
            # (CLOSED_STAGES below), so a second application while one runs is refused, and a new one may follow a
            # decision.
            models.UniqueConstraint(
                fields=["household", "programme"],
                condition=~Q(stage__in=["enrolled", "refused"]),
                name="programme_case_one_open_per_household",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme} {self.case_id} {self.stage}"


# Item cases of these catalogue items get a ProgrammeCase (the 低保 / 特困 procedure) when accepted. Items are numbered
# in ``catalog/data/items.csv`` and the numbers are stable (the catalogue page edits names, materials and limits).
PROCEDURE_ITEMS: dict[int, str] = {1: Programme.DIBAO, 4: Programme.TEKUN}


class Objection(ScopedModel):
    """An objection raised during the 公示; it sends the case to democratic review or re-investigation."""

    programme_case = models.ForeignKey(ProgrammeCase, on_delete=models.CASCADE, related_name="objections")
    received_on = models.DateField(_("received on"))
    text = models.TextField(_("objection"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    resolution = models.TextField(_("how it was resolved"), blank=True, default="")
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    objects: ClassVar[ScopedManager[Objection]] = ScopedManager()
    scope_field = "programme_case__area_code"

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["received_on", "id"]

    def __str__(self) -> str:
        return f"{self.programme_case_id} {self.received_on}"


Stage = ProgrammeCase.Stage

# The time limits of the procedure (DOMAIN §1.2, 民发〔2021〕57号). They are national rules, the same everywhere,
# so they are kept here, in one place, rather than as area-scoped parameters.
PUBLICITY_DAYS = 7  # 公示: calendar days, the start day included; the case goes on from the day after the last
INVESTIGATION_START_WORKING_DAYS = 3  # 入户调查 starts within 3 working days of 受理
REFUSAL_NOTICE_WORKING_DAYS = 3  # written reasons of a refusal within 3 working days of the decision

# Permissions of the steps (accounts/roles.py).
VIEW = "assistance.view_programmecase"
INVESTIGATE = "assistance.investigate_programmecase"
REVIEW = "assistance.review_programmecase"
APPROVE = "assistance.approve_programmecase"
# Home investigators are the staff who record households' economic situations (village and township staff).
INVESTIGATOR_PERMISSION = "assistance.add_economicstatus"

CLOSED_STAGES = frozenset({Stage.ENROLLED, Stage.REFUSED})  # the decisions; the constraint above names them too
OPEN_STAGES = frozenset(Stage.values) - CLOSED_STAGES
