"""The rules as people read and enter them: amounts in 元, bands and tiers as table rows, choices by their names —
never raw JSON or fen. ``display`` turns a stored value into cells; ``parse_value`` reads the structured form back
into the stored value (then ``validate_value`` checks units and bounds)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext as _

from minsheng.assistance.rules.specs import UNIT_LABELS, Field, ParameterSpec
from minsheng.core.forms import YuanField
from minsheng.core.templatetags.money import yuan

BLANK_ROWS = 3  # empty rows offered under a rule's bands for new ones


def _cell(unit: str, value: Any, choices: tuple[tuple[str, object], ...] = ()) -> str:
    """One value as text: fen as ¥ in 元, a choice by its label, a number with its unit."""
    if value in (None, ""):
        return ""
    if unit == "fen":
        return f"¥{yuan(value)}"
    if unit == "choice":
        return str(dict(choices).get(value, value))
    if unit == "text":
        return str(value)
    label = UNIT_LABELS.get(unit)
    if unit == "ratio":
        return f"{Decimal(str(value)).normalize():f} {label}"
    return f"{value} {label}" if label else str(value)


@dataclass
class Shown:
    """A value as shown: a text, or a table (headers and rows of cells)."""

    text: str = ""
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


def display(spec: ParameterSpec, value: Any) -> Shown:
    if spec.unit in {"bands", "record"}:
        rows = value if spec.unit == "bands" else [value]
        cells = [
            [_cell(f.unit, row.get(f.name), f.choices) for f in spec.fields] for row in rows if isinstance(row, dict)
        ]
        return Shown(headers=[str(f.label) for f in spec.fields], rows=cells, text="" if cells else _("none"))
    if spec.unit == "set":
        labels = dict(spec.choices)
        return Shown(text="、".join(str(labels.get(code, code)) for code in value) or _("none"))
    return Shown(text=_cell(spec.unit, value))


def input_text(unit: str, value: Any) -> str:
    """A stored value as typed in the form: fen in 元."""
    if value in (None, ""):
        return ""
    if unit == "fen":
        return f"{Decimal(value) / 100:.2f}"
    return str(value)


def form_rows(spec: ParameterSpec, value: Any) -> list[list[tuple[Field, str, str]]]:
    """The rows of the edit table: (column, input name, current text) per cell; bands get blank rows to add."""
    if spec.unit == "record":
        rows = [value if isinstance(value, dict) else {}]
    else:
        rows = [row for row in (value or []) if isinstance(row, dict)] + [{}] * BLANK_ROWS
    return [
        [(f, f"r{i}_{f.name}", input_text(f.unit, row.get(f.name))) for f in spec.fields] for i, row in enumerate(rows)
    ]


def _parse(unit: str, text: str, label: object) -> Any:
    if unit == "fen":
        try:
            return YuanField(allow_zero=True, required=False).clean(text)
        except forms.ValidationError as exc:
            raise ValidationError(f"{label}: {' '.join(exc.messages)}") from None
    if unit in {"text", "choice"}:
        return text
    try:
        number = Decimal(text.replace(",", ""))
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite() or (unit != "ratio" and number != number.to_integral_value()):
        raise ValidationError(
            _("%(field)s: enter a number such as 1.5.") % {"field": label}
            if unit == "ratio"
            else _("%(field)s: enter a whole number.") % {"field": label}
        )
    return f"{number.normalize():f}" if unit == "ratio" else int(number)


def parse_value(spec: ParameterSpec, data: QueryDict) -> Any:
    """The value the structured form entered, in the stored shape; rows left empty are dropped."""
    if spec.unit == "set":
        return data.getlist("choice")
    if spec.unit not in {"bands", "record"}:
        text = data.get("value", "").strip()
        if not text:
            raise ValidationError(_("Enter the value."))
        return _parse(spec.unit, text, spec.label)
    rows = []
    for i in range(200):
        names = [f"r{i}_{f.name}" for f in spec.fields]
        if not any(name in data for name in names):
            break
        texts = {f.name: data.get(f"r{i}_{f.name}", "").strip() for f in spec.fields}
        if not any(texts.values()):
            continue
        rows.append({f.name: _parse(f.unit, texts[f.name], f.label) for f in spec.fields if texts[f.name]})
    if spec.unit == "record":
        return rows[0] if rows else {}
    return rows
