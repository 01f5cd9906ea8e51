from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Department(models.Model):
    """A department that owns assistance items (DOMAIN §7): 民政, 医保, 教育, ... Reference data, not scoped."""

    class Group(models.TextChoices):
        GOVERNMENT = "government", _("Government body")
        JUDICIAL = "judicial", _("Court or procuratorate")
        MASS_ORGANISATION = "mass_organisation", _("Mass organisation or charity")
        UTILITY = "utility", _("Utility")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60, unique=True)
    group = models.CharField(_("group"), max_length=20, choices=Group.choices)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name
