"""Models shared by every app: the idempotency keys of the API endpoints that move money."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class IdempotencyKey(models.Model):
    """A client's ``Idempotency-Key`` and the answer its request got, so that the same request sent again (a retry
    after a timeout, a double click) gets the same answer instead of acting twice.

    Written in the transaction of the request's own change: a key whose request failed is not kept, and a second
    request with the same key waits for the first to commit (the unique constraint) and then replays its answer."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    key = models.CharField(_("idempotency key"), max_length=100)
    endpoint = models.CharField(_("endpoint"), max_length=100)
    request_hash = models.CharField(_("request digest"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("response status"), default=0)
    response = models.JSONField(_("response body"), default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once_per_user")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.key}"
