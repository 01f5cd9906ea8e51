"""The monthly payroll (资金发放): one batch per county, programme and month, one line per enrolment and month.

Money moves once: a partial unique constraint allows one live line (any status but ``failed``) per benefit and
period, so generation may run any number of times, from any number of workers, and never pays a month twice. A
line the bank returned as failed may be re-issued once, as a new line (``reissue_of``) in a later batch.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from minsheng.assistance.programmes import Programme
from minsheng.core.fields import EncryptedCharField
from minsheng.core.jobs import Job
from minsheng.core.keyset import area_index
from minsheng.core.limits import REASON_MAX
from minsheng.core.scoping import ScopedManager, ScopedModel


class PayrollBatch(ScopedModel):
    """The payroll of one county, programme and month. Prepared (generated) by a payment officer, approved by
    another user; approval freezes it.

    Its lines' counts and totals (fen) are kept on it, per status and per hold reason, so that its page reads a row
    instead of summing tens of thousands of lines on each view: every path that changes its lines (generation, the
    bank's return file) stores them again in the same transaction, with the batch locked
    (``services.batch_totals_store``)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved")
        EXPORTED = "exported", _("Sent to the bank")
        RECONCILED = "reconciled", _("Reconciled")

    area_code = models.CharField(_("county"), max_length=12)
    programme = models.CharField(_("programme"), max_length=20, choices=Programme.choices)
    period = models.DateField(_("month paid"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    prepared_at = models.DateTimeField(_("prepared at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approval_opinion = models.TextField(_("approval opinion"), max_length=REASON_MAX, blank=True, default="")
    line_count = models.PositiveIntegerField(_("lines"), default=0)
    total_fen = models.BigIntegerField(_("total (fen)"), default=0)
    held_count = models.PositiveIntegerField(_("lines held back"), default=0)
    held_fen = models.BigIntegerField(_("held back (fen)"), default=0)
    pending_count = models.PositiveIntegerField(_("lines to be paid"), default=0)
    pending_fen = models.BigIntegerField(_("to be paid (fen)"), default=0)
    paid_count = models.PositiveIntegerField(_("lines paid"), default=0)
    paid_fen = models.BigIntegerField(_("paid (fen)"), default=0)
    failed_count = models.PositiveIntegerField(_("lines failed"), default=0)
    failed_fen = models.BigIntegerField(_("failed (fen)"), default=0)
    # The held lines per hold reason: {"no_account": {"count": 2, "fen": 176000}, ...}, the reasons with a line only.
    held_by_reason = models.JSONField(_("held back by reason"), default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar[ScopedManager[PayrollBatch]] = ScopedManager()
    scope_field = "area_code"

    class Meta:
        verbose_name = _("payroll batch")
        verbose_name_plural = _("payroll batches")
        ordering = ["-period", "area_code", "programme"]
        constraints = [
            models.UniqueConstraint(fields=["area_code", "programme", "period"], name="payroll_one_batch_per_month"),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(approved_by__isnull=False, approved_at__isnull=False),
                name="payroll_approved_has_approver",
            ),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=models.F("prepared_by")),
                name="payroll_checker_not_maker",
            ),
        ]
        # The batches list (newest month first): a county's batches are one area code, read in month order.
        indexes = [area_index("area_code", "period", "id", name="payroll_batch_area_period")]

    def __str__(self) -> str:
        return f"{self.area_code} {self.programme} {self.period:%Y-%m}"

    @property
    def payable_count(self) -> int:
        return self.line_count - self.held_count

    @property
    def payable_fen(self) -> int:
        return self.total_fen - self.held_fen


class PaymentLine(ScopedModel):
    """One month of one benefit in a batch: the amount, the account it goes to (copied, encrypted, when the line was
    made), and whether it is paid, held back (with the reason) or returned by the bank."""

    class Status(models.TextChoices):
        PENDING = "pending", _("To be paid")
        HELD = "held", _("Held back")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Failed")

    class HoldReason(models.TextChoices):
        NONE = "", _("Not held")
        DECEASED = "deceased", _("Payee deceased")
        MOVED_AWAY = "moved_away", _("Payee moved away")
        DUPLICATE = "duplicate", _("Duplicate benefit")
        NO_ACCOUNT = "no_account", _("No valid bank account")

    # Lines are written by the hundred thousand each month, so each index and each foreign-key check costs a city's
    # payroll seconds (docs/benchmarks.md, "Payroll"). They carry no index that another covers (the batch is the
    # first column of payment_batch_line, the benefit the first of payment_once_per_benefit_month) and none led by
    # the area (lines are read by batch, by payee, or whole by the statistics). Their references are written only by the
    # generation's INSERT … SELECT, from the batch it holds locked and the benefit and payee rows it reads, and none
    # of those is ever deleted (PROTECT here; persons change status, benefits stop, batches stay), so the database
    # does not check the three again for every line (a foreign-key check per line and reference).
    batch = models.ForeignKey(
        PayrollBatch, on_delete=models.PROTECT, related_name="lines", db_index=False, db_constraint=False
    )
    benefit = models.ForeignKey(
        "assistance.Benefit",
        on_delete=models.PROTECT,
        related_name="payment_lines",
        db_index=False,
        db_constraint=False,
    )
    payee = models.ForeignKey(
        "people.Person", verbose_name=_("paid to"), on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    area_code = models.CharField(_("area code"), max_length=12)
    period = models.DateField(_("month paid"))
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    bank_name = models.CharField(_("bank"), max_length=60, blank=True, default="")
    bank_account = EncryptedCharField(_("bank account"), blank=True, default="")
    bank_account_masked = models.CharField(_("bank account (masked)"), max_length=40, blank=True, default="")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    hold_reason = models.CharField(
        _("held back because"), max_length=12, choices=HoldReason.choices, blank=True, default=""
    )
    failure_reason = models.CharField(_("bank's reason for failure"), max_length=200, blank=True, default="")
    reissue_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reissues",
        verbose_name=_("re-issue of"),
        db_index=False,
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar[ScopedManager[PaymentLine]] = ScopedManager()
    scope_field = "area_code"

    class Meta:
        verbose_name = _("payment line")
        verbose_name_plural = _("payment lines")
        ordering = ["batch", "area_code", "id"]
        constraints = [
            # Exactly once: one live payment per enrolment and month; only a failed line leaves room for its re-issue.
            models.UniqueConstraint(
                fields=["benefit", "period"], condition=~Q(status="failed"), name="payment_once_per_benefit_month"
            ),
            # A failed line is re-issued once; the index holds the few re-issues only.
            models.UniqueConstraint(
                fields=["reissue_of"], condition=Q(reissue_of__isnull=False), name="payment_reissued_once"
            ),
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(status="held", hold_reason__gt="") | (~Q(status="held") & Q(hold_reason="")),
                name="payment_held_iff_reason",
            ),
        ]
        # One index serves the batch's reads (its lines, totals and bank file by the batch prefix) and its lines list
        # by cursor: the batch, then the line's id (the list's order), the area (the scoping door's prefix, checked
        # in the index) and the status (the list's filter, checked in the index). It replaced (batch, status): no
        # index more for the payroll to write.
        indexes = [area_index("batch", "id", "area_code", "status", name="payment_batch_line")]

    def __str__(self) -> str:
        return f"{self.benefit_id} {self.period:%Y-%m} {self.amount_fen}"

    @property
    def hold_text(self) -> str:
        """Why the line is held back, in Chinese ('' when it is not): derived from the reason, not stored."""
        from minsheng.payments.services import hold_texts

        return hold_texts().get(self.hold_reason, "") if self.hold_reason else ""


class PayrollJob(Job, ScopedModel):
    """One request to prepare a county's payroll of a programme and month, run by the Celery task
    ``payments.generate_payroll`` (or in the web process when no broker is configured). The pages show its status:
    queued, running (``attempts`` counts the starts: a redelivery after a killed worker is the second), done with the
    batch's figures, or failed with the reason in Chinese. At most one job per county, programme and month is open
    (queued or running), so a double click shows the running job instead of queueing another."""

    class Status(models.TextChoices):
        # In context: "Running" elsewhere is an import's.
        QUEUED = "queued", pgettext_lazy("payroll job", "Queued")
        RUNNING = "running", pgettext_lazy("payroll job", "Running")
        DONE = "done", pgettext_lazy("payroll job", "Done")
        FAILED = "failed", pgettext_lazy("payroll job", "Failed")

    area_code = models.CharField(_("county"), max_length=12, db_index=True)
    programme = models.CharField(_("programme"), max_length=20, choices=Programme.choices)
    period = models.DateField(_("month paid"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    batch = models.ForeignKey(PayrollBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="jobs")
    result = models.JSONField(_("result"), null=True, blank=True)

    objects: ClassVar[ScopedManager[PayrollJob]] = ScopedManager()
    scope_field = "area_code"

    class Meta:
        verbose_name = _("payroll job")
        verbose_name_plural = _("payroll jobs")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["area_code", "programme", "period"],
                condition=Q(status__in=["queued", "running"]),
                name="payroll_one_open_job_per_month",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area_code} {self.programme} {self.period:%Y-%m} {self.status}"
