"""The rules as data: one value of a named rule for an area from a date (its names and units: ``specs``)."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Parameter(models.Model):
    """One value of a named rule, for an area (a division prefix; empty = everywhere) from a date.

    A new value for the same rule and area closes the open one the day before it starts: the history stays, and
    every decision can name the exact row (``pk``) it used.
    """

    key = models.CharField(_("rule"), max_length=60, db_index=True)
    area_prefix = models.CharField(_("area"), max_length=12, blank=True, default="")
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    value = models.JSONField(_("value"), encoder=DjangoJSONEncoder)
    is_demo = models.BooleanField(_("demo value"), default=True)
    source = models.CharField(_("source"), max_length=200, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("rule value")
        verbose_name_plural = _("rule values")
        ordering = ["key", "area_prefix", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["key", "area_prefix", "valid_from"], name="parameter_one_start_per_area"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="parameter_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key}@{self.area_prefix or '*'} {self.valid_from}"


# What a result's or benefit's ``category`` code means, for people (the code stays stable in the data).
