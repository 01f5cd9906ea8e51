"""Roles, the area level each is bound to, and the permissions each grants — gathered from the modules.

Permissions are named like Django's own, ``<app_label>.<action>_<model_name>`` (``areas.view_division``), plus
a few page-level ones (``accounts.manage_users``). Each module declares the roles it brings and the permissions it
grants to any role (``core.modules``); a role assignment grants its role's permissions inside its area only, and the
scoping door (``minsheng.core.scoping``) turns them into a prefix match.
"""

from __future__ import annotations

from minsheng.core.modules import Label, RoleSpec, derived, modules
from minsheng.core.roles import STAFF_ROLES, Role

__all__ = [
    "STAFF_ROLES",
    "Role",
    "permission_is_sensitive",
    "role_choices",
    "role_grants",
    "role_is_sensitive",
    "role_label",
    "role_permissions",
    "role_specs",
    "sensitive_roles",
]


@derived
def role_specs() -> dict[str, RoleSpec]:
    """Every role of the installed modules, by code, in display order."""
    specs = [spec for module in modules() for spec in module.roles]
    found: dict[str, RoleSpec] = {}
    for spec in sorted(specs, key=lambda s: (s.order, s.code)):
        if spec.code in found:
            raise ValueError(f"role {spec.code!r} is declared twice")
        found[spec.code] = spec
    return found


@derived
def role_permissions() -> dict[str, frozenset[str]]:
    """Role code → every permission the installed modules grant it."""
    granted: dict[str, set[str]] = {code: set() for code in role_specs()}
    for module in modules():
        for role, permissions in module.permissions.items():
            if role not in granted:
                raise ValueError(f"{module.app_label} grants permissions to an undeclared role {role!r}")
            granted[role] |= set(permissions)
    return {code: frozenset(permissions) for code, permissions in granted.items()}


def role_choices() -> list[tuple[str, Label]]:
    return [(code, spec.label) for code, spec in role_specs().items()]


def role_label(code: str) -> Label:
    spec = role_specs().get(code)
    return spec.label if spec is not None else code


def role_grants(role: str, permission: str) -> bool:
    return permission in role_permissions().get(role, frozenset())


def roles_granting(permission: str) -> list[str]:
    return [role for role, permissions in role_permissions().items() if permission in permissions]


def permission_is_sensitive(permission: str) -> bool:
    """A permission that moves money, approves, or administers accounts (separation of duties, 等保 2.0).

    Preparing or approving the payroll (every ``payments`` permission but reading), approving or deciding a case
    (``assistance.approve_*``, ``assistance.decide_*``), paying temporary assistance first (先救助后审批), and
    managing accounts and roles (a second administrator would otherwise confirm the first one's grants).
    """
    app, _dot, codename = permission.partition(".")
    if app == "payments":
        return not codename.startswith("view_")
    if app == "assistance":
        return codename.startswith(("approve_", "decide_")) or codename == "add_temporaryaid"
    return permission == "accounts.change_user"


@derived
def sensitive_roles() -> frozenset[str]:
    """Roles whose grant needs a second administrator: the first administrator's grant waits as a ``RoleRequest``
    until a different administrator of the area confirms it.

    A role is sensitive when its module declares it so (``RoleSpec.sensitive``) or when any module grants it a
    sensitive permission, so a role that gains one becomes sensitive without being listed anywhere.
    """
    granted = role_permissions()
    return frozenset(
        code
        for code, spec in role_specs().items()
        if spec.sensitive or any(map(permission_is_sensitive, granted[code]))
    )


def role_is_sensitive(role: str) -> bool:
    return role in sensitive_roles()
