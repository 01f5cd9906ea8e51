"""Maker-checker settlements: one abstract model and the shared transitions of every monthly settlement that moves
money to an organisation (a funeral home's waived fees, a care provider's verified visits).

A settlement is one organisation's ended month. The payment officer **prepares** it (the maker: what the month owes
joins it under the row's lock, then its count and total); another user **approves** it (the checker; from then on
it is frozen); it is **paid** once, by a guarded ``UPDATE … WHERE status = 'approved'``. The database holds the same
rules in three check constraints, named after the concrete model's app (``funeral_settlement_checker_not_maker``).

The transitions lock, check and change the row; the module's own service checks the actor's right first (in its own
words), passes its settlements (``objects.unscoped()``, after that check) and writes its own audit event.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from minsheng.core.months import month_of
from minsheng.core.typing import Actor

DRAFT, APPROVED, PAID = "draft", "approved", "paid"


class MakerCheckerSettlement(models.Model):
    """What every settlement carries: its status, its total in fen, who prepared, approved and paid it and when. A
    concrete settlement adds its organisation, its month, its area and the count of what it pays (``count_field``);
    its own ``Meta`` lists its one-per-month ``UniqueConstraint`` and then ``*MakerCheckerSettlement.Meta.constraints``
    (a ``Meta`` of its own replaces the inherited one)."""

    class Status(models.TextChoices):
        DRAFT = DRAFT, _("Draft")
        APPROVED = APPROVED, _("Approved")
        PAID = PAID, _("Paid")

    # The concrete model's field counting what the settlement pays (``case_count``, ``visit_count``).
    count_field: ClassVar[str]

    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    total_fen = models.BigIntegerField(_("total (fen)"), default=0)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    prepared_at = models.DateTimeField(_("prepared at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=Q(status=DRAFT) | Q(approved_by__isnull=False, approved_at__isnull=False),
                name="%(app_label)s_settlement_approved_has_approver",
            ),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("prepared_by")),
                name="%(app_label)s_settlement_checker_not_maker",
            ),
            models.CheckConstraint(
                condition=~Q(status=PAID) | Q(paid_by__isnull=False, paid_at__isnull=False),
                name="%(app_label)s_settlement_paid_has_payer",
            ),
        ]


S = TypeVar("S", bound=MakerCheckerSettlement)


def settlement_draft(
    settlements: models.QuerySet[S], *, month_field: str, month: dt.date, area_code: str, **organisation: Any
) -> S:
    """The organisation's draft settlement of an ended month, created when missing and locked (``SELECT … FOR
    UPDATE``) for the caller to fill. Refuses a day that is not a month's first, a month not ended and a settlement
    approved already. Call it inside a transaction."""
    if month.day != 1:
        raise ValidationError({month_field: gettext("Choose a month.")})
    if month >= month_of(timezone.localdate()):
        raise ValidationError({month_field: gettext("A month is settled once it has ended.")})
    key = {**organisation, month_field: month}
    try:
        with transaction.atomic():
            settlements.get_or_create(**key, defaults={"area_code": area_code})
    except IntegrityError:
        pass  # created meanwhile by a concurrent run; the lock below waits for it
    settlement = settlements.select_for_update().get(**key)
    if settlement.status != DRAFT:
        raise ValidationError(gettext("This settlement is approved already and can no longer change."))
    return settlement


def settlement_prepared(settlement: S, *, actor: Actor, joined: models.QuerySet[Any], price_field: str) -> None:
    """Count and total what has joined the locked draft (``joined``: its rows, ``price_field``: each one's fen) and
    record the maker."""
    totals = joined.aggregate(count=Count("id"), total=Sum(price_field))
    setattr(settlement, settlement.count_field, totals["count"] or 0)
    settlement.total_fen = totals["total"] or 0
    settlement.prepared_by = actor  # type: ignore[assignment]  # the user model, typed by what core may see of it
    settlement.prepared_at = timezone.now()
    settlement.save()


def settlement_approved(
    settlements: models.QuerySet[S],
    pk: int,
    *,
    actor: Actor,
    nothing_to_pay: str,
    snapshot: Callable[[S], dict[str, Any]],
) -> tuple[S, dict[str, Any]]:
    """The checker approves a draft somebody else prepared, with something to pay (else ``nothing_to_pay``): the row
    locked, checked and changed. Returns it with its ``snapshot`` before the change, for the audit event."""
    locked = settlements.select_for_update().get(pk=pk)
    if locked.status != DRAFT:
        raise ValidationError(gettext("This settlement is approved already."))
    if locked.prepared_at is None:
        raise ValidationError(gettext("This settlement has not been prepared yet."))
    if locked.prepared_by_id == actor.pk:
        raise PermissionDenied(gettext("The settlement must be approved by somebody other than who prepared it."))
    if getattr(locked, locked.count_field) == 0:
        raise ValidationError(nothing_to_pay)
    before = snapshot(locked)
    locked.status = MakerCheckerSettlement.Status.APPROVED
    locked.approved_by = actor  # type: ignore[assignment]  # as in settlement_prepared
    locked.approved_at = timezone.now()
    locked.save(update_fields=["status", "approved_by", "approved_at"])
    return locked, before


def settlement_paid(settlements: models.QuerySet[S], settlement: S, *, actor: Actor) -> S:
    """Record that the approved settlement was paid: once, by an ``UPDATE`` guarded by its status (a second call, or
    a concurrent one, changes no row and is refused). Returns ``settlement`` read again."""
    updated = settlements.filter(pk=settlement.pk, status=APPROVED).update(
        status=PAID, paid_by=actor, paid_at=timezone.now()
    )
    if updated != 1:
        raise ValidationError(gettext("Only an approved settlement not paid yet can be paid."))
    settlement.refresh_from_db()
    return settlement
