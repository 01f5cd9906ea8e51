"""A worker's notices: one line of text and the page it points to, for one user."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Notice(models.Model):
    """Something that happened for a user to look at (a new online application, an upload, a decision). Written by
    the module's service inside its transaction; the user's own, so not scoped by area."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="desk_notices")
    text = models.CharField(_("message"), max_length=300)
    link = models.CharField(_("link"), max_length=200, blank=True, default="")
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    read = models.BooleanField(pgettext_lazy("notice", "read"), default=False)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read", "-created_at"], name="desk_notice_inbox")]

    def __str__(self) -> str:
        return self.text
