from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from minsheng.areas.codes import LEVEL_DEPTH, prefix_of
from minsheng.core.scoping import ScopedManager, ScopedModel


class Division(ScopedModel):
    """One statistical division (province, city, county, township, village), keyed by its 12-digit code."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("City")
        COUNTY = "county", _("County")
        TOWNSHIP = "township", _("Township")
        VILLAGE = "village", _("Village")

    code = models.CharField(_("code"), max_length=12, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects: ClassVar[ScopedManager[Division]] = ScopedManager()

    scope_field = "code"

    class Meta:
        verbose_name = _("division")
        verbose_name_plural = _("divisions")
        ordering = ["code"]
        indexes = [models.Index(fields=["parent", "code"]), models.Index(fields=["level", "code"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__in=["province", "city", "county", "township", "village"]),
                name="division_level_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def prefix(self) -> str:
        """The significant digits that every division inside this one starts with."""
        return prefix_of(self.code, self.level)

    @property
    def depth(self) -> int:
        return LEVEL_DEPTH[self.level]

    def contains(self, code: str) -> bool:
        return code.startswith(self.prefix)
