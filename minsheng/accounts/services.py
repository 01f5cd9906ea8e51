"""Writes to accounts and role assignments. Each service checks the actor's scope and writes its audit event."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from minsheng.accounts.models import LoginAttempt, PasswordHistory, RoleAssignment, RoleRequest, User, UserSession
from minsheng.accounts.roles import role_is_sensitive, role_specs
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
    # The administrator knows this password: its holder must replace it before anything else.
    _password_recorded(user, must_change=True)
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
    if not is_active:
        _sessions_delete(user)
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


def _check_grant(
    *,
    actor: User,
    user: User,
    role: str,
    division: Division,
    department: Department | None,
    organisation_id: int | None,
) -> None:
    """What any grant must satisfy: a declared role, the actor manages the area and is not the grantee, the level,
    department and organisation fit, and the account does not hold the role there already."""
    spec = role_specs().get(role)
    if spec is None:
        raise ValidationError({"role": _("Unknown role.")})
    _require_manages(actor, division)
    if user.pk == actor.pk:
        raise PermissionDenied(_("Nobody may give themselves a role: ask another administrator."))
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


def _role_request_snapshot(request: RoleRequest) -> dict[str, Any]:
    return {
        "user": request.user.username,
        "role": request.role,
        "division": request.division_id,
        "department": request.department.code if request.department else None,
        "organisation": request.organisation_id,
        "requested_by": request.requested_by.username,
        "status": request.status,
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
) -> RoleAssignment | RoleRequest:
    """Give ``user`` the ``role`` in ``division``; the level must fit the role (its ``RoleSpec.levels``); an
    organisation-bound role (``RoleSpec.organisation``) names an organisation of that model inside the division.

    Nobody gives themselves a role. A sensitive role (``roles.sensitive_roles()``: money, approval, account
    administration) is not given at once: the grant becomes a pending ``RoleRequest``, returned, that a second
    administrator of the area confirms (``role_request_confirm``).
    """
    target: dict[str, Any] = {"user": user, "role": role, "division": division, "department": department}
    _check_grant(actor=actor, **target, organisation_id=organisation_id)
    if role_is_sensitive(role):
        waiting = ValidationError(_("This role is already waiting for a second administrator."))
        # unscoped: uniqueness check: a pending request for the same grant counts in every area
        pending = RoleRequest.objects.unscoped().filter(**target, status=RoleRequest.Status.PENDING)
        if pending.exists():
            raise waiting
        try:
            with transaction.atomic():  # two clicks at once: the partial unique constraint keeps one
                request = RoleRequest.objects.create(**target, organisation_id=organisation_id, requested_by=actor)
        except IntegrityError:
            raise waiting from None
        audit_record(
            actor=actor,
            action="accounts.role_requested",
            obj=user,
            area_code=division.code,
            after=_role_request_snapshot(request),
        )
        return request
    assignment = RoleAssignment.objects.create(**target, organisation_id=organisation_id)
    audit_record(
        actor=actor,
        action="accounts.role_assigned",
        obj=user,
        area_code=division.code,
        after=_assignment_snapshot(assignment),
    )
    return assignment


@transaction.atomic
def role_request_confirm(*, actor: User, request: RoleRequest) -> RoleAssignment:
    """Give the role asked for: by an administrator of the area other than the one who asked, and not the grantee."""
    _require_manages(actor, request.division)
    # unscoped: the caller loaded the request through the door; re-read under lock
    locked = RoleRequest.objects.unscoped().select_for_update().get(pk=request.pk)
    if locked.status != RoleRequest.Status.PENDING:
        raise ValidationError(_("This request has been decided already."))
    if locked.requested_by_id == actor.pk:
        raise PermissionDenied(_("A role must be confirmed by another administrator than the one who asked for it."))
    target: dict[str, Any] = {
        "user": User.objects.get(pk=locked.user_id),
        "role": locked.role,
        "division": locked.division,
        "department": locked.department,
        "organisation_id": locked.organisation_id,
    }
    _check_grant(actor=actor, **target)
    before = _role_request_snapshot(locked)
    assignment = RoleAssignment.objects.create(**target)
    locked.status = RoleRequest.Status.CONFIRMED
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    audit_record(
        actor=actor,
        action="accounts.role_confirmed",
        obj=target["user"],
        area_code=locked.division_id,
        before=before,
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
    # unscoped: one organisation id, checked against the division's prefix just below
    rows = model.objects.unscoped() if hasattr(model.objects, "unscoped") else model.objects
    area_code = rows.filter(pk=organisation_id).values_list("area_code", flat=True).first()
    if area_code is None or not area_code.startswith(division.prefix):
        raise ValidationError({"organisation": _("No such organisation in this area.")})


@transaction.atomic
def role_request_reject(*, actor: User, request: RoleRequest, note: str) -> RoleRequest:
    """Refuse (or, by the administrator who asked, withdraw) a pending grant, with the reason."""
    _require_manages(actor, request.division)
    if not note.strip():
        raise ValidationError({"note": _("Say why the role is not given.")})
    # unscoped: the request the caller loaded through the door; the pending status guards the race
    updated = (
        RoleRequest.objects.unscoped()
        .filter(pk=request.pk, status=RoleRequest.Status.PENDING)
        .update(
            status=RoleRequest.Status.REJECTED, decided_by=actor, decided_at=timezone.now(), decision_note=note[:500]
        )
    )
    if updated != 1:
        raise ValidationError(_("This request has been decided already."))
    request.refresh_from_db()
    audit_record(
        actor=actor,
        action="accounts.role_rejected",
        obj=request.user,
        area_code=request.division_id,
        after=_role_request_snapshot(request),
        reason=note,
    )
    return request


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
    organisation_id: int | None = None,
) -> User:
    """System job (demo, fixtures): make the account exist with exactly these roles and this password
    (``organisation_id``: the organisation an organisation-bound role is bound to, e.g. a funeral home).

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
    # The password is its holder's own (the demo prints it to the person running it; create_admin asks the
    # administrator for it), so no forced change; the maximum age counts from now.
    user.password_changed_at = timezone.now()
    user.password_must_change = False
    user.save()
    wanted = {
        (role, division.code, department.pk if department else None, organisation_id)
        for role, division, department in roles
    }
    current = {(a.role, a.division_id, a.department_id, a.organisation_id): a for a in user.role_assignments.all()}
    for key, assignment in current.items():
        if key not in wanted:
            assignment.delete()
    for role, division, department in roles:
        if (role, division.code, department.pk if department else None, organisation_id) not in current:
            RoleAssignment.objects.create(
                user=user, role=role, division=division, department=department, organisation_id=organisation_id
            )
    audit_record(
        actor=None,
        action="accounts.user_provisioned",
        kind="system",
        obj=user,
        area_code=home_area.code,
        after={"created": created, "roles": sorted(f"{r}@{d.code}" for r, d, _dep in roles)},
    )
    return user


# Passwords ---------------------------------------------------------------------------------------------------


def _password_recorded(user: User, *, must_change: bool) -> None:
    """Bookkeeping of the password just set on ``user``: when, whether its holder must replace it, its history."""
    now = timezone.now()
    user.password_changed_at = now
    user.password_must_change = must_change
    user.save(update_fields=["password", "password_changed_at", "password_must_change"])
    keep = settings.PASSWORD_HISTORY
    if keep and user.has_usable_password():
        PasswordHistory.objects.create(user=user, password=user.password, set_at=now)
        stale = list(user.password_history.order_by("-set_at", "-pk").values_list("pk", flat=True)[keep:])
        PasswordHistory.objects.filter(pk__in=stale).delete()


@transaction.atomic
def user_password_change(
    *, user: User, password: str, keep_session_key: str | None = None, reset: bool = False
) -> User:
    """The account's holder sets their own new password: on the change page, or through a reset link (``reset``).

    The policy is checked here (``AUTH_PASSWORD_VALIDATORS``: length, classes, history). Every other session of the
    account ends; the forced change is over, and the maximum age counts from now.
    """
    if not user.is_active:
        raise PermissionDenied(_("This account is disabled. Ask your administrator."))
    validate_password(password, user)
    user.set_password(password)
    _password_recorded(user, must_change=False)
    ended = _sessions_delete(user, keep=keep_session_key)
    audit_record(
        actor=user,
        action="accounts.password_reset_completed" if reset else "accounts.password_changed",
        kind="auth",
        obj=user,
        area_code=user.home_area_id or "",
        after={"sessions_ended": ended},
    )
    return user


@dataclass(frozen=True)
class ResetLink:
    """What the reset page shows once: the path of the one-time link and until when it works."""

    uidb64: str
    token: str
    expires_at: dt.datetime


@transaction.atomic
def user_password_reset_issue(*, actor: User, user: User) -> ResetLink:
    """An administrator resets an account's password without learning the new one.

    The old password stops working at once and the account's sessions end; the result is a one-time link
    (Django's ``default_token_generator``) for the account's holder to choose a new password, valid until it is
    used or ``PASSWORD_RESET_TIMEOUT`` has passed. Nothing of it is stored: a second reset makes the first link
    useless (the token is bound to the password hash, which each reset draws anew).
    """
    if user.home_area is None:
        raise PermissionDenied(_("This account has no home area and is managed by the system only."))
    _require_manages(actor, user.home_area)
    if user.pk == actor.pk:
        raise ValidationError(_("Change your own password on the password page."))
    if not user.is_active:
        raise ValidationError(_("This account is disabled: enable it first."))
    user.set_unusable_password()
    user.password_must_change = False
    user.save(update_fields=["password", "password_must_change"])
    ended = _sessions_delete(user)
    expires_at = timezone.now() + dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)
    audit_record(
        actor=actor,
        action="accounts.password_reset_issued",
        obj=user,
        area_code=user.home_area.code,
        after={"expires_at": expires_at.isoformat(timespec="seconds"), "sessions_ended": ended},
    )
    return ResetLink(
        uidb64=urlsafe_base64_encode(force_bytes(user.pk)),
        token=default_token_generator.make_token(user),
        expires_at=expires_at,
    )


# Sessions ----------------------------------------------------------------------------------------------------


def _sessions_delete(user: User, *, keep: str | None = None) -> int:
    """End the account's stored sessions (but ``keep``); the linked ``UserSession`` rows go with them."""
    keys = UserSession.objects.filter(user=user).exclude(session_id=keep or "").values("session_id")
    _total, per_model = Session.objects.filter(session_key__in=keys).delete()
    return per_model.get(Session._meta.label, 0)


@transaction.atomic
def session_record(*, user: User, session_key: str, user_agent: str, client_ip: str | None) -> UserSession:
    """Link a session just opened by signing in to its account (called on ``user_logged_in``)."""
    record, _created = UserSession.objects.update_or_create(
        session_id=session_key,
        defaults={"user": user, "user_agent": user_agent[:300], "client_ip": client_ip, "signed_in_at": timezone.now()},
    )
    return record


@transaction.atomic
def session_end(*, actor: User, session_id: int, current_key: str | None) -> bool:
    """End one of the actor's own sessions, not the current one (signing out does that); false when it has ended."""
    record = UserSession.objects.filter(user=actor, pk=session_id).exclude(session_id=current_key or "").first()
    if record is None:
        return False
    Session.objects.filter(session_key=record.session_id).delete()
    audit_record(
        actor=actor,
        action="accounts.session_ended",
        kind="auth",
        obj=actor,
        area_code=actor.home_area_id or "",
        after={"sessions_ended": 1, "client_ip": record.client_ip},
    )
    return True


@transaction.atomic
def sessions_end_others(*, actor: User, current_key: str | None) -> int:
    """End every session of the actor's but the current one."""
    ended = _sessions_delete(actor, keep=current_key)
    if ended:
        audit_record(
            actor=actor,
            action="accounts.session_ended",
            kind="auth",
            obj=actor,
            area_code=actor.home_area_id or "",
            after={"sessions_ended": ended},
        )
    return ended


@transaction.atomic
def user_sessions_end(*, actor: User, user: User, reason: str) -> int:
    """An administrator ends every session of an account they manage (a lost device, a shared PC left open)."""
    if user.home_area is None:
        raise PermissionDenied(_("This account has no home area and is managed by the system only."))
    _require_manages(actor, user.home_area)
    if not reason.strip():
        raise ValidationError({"reason": _("Give a reason.")})
    ended = _sessions_delete(user)
    audit_record(
        actor=actor,
        action="accounts.user_sessions_ended",
        obj=user,
        area_code=user.home_area.code,
        after={"sessions_ended": ended},
        reason=reason,
    )
    return ended
