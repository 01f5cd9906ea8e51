"""Reads of the one window that other parts of the platform show."""

from __future__ import annotations

from typing import Any

from minsheng.intake.models import Notification


def unread_notices(user: Any) -> int:
    """The user's notices not yet read (the count beside 通知 in the header)."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
