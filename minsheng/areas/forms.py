from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from minsheng.areas.codes import InvalidCode, normalize_code
from minsheng.areas.models import Division


class DivisionCodeField(forms.CharField):
    """A 12-digit (or shorter published) division code, resolved within the areas the form allows."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 12)
        kwargs.setdefault("help_text", _("The 12-digit statistical division code, e.g. 321302001001."))
        super().__init__(*args, **kwargs)
        self.divisions: Any = Division.objects.none()

    def clean(self, value: Any) -> Division | None:
        raw = super().clean(value)
        if not raw and not self.required:
            return None
        try:
            code = normalize_code(raw)
        except InvalidCode:
            raise forms.ValidationError(_("“%(code)s” is not a division code.") % {"code": raw}) from None
        division: Division | None = self.divisions.filter(code=code).first()
        if division is None:
            raise forms.ValidationError(_("No division %(code)s in the areas you manage.") % {"code": code})
        return division
