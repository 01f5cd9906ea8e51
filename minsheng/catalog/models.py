from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from minsheng.core.limits import REASON_MAX, TEXT_MAX


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


class Item(models.Model):
    """One assistance item of the one-window catalogue (DOMAIN §7). Configuration: city administrators edit it,
    every edit is kept as an ``ItemRevision``."""

    class Kind(models.TextChoices):
        MONTHLY = "monthly", _("Monthly or standing benefit")
        ONE_OFF = "one_off", _("One-off assistance")
        SERVICE = "service", _("Service")
        STATUS = "status", _("Status recognition")

    class Level(models.TextChoices):
        TOWNSHIP = "township", _("Township")
        COUNTY = "county", _("County")
        CITY = "city", _("City")

    number = models.PositiveSmallIntegerField(_("number"), unique=True)
    name = models.CharField(_("name"), max_length=80, unique=True)
    owners = models.ManyToManyField(Department, verbose_name=_("owner departments"), related_name="items")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    legal_basis = models.TextField(_("legal basis"), max_length=TEXT_MAX, blank=True, default="")
    materials = models.JSONField(_("required materials"), default=list, blank=True)
    time_limit_days = models.PositiveSmallIntegerField(_("time limit (working days)"))
    time_limit_is_demo = models.BooleanField(
        _("demo value"), default=True, help_text=_("Set until the bureau confirms the limit it promises.")
    )
    deciding_level = models.CharField(_("level that decides"), max_length=10, choices=Level.choices)
    target_groups = models.TextField(_("target groups"), max_length=TEXT_MAX, blank=True, default="")
    needs_verification = models.BooleanField(_("needs economic verification (核对)"), default=False)
    follow_on = models.ManyToManyField(
        "self",
        verbose_name=_("follow-on items"),
        symmetrical=False,
        blank=True,
        related_name="preceded_by",
        help_text=_("Items pushed to their departments automatically when this one is granted."),
    )
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("assistance item")
        verbose_name_plural = _("assistance items")
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(time_limit_days__gte=1, time_limit_days__lte=365), name="item_time_limit_1_365"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"


class ItemRevision(models.Model):
    """An item as it was before an edit, who changed it, when and why."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="revisions")
    revised_at = models.DateTimeField(_("time"), auto_now_add=True)
    revised_by = models.ForeignKey(
        "accounts.User", verbose_name=_("changed by"), on_delete=models.PROTECT, related_name="+"
    )
    before = models.JSONField(_("before"))
    after = models.JSONField(_("after"))
    reason = models.TextField(_("reason"), max_length=REASON_MAX)

    class Meta:
        verbose_name = _("item revision")
        verbose_name_plural = _("item revisions")
        ordering = ["-revised_at", "-id"]

    def __str__(self) -> str:
        return f"{self.item_id} {self.revised_at:%Y-%m-%d}"
