"""Setting the rules' values (DOMAIN: every amount is date-effective, area-scoped configuration)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from minsheng.assistance.rules.models import Parameter
from minsheng.assistance.rules.specs import SPEC_BY_KEY, Field, ParameterSpec
from minsheng.audit.services import audit_record

if TYPE_CHECKING:
    from minsheng.accounts.models import User


def _number(unit: str, value: Any, minimum: Any, maximum: Any) -> Any:
    """A scalar value checked against its unit and bounds: whole numbers as ``int``, ratios as a decimal string."""
    if unit == "ratio":
        if isinstance(value, bool):
            raise ValidationError(_("Enter a number such as 1.5."))
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise ValidationError(_("Enter a number such as 1.5.")) from None
        if not number.is_finite():
            raise ValidationError(_("Enter a number such as 1.5."))
    elif not isinstance(value, int) or isinstance(value, bool):
        raise ValidationError(_("Enter a whole number."))
    else:
        number = Decimal(value)
    if minimum is not None and number < minimum:
        raise ValidationError(_("Enter at least %(min)s.") % {"min": minimum})
    if maximum is not None and number > maximum:
        raise ValidationError(_("Enter at most %(max)s.") % {"max": maximum})
    return str(value) if unit == "ratio" else value


def _part(field: Field, value: Any) -> Any:
    if field.unit == "text":
        if not isinstance(value, str) or not value.strip() or len(value) > 100:
            raise ValidationError(_("%(field)s: enter a text of at most 100 characters.") % {"field": field.label})
        return value.strip()
    if field.unit == "choice":
        if value not in {code for code, _label in field.choices}:
            raise ValidationError(_("%(field)s: choose one of the listed values.") % {"field": field.label})
        return value
    try:
        return _number(field.unit, value, field.minimum, field.maximum)
    except ValidationError as exc:
        raise ValidationError(f"{field.label}: {' '.join(exc.messages)}") from None


def _row(spec: ParameterSpec, row: Any) -> dict[str, Any]:
    if not isinstance(row, dict) or set(row) - {field.name for field in spec.fields}:
        raise ValidationError(_("Enter the values in the table's columns."))
    clean = {}
    for field in spec.fields:
        if row.get(field.name) in (None, "") and field.optional:
            continue
        if field.name not in row:
            raise ValidationError(_("%(field)s: enter a value.") % {"field": field.label})
        clean[field.name] = _part(field, row[field.name])
    return clean


def validate_value(key: str, value: Any) -> Any:
    """The value of rule ``key`` checked against its spec (unit, bounds, columns), as stored."""
    spec = SPEC_BY_KEY.get(key)
    if spec is None:
        raise ValidationError({"key": _("Unknown rule.")})
    try:
        if spec.unit == "bands":
            if not isinstance(value, list) or len(value) > 50:
                raise ValidationError(_("Enter the bands as rows of the table."))
            return [_row(spec, row) for row in value]
        if spec.unit == "record":
            return _row(spec, value)
        if spec.unit == "set":
            codes = {code for code, _label in spec.choices}
            if not isinstance(value, list) or any(code not in codes for code in value):
                raise ValidationError(_("Choose among the listed values."))
            return list(dict.fromkeys(value))
        return _number(spec.unit, value, spec.minimum, spec.maximum)
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            raise
        raise ValidationError({"value": exc.messages}) from None


@transaction.atomic
def parameter_set(
    *, actor: User | None, key: str, area_prefix: str, valid_from: dt.date, value: Any, source: str, is_demo: bool
) -> Parameter:
    """Enter a new value from ``valid_from``; the open value of the same rule and area ends the day before."""
    if actor is not None and not actor.has_perm("assistance.change_parameter"):
        raise PermissionDenied(_("Only a city administrator edits the rules."))
    value = validate_value(key, value)
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
