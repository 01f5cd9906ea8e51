"""Models of temporary assistance: the case, its referrals and the prompt to assess the household."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minsheng.assistance.means.models import Assessment, EconomicStatus
from minsheng.assistance.rules.models import Parameter
from minsheng.core.keyset import area_index
from minsheng.core.scoping import ScopedManager, ScopedModel

# --- Temporary assistance (临时救助): pay first, papers after; then assess and refer -------------------------


class TemporaryAid(ScopedModel):
    """One temporary-assistance case. 急难型: the township may pay first up to its cap and record it at once;
    the papers follow within the deadline; above the cap the county decides. 支出型 needs the economic check."""

    class Kind(models.TextChoices):
        URGENT = "urgent", _("Emergency (急难型)")
        EXPENSE = "expense", _("Expense-driven (支出型)")

    class Status(models.TextChoices):
        PAID_FIRST = "paid_first", _("Paid first; papers pending")
        WITH_COUNTY = "with_county", _("Above the township cap: with the county")
        VERIFYING = "verifying", _("Economic verification")
        COMPLETED = "completed", _("Completed")
        REFUSED = "refused", _("Refused")

    item_case = models.OneToOneField("intake.ItemCase", on_delete=models.PROTECT, related_name="temporary_aid")
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    person = models.ForeignKey("people.Person", verbose_name=_("applicant"), on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey("people.Household", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # No index of its own: the (area, time) index below leads with it and serves the door's prefix (issue 22).
    area_code = models.CharField(_("area code"), max_length=12)
    event = models.TextField(_("what happened"))
    requested_fen = models.BigIntegerField(_("amount proposed (fen)"))
    township_cap_fen = models.BigIntegerField(_("township cap at the time (fen)"))
    cap_parameter = models.ForeignKey(Parameter, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    paid_fen = models.BigIntegerField(_("paid (fen)"), default=0)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    papers_due = models.DateField(_("papers due by"), null=True, blank=True)
    papers_completed_at = models.DateTimeField(_("papers completed at"), null=True, blank=True)
    economic_status = models.ForeignKey(
        EconomicStatus, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_fen = models.BigIntegerField(_("amount decided (fen)"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reasons"), blank=True, default="")
    special_hardship = models.BooleanField(_("special hardship (higher limit)"), default=False)
    goods = models.CharField(_("aid in goods (实物)"), max_length=200, blank=True, default="")
    goods_value_fen = models.BigIntegerField(_("value of the goods (fen)"), default=0)
    limit_fen = models.BigIntegerField(_("limit for the household at the time (fen)"), null=True, blank=True)
    beyond_limits = models.TextField(_("beyond the limits because"), blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar[ScopedManager[TemporaryAid]] = ScopedManager()
    scope_field = "area_code"

    class Meta:
        verbose_name = _("temporary assistance")
        verbose_name_plural = _("temporary assistance")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(paid_fen__gte=0), name="temporary_paid_not_negative"),
            models.CheckConstraint(condition=Q(goods_value_fen__gte=0), name="temporary_goods_not_negative"),
        ]
        indexes = [
            # The list, newest first: the window's cases through (area, time); the open ones, and the overdue count
            # (paid first, papers due before today), through (status, area, papers due) (docs/architecture.md,
            # "Lists").
            area_index("area_code", "created_at", name="temporary_area_time"),
            area_index("status", "area_code", "papers_due", name="temporary_status_area_due"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.item_case_id}"


# Item cases of these catalogue items are temporary assistance of the given kind (stable item numbers, as above).
TEMPORARY_ITEMS: dict[int, str] = {6: TemporaryAid.Kind.URGENT, 7: TemporaryAid.Kind.EXPENSE}


class Referral(ScopedModel):
    """先内部后外部: a case passed on to a charity, the Red Cross or a social organisation after government help."""

    class Kind(models.TextChoices):
        CHARITY = "charity", _("Charity (慈善)")
        RED_CROSS = "red_cross", _("Red Cross (红十字)")
        SOCIAL_ORGANISATION = "social_org", _("Social organisation")
        DEPARTMENT = "department", _("Another government programme")

    temporary_aid = models.ForeignKey(TemporaryAid, on_delete=models.PROTECT, related_name="referrals")
    kind = models.CharField(_("to"), max_length=12, choices=Kind.choices)
    organisation = models.CharField(_("organisation"), max_length=100)
    note = models.TextField(_("what is asked"), blank=True, default="")
    referred_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    referred_at = models.DateTimeField(default=timezone.now)
    outcome = models.TextField(_("outcome"), blank=True, default="")

    objects: ClassVar[ScopedManager[Referral]] = ScopedManager()
    scope_field = "temporary_aid__area_code"

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["referred_at", "id"]

    def __str__(self) -> str:
        return self.organisation


class AssessmentPrompt(ScopedModel):
    """先临时后常态: after a temporary payment, a task to assess the household for 低保, 特困 or 边缘 status."""

    household = models.ForeignKey("people.Household", on_delete=models.PROTECT, related_name="+")
    temporary_aid = models.ForeignKey(TemporaryAid, on_delete=models.PROTECT, related_name="prompts")
    area_code = models.CharField(_("area code"), max_length=12)
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assessment = models.ForeignKey(Assessment, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    outcome = models.TextField(_("outcome"), blank=True, default="")

    objects: ClassVar[ScopedManager[AssessmentPrompt]] = ScopedManager()
    scope_field = "area_code"

    class Meta:
        verbose_name = _("assessment prompt")
        verbose_name_plural = _("assessment prompts")
        ordering = ["closed_at", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["temporary_aid"], name="one_prompt_per_temporary_aid"),
        ]
        indexes = [
            # The prompts list (docs/architecture.md, "Lists"): the open ones, the oldest first (partial: the closed
            # ones of every year are not read), and those closed in the window, the latest first; the area's prefix
            # range in both.
            models.Index(
                fields=["area_code", "created_at", "id"],
                opclasses=["varchar_pattern_ops", "", ""],
                condition=Q(closed_at__isnull=True),
                name="temporary_prompt_open",
            ),
            area_index("area_code", "closed_at", "id", name="temporary_prompt_closed"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.created_at:%Y-%m-%d}"


Status = TemporaryAid.Status
Kind = TemporaryAid.Kind

# Permissions (accounts/roles.py): the township records, pays first, completes papers, refers and closes prompts;
# the county decides above the township cap.
VIEW = "assistance.view_temporaryaid"
ADD = "assistance.add_temporaryaid"
CHANGE = "assistance.change_temporaryaid"
DECIDE = "assistance.decide_temporaryaid"
REFER = "assistance.add_referral"
CLOSE_PROMPT = "assistance.change_assessmentprompt"

OPEN_STATUSES = frozenset({Status.PAID_FIRST, Status.WITH_COUNTY, Status.VERIFYING})
ITEM_OF_KIND: dict[str, int] = {kind: number for number, kind in TEMPORARY_ITEMS.items()}
