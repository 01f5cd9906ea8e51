"""Models of enrolment: the benefits paid every month and their history."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minsheng.assistance.means.models import Assessment, AssessmentResult
from minsheng.assistance.programmes import Programme, category_label
from minsheng.core.keyset import area_index
from minsheng.core.scoping import ScopedManager, ScopedModel

# --- Enrolment (保障对象): what is paid every month, from when, and its history -------------------------------


class Benefit(ScopedModel):
    """An active (or ended) standing benefit: the payroll pays ``monthly_fen`` to ``payee`` every month from
    ``first_month`` while the benefit is active or tapering."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        TAPERING = "tapering", _("Tapering off (渐退)")
        STOPPED = "stopped", _("Stopped")

    programme = models.CharField(_("programme"), max_length=20, choices=Programme.choices)
    household = models.ForeignKey(
        "people.Household", verbose_name=_("household"), on_delete=models.PROTECT, related_name="benefits"
    )
    payee = models.ForeignKey(
        "people.Person", verbose_name=_("paid to"), on_delete=models.PROTECT, related_name="benefits"
    )
    # No index of its own: the (area, id) index below leads with it and serves the door's prefix (issue 22).
    area_code = models.CharField(_("area code"), max_length=12)
    category = models.CharField(_("category"), max_length=30, blank=True, default="")
    covered = models.PositiveSmallIntegerField(_("persons covered"), default=1)
    monthly_fen = models.BigIntegerField(_("monthly amount (fen)"))
    first_month = models.DateField(_("first month paid"))
    review_months = models.PositiveSmallIntegerField(_("review every (months)"))
    next_review_on = models.DateField(_("next review due"), db_index=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    taper_until = models.DateField(_("tapered payment until (month)"), null=True, blank=True)
    stopped_from = models.DateField(_("no payment from (month)"), null=True, blank=True)
    programme_case = models.ForeignKey(
        # By name: the procedure sits above benefits (it enrols through them), so benefits never import it.
        "assistance.ProgrammeCase",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="benefits",
    )
    item_case = models.ForeignKey("intake.ItemCase", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    assessment_result = models.ForeignKey(
        AssessmentResult, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects: ClassVar[ScopedManager[Benefit]] = ScopedManager()
    scope_field = "area_code"

    class Meta:
        verbose_name = _("benefit")
        verbose_name_plural = _("benefits")
        ordering = ["area_code", "programme", "id"]
        constraints = [
            # One running benefit of a programme per payee: enrolling twice (a double click, a retry) fails.
            models.UniqueConstraint(
                fields=["programme", "payee"], condition=~Q(status="stopped"), name="benefit_one_running_per_payee"
            ),
            models.CheckConstraint(condition=Q(monthly_fen__gte=0), name="benefit_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(status="stopped", stopped_from__isnull=False) | ~Q(status="stopped"),
                name="benefit_stopped_has_month",
            ),
        ]
        indexes = [
            # The benefits list, newest first: a village's or township's range of the (area, id) index; a county's
            # or the city's read backwards in the (id, area) one, the area checked in the index (docs/architecture.md,
            # "Lists").
            area_index("area_code", "id", name="benefit_area_id"),
            area_index("id", "area_code", name="benefit_id_area"),
            models.Index(fields=["programme", "status"], name="benefit_programme_status"),
            # The payroll ends due tapers before every generation: the few tapering benefits are found by this.
            models.Index(fields=["taper_until"], condition=Q(status="tapering"), name="benefit_tapering_until"),
        ]

    def __str__(self) -> str:
        return f"{self.programme} {self.payee_id} {self.monthly_fen}"

    @property
    def category_label(self) -> str:
        return category_label(self.category)


class BenefitChange(ScopedModel):
    """The history of a benefit: enrolment, every recomputation, reduction, taper, review and stop, with reasons."""

    class Kind(models.TextChoices):
        ENROL = "enrol", _("Enrolled")
        RECOMPUTE = "recompute", _("Recomputed after a household change")
        REDUCE = "reduce", _("Reduced")
        TAPER = "taper", _("Tapering started")
        REVIEW = "review", _("Reviewed")
        STOP = "stop", _("Stopped")

    benefit = models.ForeignKey(Benefit, on_delete=models.PROTECT, related_name="changes")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    effective_month = models.DateField(_("from month"))
    old_fen = models.BigIntegerField(_("old amount (fen)"), null=True, blank=True)
    new_fen = models.BigIntegerField(_("new amount (fen)"), null=True, blank=True)
    reason = models.TextField(_("reasons"))
    assessment = models.ForeignKey(Assessment, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar[ScopedManager[BenefitChange]] = ScopedManager()
    scope_field = "benefit__area_code"

    class Meta:
        verbose_name = _("benefit change")
        verbose_name_plural = _("benefit changes")
        ordering = ["benefit", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.benefit_id} {self.kind}"
