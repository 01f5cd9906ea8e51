"""Writes to accounts and role assignments. Each service checks the actor's scope and writes its audit event."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.accounts.models import LoginAttempt, RoleAssignment, User
from minsheng.accounts.roles import role_specs
from minsheng.areas.models import Division
from minsheng.audit.services import audit_record
from minsheng.catalog.models import Department
from minsheng.core.modules import RoleSpec
from minsheng.core.scoping import scope_allows


def _require_manages(actor: User, division: Division) -> None:
    """The actor must manage users in an area that contains ``division``."""
    if not scope_allows(actor, "accounts.change_user", division.code):
        raise PermissionDenied(_("You do not manage accounts in %(area)s.") % {"area": division.name})


def _user_snapshot(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "home_area": user.home_area_id,
        "is_active": user.is_active,
    }


@transaction.atomic
def user_create(*, actor: User, username: str, display_name: str, password: str, home_area: Division) -> User:
    """Create a staff account in ``home_area``; roles are added separately."""
    _require_manages(actor, home_area)
    username = username.strip()
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("An account with this name exists already.")})
    user = User(username=username, display_name=display_name.strip(), home_area=home_area)
    validate_password(password, user)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    audit_record(
        actor=actor,
        action="accounts.user_created",
        obj=user,
        area_code=home_area.code,
        after=_user_snapshot(user),
    )
    return user


@transaction.atomic
def user_set_active(*, actor: User, user: User, is_active: bool, reason: str) -> User:
    if user.home_area is None:
        raise PermissionDenied(_("This account has no home area and is managed by the system only."))
    _require_manages(actor, user.home_area)
    if user.pk == actor.pk and not is_active:
        raise ValidationError(_("You cannot deactivate your own account."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give a reason.")})
    before = _user_snapshot(user)
    user.is_active = is_active
    user.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        action="accounts.user_activated" if is_active else "accounts.user_deactivated",
        obj=user,
        area_code=user.home_area.code,
        before=before,
        after=_user_snapshot(user),
        reason=reason,
    )
    return user


def _assignment_snapshot(assignment: RoleAssignment) -> dict[str, Any]:
    return {
        "user": assignment.user.username,
        "role": assignment.role,
        "division": assignment.division_id,
        "department": assignment.department.code if assignment.department else None,
        "organisation": assignment.organisation_id,
    }


@transaction.atomic
def role_assignment_add(
    *,
    actor: User,
    user: User,
    role: str,
    division: Division,
    department: Department | None = None,
    organisation_id: int | None = None,
) -> RoleAssignment:
    """Give ``user`` the ``role`` in ``division``; the level must fit the role (its ``RoleSpec.levels``); an
    organisation-bound role (``RoleSpec.organisation``) names an organisation of that model inside the division."""
    spec = role_specs().get(role)
    if spec is None:
        raise ValidationError({"role": _("Unknown role.")})
    _require_manages(actor, division)
    allowed_levels = spec.levels
    if division.level not in allowed_levels:
        raise ValidationError(
            {
                "division": _("A %(role)s is bound to a division of level %(levels)s, not %(level)s.")
                % {
                    "role": spec.label,
                    "levels": "、".join(str(Division.Level(lv).label) for lv in sorted(allowed_levels)),
                    "level": Division.Level(division.level).label,
                }
            }
        )
    if spec.department and department is None:
        raise ValidationError({"department": _("A department handler needs a department.")})
    if not spec.department and department is not None:
        raise ValidationError({"department": _("Only a department handler is bound to a department.")})
    _check_organisation(spec, division, organisation_id)
    duplicate = RoleAssignment.objects.filter(
        user=user, role=role, division=division, department=department, organisation_id=organisation_id
    )
    if duplicate.exists():
        raise ValidationError(_("The account holds this role in this area already."))
    assignment = RoleAssignment.objects.create(
        user=user, role=role, division=division, department=department, organisation_id=organisation_id
    )
    audit_record(
        actor=actor,
        action="accounts.role_assigned",
        obj=user,
        area_code=division.code,
        after=_assignment_snapshot(assignment),
    )
    return assignment


def _check_organisation(spec: RoleSpec, division: Division, organisation_id: int | None) -> None:
    """An organisation-bound role names one organisation (a row of ``spec.organisation``, which carries the 12-digit
    ``area_code`` it lies in) inside the division; other roles name none."""
    if spec.organisation is None:
        if organisation_id is not None:
            raise ValidationError({"organisation": _("This role is not bound to an organisation.")})
        return
    if organisation_id is None:
        raise ValidationError({"organisation": _("Choose the organisation this account works for.")})
    model = apps.get_model(spec.organisation)
    rows = model.objects.unscoped() if hasattr(model.objects, "unscoped") else model.objects  # an id, checked below
    area_code = rows.filter(pk=organisation_id).values_list("area_code", flat=True).first()
    if area_code is None or not area_code.startswith(division.prefix):
        raise ValidationError({"organisation": _("No such organisation in this area.")})


@transaction.atomic
def role_assignment_remove(*, actor: User, assignment: RoleAssignment, reason: str) -> None:
    _require_manages(actor, assignment.division)
    if not reason.strip():
        raise ValidationError({"reason": _("Give a reason.")})
    before = _assignment_snapshot(assignment)
    user = assignment.user
    assignment.delete()
    audit_record(
        actor=actor,
        action="accounts.role_removed",
        obj=user,
        area_code=before["division"],
        before=before,
        reason=reason,
    )


def login_is_throttled(*, username: str, client_ip: str | None, now: dt.datetime | None = None) -> bool:
    """Too many failed sign-ins for this account from this address, or from this address at all, in the window.

    Failures from one address never refuse the account at another: nobody can lock somebody else out. A success
    for the account from the address clears its earlier failures there (not the address's own count, or signing
    in to one's own account would reset the guessing of others).
    """
    since = (now or timezone.now()) - dt.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    recent = LoginAttempt.objects.filter(attempted_at__gte=since)
    limit = settings.LOGIN_FAILURE_LIMIT
    pair = recent.filter(username__iexact=username, client_ip=client_ip)
    last_success = pair.filter(succeeded=True).aggregate(at=Max("attempted_at"))["at"]
    pair_failures = pair.filter(succeeded=False)
    if last_success is not None:
        pair_failures = pair_failures.filter(attempted_at__gt=last_success)
    if pair_failures.count() >= limit:
        return True
    return client_ip is not None and recent.filter(client_ip=client_ip, succeeded=False).count() >= limit * 4


@transaction.atomic
def login_attempt_record(*, username: str, client_ip: str | None, user: User | None) -> LoginAttempt:
    attempt = LoginAttempt.objects.create(username=username[:150], client_ip=client_ip, succeeded=user is not None)
    # A failure against a real account is filed under that account's area, so its auditors see it.
    account = user or User.objects.filter(username__iexact=username).first()
    audit_record(
        actor=user,
        action="auth.login_succeeded" if user is not None else "auth.login_failed",
        kind="auth",
        object_type="accounts.user",
        object_id=str(account.pk) if account is not None else "",
        object_repr=username[:200],
        area_code=(account.home_area_id or "") if account is not None else "",
    )
    return attempt


@transaction.atomic
def account_provision(
    *,
    username: str,
    display_name: str,
    password: str,
    home_area: Division,
    roles: list[tuple[str, Division, Department | None]],
) -> User:
    """System job (demo, fixtures): make the account exist with exactly these roles and this password.

    Idempotent; recorded as one system audit event when anything changed.
    """
    user = User.objects.filter(username=username).first()
    created = user is None
    if user is None:
        user = User(username=username)
    user.display_name = display_name
    user.home_area = home_area
    user.is_active = True
    user.set_password(password)
    user.save()
    wanted = {(role, division.code, department.pk if department else None) for role, division, department in roles}
    current = {(a.role, a.division_id, a.department_id): a for a in user.role_assignments.all()}
    for key, assignment in current.items():
        if key not in wanted:
            assignment.delete()
    for role, division, department in roles:
        if (role, division.code, department.pk if department else None) not in current:
            RoleAssignment.objects.create(user=user, role=role, division=division, department=department)
    audit_record(
        actor=None,
        action="accounts.user_provisioned",
        kind="system",
        obj=user,
        area_code=home_area.code,
        after={"created": created, "roles": sorted(f"{r}@{d.code}" for r, d, _dep in roles)},
    )
    return user
