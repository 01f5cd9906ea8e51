"""China's official working days: the State Council's yearly arrangement, kept as data.

Only the exceptions are stored: a weekday that is a holiday, or a weekend day that is a make-up working day
(调休). Every other weekday works and every other weekend day rests. A year whose official arrangement has not
been entered yet falls back to the statutory holidays plus weekends (``services.statutory_holidays``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CalendarYear(models.Model):
    """Whether a year's official arrangement (the State Council notice) is loaded."""

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True)
    notice = models.CharField(_("notice"), max_length=200, blank=True, default="")
    loaded_at = models.DateTimeField(_("loaded at"), default=timezone.now)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("loaded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("official calendar year")
        verbose_name_plural = _("official calendar years")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    """One exception to the weekday rule in a year whose official arrangement is loaded."""

    date = models.DateField(_("date"), primary_key=True)
    is_working_day = models.BooleanField(_("working day"))
    name = models.CharField(_("name"), max_length=40, blank=True, default="")

    class Meta:
        verbose_name = _("calendar exception")
        verbose_name_plural = _("calendar exceptions")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'work' if self.is_working_day else 'rest'} {self.name}"
