from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend


class RoleBackend(ModelBackend):
    """Django permissions come from role assignments: ``user.has_perm(p)`` is true when any of the user's
    current assignments grants ``p``, somewhere. Where it applies is the scoping door's business."""

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        if not user_obj.is_active or obj is not None:
            return False
        return bool(user_obj.has_role_permission(perm))

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()
