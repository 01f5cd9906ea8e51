from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from minsheng.accounts.roles import Role, role_label, role_permissions
from minsheng.core.scoping import Scope, scope_prefix


class StaffQuerySet(models.QuerySet["User"]):
    def restrict(self, user: Any, action: str = "view") -> StaffQuerySet:
        """Accounts whose home area lies inside the areas where ``user`` may ``action`` accounts."""
        if not (user.is_authenticated and user.is_active):
            return self.none()
        scopes = user.scopes_for(f"accounts.{action}_user")
        if not scopes:
            return self.none()
        condition = Q()
        for scope in scopes:
            condition |= Q(home_area__code__startswith=scope.prefix)
        return self.filter(condition)


class StaffManager(UserManager.from_queryset(StaffQuerySet)):  # type: ignore[misc]
    pass


class User(AbstractUser):
    """A staff account. What it may do, and where, comes from its role assignments only."""

    display_name = models.CharField(_("name"), max_length=60, blank=True)
    home_area = models.ForeignKey(
        "areas.Division",
        verbose_name=_("home area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The area whose administrators manage this account."),
    )

    objects: ClassVar[StaffManager] = StaffManager()

    # Set per request by ActiveScopeMiddleware when the user picked one of several assignments.
    active_assignment: RoleAssignment | None = None

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.username

    @cached_property
    def assignments(self) -> list[RoleAssignment]:
        return list(self.role_assignments.select_related("division", "department").order_by("division_id", "role"))

    def effective_assignments(self) -> list[RoleAssignment]:
        if self.active_assignment is not None:
            return [self.active_assignment]
        return self.assignments

    def scopes_for(self, permission: str) -> list[Scope]:
        """The areas (and departments) in which this user holds ``permission``."""
        if not self.is_active:
            return []
        granted = role_permissions()
        return [
            Scope(prefix=a.prefix, department_id=a.department_id, organisation_id=a.organisation_id)
            for a in self.effective_assignments()
            if permission in granted.get(a.role, frozenset())
        ]

    def has_role_permission(self, permission: str) -> bool:
        return bool(self.scopes_for(permission))

    def roles(self) -> set[str]:
        return {a.role for a in self.effective_assignments()}


class RoleAssignment(models.Model):
    """One role held by a user in one area (and, for a department handler, one department)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="role_assignments",
    )
    # One of the roles the installed modules declare (``roles.role_specs``; checked by ``role_assignment_add``).
    role = models.CharField(_("role"), max_length=40)
    division = models.ForeignKey("areas.Division", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        "catalog.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # For an organisation-bound role (RoleSpec.organisation, e.g. "funeral.facility"): the id of that organisation.
    organisation_id = models.BigIntegerField(_("organisation"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "division"],
                condition=Q(department__isnull=True),
                name="role_assignment_unique_without_department",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "division", "department"],
                condition=Q(department__isnull=False),
                name="role_assignment_unique_with_department",
            ),
            models.CheckConstraint(
                condition=(Q(role=Role.DEPARTMENT_HANDLER) & Q(department__isnull=False))
                | (~Q(role=Role.DEPARTMENT_HANDLER) & Q(department__isnull=True)),
                name="role_assignment_department_iff_handler",
            ),
        ]

    def __str__(self) -> str:
        label = f"{self.get_role_display()} · {self.division.name}"
        return f"{label} · {self.department}" if self.department_id else label

    def get_role_display(self) -> str:
        return str(role_label(self.role))

    @property
    def prefix(self) -> str:
        return scope_prefix(self.division.code, self.division.level)


class LoginAttempt(models.Model):
    """Each sign-in attempt, kept to throttle guessing by account and by address."""

    username = models.CharField(max_length=150, db_index=True)
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    succeeded = models.BooleanField(default=False)
    attempted_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["client_ip", "attempted_at"])]

    def __str__(self) -> str:
        return f"{self.username} {self.attempted_at:%Y-%m-%d %H:%M} {'ok' if self.succeeded else 'failed'}"
