"""Reading and setting the rules' values (DOMAIN: every amount is date-effective, area-scoped configuration)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from minsheng.assistance.models import Parameter
from minsheng.assistance.parameters import SPEC_BY_KEY
from minsheng.audit.services import audit_record


class MissingParameter(LookupError):
    """No value of the rule applies to the area on the date: an administrator must enter one."""


def parameter_for(key: str, *, area_code: str, on: dt.date) -> Parameter:
    """The value of ``key`` for ``area_code`` on ``on``: the most specific area wins, then the latest start."""
    rows = Parameter.objects.filter(key=key, valid_from__lte=on).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
    row = most_specific(rows, area_code)
    if row is None:
        raise MissingParameter(f"no value of {key} for {area_code} on {on}")
    return row


def most_specific(rows: Iterable[Parameter], area_code: str) -> Parameter | None:
    """Of the values in force, the one for the longest area prefix containing ``area_code``, then the latest."""
    candidates = [row for row in rows if area_code.startswith(row.area_prefix)]
    return max(candidates, key=lambda row: (len(row.area_prefix), row.valid_from)) if candidates else None


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
    *, actor: Any, key: str, area_prefix: str, valid_from: dt.date, value: Any, source: str, is_demo: bool
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
