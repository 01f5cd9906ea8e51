from __future__ import annotations

from typing import Any, ClassVar, NoReturn

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minsheng.core.modules import audit_action_labels
from minsheng.core.scoping import ScopedManager, ScopedModel, ScopedQuerySet


class AuditImmutable(RuntimeError):
    """Audit events are written once and never changed or removed."""


class AuditEventQuerySet(ScopedQuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AuditImmutable("audit events cannot be updated")

    def delete(self) -> NoReturn:
        raise AuditImmutable("audit events cannot be deleted")


class AuditEventManager(ScopedManager["AuditEvent"]):
    queryset_class = AuditEventQuerySet


class AuditEvent(ScopedModel):
    """One thing somebody did or saw: append-only, written in the transaction of the change it records.

    The database refuses UPDATE and DELETE on this table (triggers in migration 0002, kept on every partition by
    0003); in production the application's database user also holds only INSERT and SELECT on it
    (docs/deployment.md). On PostgreSQL the table is partitioned by month of ``occurred_at`` (``audit/partitions.py``,
    docs/modules/audit.md): its primary key there is (id, occurred_at), and it carries only the indexes the auditor's
    searches and the statistics refresh use (below).
    """

    class Kind(models.TextChoices):
        CHANGE = "change", _("Change")
        VIEW = "view", _("View of personal data")
        AUTH = "auth", _("Sign-in")
        SYSTEM = "system", _("System job")

    occurred_at = models.DateTimeField(_("time"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        # Accounts are deactivated, never deleted: no index for the PROTECT check.
        db_index=False,
    )
    actor_username = models.CharField(_("actor account"), max_length=150, blank=True)
    actor_role = models.CharField(_("role"), max_length=200, blank=True)
    on_behalf_of = models.CharField(_("acting for"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.CHANGE)
    action = models.CharField(_("action"), max_length=64)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    area_code = models.CharField(_("area code"), max_length=12, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(_("after"), null=True, blank=True, encoder=DjangoJSONEncoder)
    # At most core.limits.COMPOSED_MAX characters, checked by audit_record. Not a max_length here: altering the field
    # would make SQLite rebuild this append-only table, and its trigger with it.
    reason = models.TextField(_("reason"), blank=True)
    request_id = models.CharField(_("request id"), max_length=36, blank=True)
    client_ip = models.GenericIPAddressField(_("client IP"), null=True, blank=True)

    objects: ClassVar[AuditEventManager] = AuditEventManager()

    scope_field = "area_code"

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-occurred_at", "-id"]
        # What the readers filter on (besides the primary key): the time (the auditor's list, newest first by a
        # cursor, its area checked in the index; the statistics refresh's window); an object's history and the
        # search by person; the scoping door's area prefix (LIKE 'prefix%': the pattern operator class) with the
        # time; the auditor's search by account (iexact: UPPER). The action is searched only with the scope and a
        # time window, which these serve.
        indexes = [
            models.Index(
                fields=["occurred_at", "id", "area_code"],
                name="audit_event_time_area_idx",
                opclasses=["", "", "varchar_pattern_ops"],
            ),
            models.Index(fields=["object_type", "object_id"], name="audit_audit_object__0e78a5_idx"),
            models.Index(
                fields=["area_code", "occurred_at"],
                name="audit_event_area_time_idx",
                opclasses=["varchar_pattern_ops", "timestamptz_ops"],
            ),
            models.Index(Upper("actor_username"), name="audit_event_actor_upper_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_username} {self.action}"

    @property
    def action_label(self) -> str:
        return str(audit_action_labels().get(self.action, self.action))

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditImmutable("audit events cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditImmutable("audit events cannot be deleted")
