"""Roles, the area level each is bound to, and the permissions each grants — gathered from the modules.

Permissions are named like Django's own, ``<app_label>.<action>_<model_name>`` (``areas.view_division``), plus
a few page-level ones (``accounts.manage_users``). Each module declares the roles it brings and the permissions it
grants to any role (``core.modules``); a role assignment grants its role's permissions inside its area only, and the
scoping door (``minsheng.core.scoping``) turns them into a prefix match.
"""

from __future__ import annotations

from minsheng.core.modules import Label, RoleSpec, derived, modules
from minsheng.core.roles import STAFF_ROLES, Role

__all__ = ["STAFF_ROLES", "Role", "role_choices", "role_grants", "role_label", "role_permissions", "role_specs"]


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
