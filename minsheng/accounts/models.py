from __future__ import annotations

import datetime as dt
import re
from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, AnonymousUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from minsheng.accounts.roles import Role, role_label, role_permissions
from minsheng.core.scoping import Scope, ScopedManager, ScopedModel, ScopeHolder, scope_prefix


class StaffQuerySet(models.QuerySet["User"]):
    def restrict(self, user: ScopeHolder | AnonymousUser, action: str = "view") -> StaffQuerySet:
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


class StaffManager(UserManager["User"]):
    # Written out rather than ``UserManager.from_queryset(StaffQuerySet)``, which the type checker cannot follow.
    def get_queryset(self) -> StaffQuerySet:
        return StaffQuerySet(self.model, using=self._db)

    def restrict(self, user: ScopeHolder | AnonymousUser, action: str = "view") -> StaffQuerySet:
        return self.get_queryset().restrict(user, action)


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
    # When the current password was set: the maximum age (PASSWORD_MAX_AGE_DAYS) counts from here.
    password_changed_at = models.DateTimeField(_("password set at"), default=timezone.now)
    # An administrator chose the password (a new account's initial password): its holder must replace it first.
    password_must_change = models.BooleanField(_("must change the password"), default=False)

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

    def password_change_reason(self, now: dt.datetime | None = None) -> str:
        """Why this user must choose a new password before anything else ("" when they need not).

        "initial": an administrator set it; "expired": it is older than ``PASSWORD_MAX_AGE_DAYS`` (0: never).
        """
        if self.password_must_change:
            return "initial"
        max_age = settings.PASSWORD_MAX_AGE_DAYS
        if max_age and self.password_changed_at <= (now or timezone.now()) - dt.timedelta(days=max_age):
            return "expired"
        return ""


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


class PasswordHistory(models.Model):
    """The hash of each password an account has had, newest first, so that the last ones are not used again.

    Only the newest ``PASSWORD_HISTORY`` are kept (``services.user_password_set`` prunes the rest).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    set_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["user", "-set_at"], name="password_history_user_newest")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.set_at:%Y-%m-%d %H:%M}"


# (marker in the user agent, name): the first that matches names the browser; Chrome's agent names Safari too.
_BROWSERS = (
    ("Edg", "Edge"),
    ("QQBrowser", "QQ"),
    ("360SE", "360"),
    ("Firefox", "Firefox"),
    ("Chrome", "Chrome"),
    ("Version", "Safari"),
)
_SYSTEMS = (
    ("Windows", "Windows"),
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iOS"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)


def device_label(user_agent: str) -> str:
    """A short name of the browser and system behind a user agent ("Chrome 126 · Windows"), else the agent."""
    browser = next(
        (
            f"{name} {match.group(1)}"
            for marker, name in _BROWSERS
            if (match := re.search(rf"{re.escape(marker)}/(\d+)", user_agent))
        ),
        "",
    )
    system = next((name for marker, name in _SYSTEMS if marker in user_agent), "")
    return " · ".join(part for part in (browser, system) if part) or user_agent[:60]


class UserSession(models.Model):
    """Which account a stored session belongs to, with the device and address it was opened from.

    Written at sign-in (``user_logged_in``); deleted with its session row (sign-out, ending it, ``clearsessions``).
    The last activity is the session's expiry less ``SESSION_COOKIE_AGE``: sessions slide with every request.
    """

    session = models.OneToOneField("sessions.Session", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sessions")
    user_agent = models.CharField(_("device"), max_length=300, blank=True, default="")
    client_ip = models.GenericIPAddressField(_("address"), null=True, blank=True)
    signed_in_at = models.DateTimeField(_("signed in at"), default=timezone.now)

    def __str__(self) -> str:
        return f"{self.user_id} {self.signed_in_at:%Y-%m-%d %H:%M}"

    @property
    def device(self) -> str:
        return device_label(self.user_agent)

    @property
    def last_activity(self) -> dt.datetime:
        return self.session.expire_date - dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)


class RoleRequest(ScopedModel):
    """A grant of a sensitive role (``roles.sensitive_roles()``) waiting for a second administrator to confirm it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a second administrator")
        CONFIRMED = "confirmed", _("Confirmed: role given")
        REJECTED = "rejected", _("Rejected")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.CASCADE, related_name="role_requests"
    )
    role = models.CharField(_("role"), max_length=40)  # a declared role, as RoleAssignment.role
    division = models.ForeignKey("areas.Division", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        "catalog.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    organisation_id = models.BigIntegerField(_("organisation"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("note"), blank=True, default="", max_length=500)

    objects: ClassVar[ScopedManager[RoleRequest]] = ScopedManager()

    scope_field = "division__code"

    class Meta:
        verbose_name = _("role request")
        verbose_name_plural = _("role requests")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "division"],
                condition=Q(status="pending", department__isnull=True),
                name="role_request_one_pending_without_department",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "division", "department"],
                condition=Q(status="pending", department__isnull=False),
                name="role_request_one_pending_with_department",
            ),
            # Separation of duties in the database too: the confirming administrator is neither the one who asked
            # nor the account receiving the role.
            models.CheckConstraint(
                condition=~Q(status="confirmed")
                | (~Q(decided_by=models.F("requested_by")) & ~Q(decided_by=models.F("user"))),
                name="role_request_confirmed_by_another",
            ),
            models.CheckConstraint(condition=~Q(requested_by=models.F("user")), name="role_request_not_for_oneself"),
        ]

    def __str__(self) -> str:
        label = f"{self.get_role_display()} · {self.division.name}"
        return f"{label} · {self.department}" if self.department_id else label

    def get_role_display(self) -> str:
        return str(role_label(self.role))
