"""Editing the catalogue. Each edit keeps the item as it was (``ItemRevision``) and writes an audit event."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from minsheng.audit.services import audit_record
from minsheng.catalog.models import Department, Item, ItemRevision
from minsheng.core.limits import LABEL_MAX, LIST_MAX, REASON_MAX, TEXT_MAX, require_length

if TYPE_CHECKING:
    from minsheng.core.typing import Actor


def item_snapshot(item: Item) -> dict[str, Any]:
    return {
        "name": item.name,
        "owners": sorted(item.owners.values_list("code", flat=True)),
        "kind": item.kind,
        "legal_basis": item.legal_basis,
        "materials": list(item.materials),
        "time_limit_days": item.time_limit_days,
        "time_limit_is_demo": item.time_limit_is_demo,
        "deciding_level": item.deciding_level,
        "target_groups": item.target_groups,
        "needs_verification": item.needs_verification,
        "follow_on": sorted(item.follow_on.values_list("number", flat=True)),
        "active": item.active,
    }


@transaction.atomic
def item_update(*, actor: Actor, item: Item, changes: dict[str, Any], reason: str) -> ItemRevision | None:
    """Apply ``changes`` (field → value; owners and follow_on as lists of objects). None when nothing changed."""
    if not actor.has_perm("catalog.change_item"):
        raise PermissionDenied(_("Only a city administrator edits the catalogue."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give a reason for the change.")})
    require_length(
        reason=(reason, REASON_MAX),
        legal_basis=(changes.get("legal_basis"), TEXT_MAX),
        target_groups=(changes.get("target_groups"), TEXT_MAX),
    )
    locked = Item.objects.select_for_update().get(pk=item.pk)
    before = item_snapshot(locked)
    owners: list[Department] | None = changes.pop("owners", None)
    follow_on: list[Item] | None = changes.pop("follow_on", None)
    if owners is not None and not owners:
        raise ValidationError({"owners": _("An item needs at least one owner department.")})
    if follow_on is not None and any(f.pk == locked.pk for f in follow_on):
        raise ValidationError({"follow_on": _("An item cannot follow on from itself.")})
    if "materials" in changes:
        changes["materials"] = [m.strip() for m in changes["materials"] if m.strip()]
        if len(changes["materials"]) > LIST_MAX:
            raise ValidationError({"materials": _("At most %(count)d materials.") % {"count": LIST_MAX}})
        for material in changes["materials"]:
            require_length(materials=(material, LABEL_MAX))
    for field, value in changes.items():
        setattr(locked, field, value)
    locked.full_clean(exclude=["owners", "follow_on"])
    locked.save()
    if owners is not None:
        locked.owners.set(owners)
    if follow_on is not None:
        locked.follow_on.set(follow_on)
    after = item_snapshot(locked)
    if after == before:
        return None
    revision = ItemRevision.objects.create(
        item=locked, revised_by_id=actor.pk, before=before, after=after, reason=reason
    )
    audit_record(
        actor=actor,
        action="catalog.item_changed",
        obj=locked,
        area_code=getattr(actor, "home_area_id", None) or "",
        before=before,
        after=after,
        reason=reason,
    )
    return revision
