"""The one window (一门受理): consultations now; applications and item cases follow (issue 4)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minsheng.core.scoping import ScopedManager, ScopedModel


class Channel(models.TextChoices):
    """Where a need was brought: any window level or online, with no difference in what follows."""

    VILLAGE = "village", _("Village station")
    TOWNSHIP = "township", _("Township window")
    COUNTY = "county", _("County window")
    ONLINE = "online", _("Online")
    PHONE = "phone", _("Telephone")


class Consultation(ScopedModel):
    """A policy consultation (政策咨询) at a window: who asked, what was explained, what came of it."""

    class Outcome(models.TextChoices):
        ANSWERED = "answered", _("Answered")
        APPLIED = "applied", _("Applied")
        REFERRED = "referred", _("Referred to a department")

    area_code = models.CharField(_("area code"), max_length=12, db_index=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    asker_name = models.CharField(_("name of the person asking"), max_length=50, blank=True, default="")
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("registered person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    topic = models.TextField(_("question"))
    items = models.ManyToManyField("catalog.Item", verbose_name=_("items explained"), blank=True, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    referred_to = models.ForeignKey(
        "catalog.Department",
        verbose_name=_("referred to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    objects: ClassVar[ScopedManager[Consultation]] = ScopedManager()

    scope_field = "area_code"

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(outcome="referred", referred_to__isnull=False) | ~models.Q(outcome="referred"),
                name="consultation_referral_names_department",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recorded_at:%Y-%m-%d} {self.topic[:20]}"
