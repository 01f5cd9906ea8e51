from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from minsheng.core import months
from minsheng.core.limits import LABEL_MAX


class StyledForm(forms.Form):
    """Gives every widget its Bootstrap class, so templates render fields without per-field markup; a free-text
    field (a text area, or a line of ``LABEL_MAX`` characters or more) says its limit under it (``core.limits``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            _show_limit(field)
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple):
                continue  # a list of boxes, styled in the template
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


def _show_limit(field: forms.Field) -> None:
    limit = getattr(field, "max_length", None)
    if not isinstance(field, forms.CharField) or not limit or isinstance(field.widget, forms.HiddenInput):
        return
    field.error_messages.setdefault("max_length", _("At most %(limit_value)d characters (this has %(show_value)d)."))
    if not isinstance(field.widget, forms.Textarea) and limit < LABEL_MAX:
        return  # a name, a number, a code: its size speaks for itself
    hint = gettext("At most %(limit)d characters.") % {"limit": limit}
    field.help_text = f"{field.help_text} {hint}" if field.help_text else hint


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: under the field it names, else above the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# Above this a typing slip is more likely than a real amount (¥1,000,000).
MAX_FEN = 100_000_000


class YuanField(forms.CharField):
    """An amount in yuan ("1500", "1,500.50", "¥1500 元"), cleaned to whole fen; bad input gets a plain reason.

    Amounts must be above zero unless ``allow_zero`` (e.g. the value of an asset, deductible costs)."""

    def __init__(self, *, allow_zero: bool = False, **kwargs: Any) -> None:
        self.allow_zero = allow_zero
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> int | None:
        text = super().clean(value)
        if text in (None, ""):
            return None
        cleaned = str(text).replace(",", "").replace("，", "").replace("¥", "").replace("￥", "").replace("元", "")
        try:
            amount = Decimal(cleaned.strip())
        except InvalidOperation:
            amount = Decimal("NaN")
        if not amount.is_finite():
            raise forms.ValidationError(
                _("Enter the amount in yuan as a number, for example 1500 or 1500.50."), code="invalid"
            )
        if amount < 0 or (amount == 0 and not self.allow_zero):
            message = _("Enter an amount of zero or more.") if self.allow_zero else _("Enter an amount above zero.")
            raise forms.ValidationError(message, code="min_value")
        if amount * 100 > MAX_FEN:
            raise forms.ValidationError(_("The amount is above ¥1,000,000; check it."), code="max_value")
        if amount != amount.quantize(Decimal("0.01")):
            raise forms.ValidationError(_("Enter at most two decimals: the smallest unit is one fen."), code="decimals")
        return int(amount * 100)


class MonthField(forms.CharField):
    """A month as ``YYYY-MM`` (the browser's month picker), cleaned to its first day, within the sensible range:
    from ``months.EARLIEST_MONTH`` to ``months_ahead`` months after the current one (``MONTHS_AHEAD`` by default;
    0 for "this month or an earlier one"). ``too_late`` replaces the message for a month beyond that."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "2026-07"})

    def __init__(self, *, months_ahead: int = months.MONTHS_AHEAD, too_late: Any = None, **kwargs: Any) -> None:
        self.months_ahead = months_ahead
        self.too_late = too_late
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> dt.date | None:  # type: ignore[override]
        text = (value or "").strip()
        if not text:
            return None
        try:
            month = months.parse_month(text)
        except ValueError:
            raise ValidationError(_("Enter a month such as 2026-07."), code="invalid") from None
        today = timezone.localdate()
        latest = months.latest_month(today, self.months_ahead)
        if month > latest and self.too_late is not None:
            raise ValidationError(self.too_late, code="max_value")
        if not months.month_in_range(month, today=today, months_ahead=self.months_ahead):
            raise ValidationError(
                _("Enter a month from %(first)s to %(last)s.")
                % {"first": f"{months.EARLIEST_MONTH:%Y-%m}", "last": f"{latest:%Y-%m}"},
                code="out_of_range",
            )
        return month
