"""Setting the rules' values (DOMAIN: every amount is date-effective, area-scoped configuration)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from minsheng.assistance.rules.models import Parameter
from minsheng.assistance.rules.specs import SPEC_BY_KEY
from minsheng.audit.services import audit_record

if TYPE_CHECKING:
    from minsheng.accounts.models import User


def _validate(key: str, value: Any) -> Any:
    spec = SPEC_BY_KEY.get(key)
    if spec is None:
        raise ValidationError({"key": _("Unknown rule.")})
    if spec.unit in {"fen", "months", "working_days", "days"}:
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValidationError({"value": _("Enter a whole number of at least 0.")})
    elif spec.unit == "ratio":
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValidationError({"value": _("Enter a number such as 1.5.")}) from None
        if number <= 0:
            raise ValidationError({"value": _("Enter a number above 0.")})
        value = str(value)
    elif not isinstance(value, list | dict):
        raise ValidationError({"value": _("Enter the bands as a list.")})
    return value


@transaction.atomic
def parameter_set(
    *, actor: User | None, key: str, area_prefix: str, valid_from: dt.date, value: Any, source: str, is_demo: bool
) -> Parameter:
    """Enter a new value from ``valid_from``; the open value of the same rule and area ends the day before."""
    if actor is not None and not actor.has_perm("assistance.change_parameter"):
        raise PermissionDenied(_("Only a city administrator edits the rules."))
    value = _validate(key, value)
    if not source.strip():
        raise ValidationError({"source": _("Name the notice the value comes from.")})
    previous = (
        Parameter.objects.select_for_update()
        .filter(key=key, area_prefix=area_prefix, valid_to__isnull=True)
        .order_by("-valid_from")
        .first()
    )
    if previous is not None:
        if previous.valid_from >= valid_from:
            raise ValidationError({"valid_from": _("A later value exists already; enter values in date order.")})
        previous.valid_to = valid_from - dt.timedelta(days=1)
        previous.save(update_fields=["valid_to"])
    parameter = Parameter.objects.create(
        key=key,
        area_prefix=area_prefix,
        valid_from=valid_from,
        value=value,
        source=source.strip(),
        is_demo=is_demo,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="assistance.parameter_set",
        obj=parameter,
        area_code=area_prefix.ljust(12, "0") if area_prefix else "",
        before={"value": previous.value, "valid_from": previous.valid_from} if previous else None,
        after={"key": key, "value": value, "valid_from": valid_from, "is_demo": is_demo},
        reason=source,
    )
    return parameter
