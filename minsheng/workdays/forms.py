from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from minsheng.core.forms import StyledForm
from minsheng.core.limits import TEXT_MAX


class ArrangementForm(StyledForm):
    year = forms.IntegerField(label=_("Year"), min_value=1949, max_value=2200)
    notice = forms.CharField(
        label=_("Notice"), max_length=200, help_text=_("e.g. 国务院办公厅关于2027年部分节假日安排的通知")
    )
    days = forms.CharField(
        label=_("Holidays and make-up working days"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_("One day a line: 2027-01-01 休 元旦, or 2027-02-07 班 春节调休."),
    )
