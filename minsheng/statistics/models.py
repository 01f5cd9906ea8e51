"""The summary table of the statistics (智慧民政): one figure of one area in one month, kept up to date.

Every indicator of ``indicators.py`` is stored as rows of ``Cell``: (level, indicator, dimension, area, month) →
value (and a second value, e.g. households beside persons, or items on time beside items decided). Rows of level 12
are computed from the records, by the area code the record carries (a village, or for a window's own
consultations the township or county of the window); rows of level 9 and 6 are their sums by township and county.
So a city's figures are the sum of six county rows, a county's of its townships' rows, and any period a range of
months. ``refresh.py`` writes the table; nothing else does.

The table holds no personal data (counts and sums only) and is not a scoped model: the selectors check that the
area asked for lies inside the user's scope before reading the range of its codes.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Cell(models.Model):
    """One figure: ``indicator`` (with ``dimension``, e.g. the programme or the department) of one area in one
    month. ``area`` is the 12-digit division code as a number, so "every area inside X" is a range of numbers."""

    level = models.PositiveSmallIntegerField(_("level (digits)"))
    indicator = models.CharField(_("indicator"), max_length=40)
    dimension = models.CharField(_("dimension"), max_length=40, blank=True, default="")
    area = models.BigIntegerField(_("area code"))
    month = models.DateField(_("month"))
    value = models.BigIntegerField(_("value"), default=0)
    value2 = models.BigIntegerField(_("second value"), default=0)

    class Meta:
        verbose_name = _("statistics cell")
        verbose_name_plural = _("statistics cells")
        constraints = [
            # Also the index every read uses: one level, a range of areas, a range of months.
            models.UniqueConstraint(
                fields=["level", "area", "month", "indicator", "dimension"], name="statistics_cell_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.level} {self.indicator}:{self.dimension} {self.area} {self.month:%Y-%m} = {self.value}"


class RefreshState(models.Model):
    """Where the summary table stands (one row, ``key="cells"``): which months it holds, when it was last built
    in full, and how far the audit log has been applied (the incremental refresh reads changes from there)."""

    key = models.CharField(max_length=20, primary_key=True)
    first_month = models.DateField(_("first month held"), null=True, blank=True)
    last_month = models.DateField(_("last month held"), null=True, blank=True)
    built_at = models.DateTimeField(_("last full rebuild"), null=True, blank=True)
    # Audit events up to ``through`` are applied; ``seen_ids`` lists the applied events of the last OVERLAP before
    # it (a transaction that committed late is caught when its event appears), ``last_event_id`` the highest id.
    through = models.DateTimeField(_("changes applied up to"), null=True, blank=True)
    seen_ids = models.JSONField(default=list, blank=True)
    last_event_id = models.BigIntegerField(default=0)
    refreshed_at = models.DateTimeField(_("last refresh"), null=True, blank=True)
    # The highest id of each source table when last applied: rows added without audit events (a bulk load) show.
    fingerprint = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("statistics refresh state")
        verbose_name_plural = _("statistics refresh states")

    def __str__(self) -> str:
        return f"{self.key} {self.first_month}–{self.last_month}"
