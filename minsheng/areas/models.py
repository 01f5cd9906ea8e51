from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from minsheng.areas.codes import LEVEL_DEPTH, prefix_of

if TYPE_CHECKING:
    from minsheng.core.typing import Actor


class DivisionQuerySet(models.QuerySet["Division"]):
    def within(self, user: Actor, permission: str = "areas.view_division") -> DivisionQuerySet:
        """The divisions inside the areas where ``user`` holds ``permission``: what pages and forms offer them.

        Divisions are public reference data (the statistical code table), not data of a place: they are read
        freely, and this filter is a choice of what to show, not the scoping door."""
        if not (user.is_authenticated and user.is_active):
            return self.none()
        condition = Q()
        for scope in user.scopes_for(permission):
            condition |= Q(code__startswith=scope.prefix)
        return self.filter(condition) if condition else self.none()


class Division(models.Model):
    """One statistical division (province, city, county, township, village), keyed by its 12-digit code.

    Public reference data: a plain model, read without the scoping door."""

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

    objects: ClassVar[models.Manager[Division]] = DivisionQuerySet.as_manager()

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
