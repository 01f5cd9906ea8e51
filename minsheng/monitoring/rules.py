"""Warning rules as data (DOMAIN §4): what each kind of rule may say, and the check of a rule before it is saved.

A **feed rule** names a department source (``exchange.DataSource``) and a condition on its matched records:
``{}`` (any record), ``{"amount_at_least_fen": N}`` (the layout's main amount at least N fen: a medical bill's own
share, a disaster's loss, a utility debt), ``{"column": C, "in": [...]}`` (a choice column of the layout among
the values: the utility cut off, the disaster a fire), or both. An **object rule** names one of ``OBJECT_RULES``
over the programmes' own data and takes no condition.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from minsheng.core.modules import Label
from minsheng.exchange.layouts import Kind, layout_for
from minsheng.exchange.models import DataSource

OBJECT_RULES: dict[str, Label] = {
    "about_to_qualify": gettext_lazy("即将进保: the latest means test finds 低保 eligibility, no 低保 is paid"),
    "about_to_leave": gettext_lazy("即将脱保: 低保 is paid, the latest means test no longer finds eligibility"),
    "edge": gettext_lazy("救助边缘: the latest means test finds a 低保边缘 family without a benefit"),
    "disability_doubt": gettext_lazy(
        "低保内残补存疑: 困难残疾人生活补贴 paid, the household's latest means test no longer finds it due"
    ),
    "verification_doubt": gettext_lazy("核查报告问题: a paid household's 核对报告 has 疑点 or 不符合"),
}
MAX_AMOUNT_FEN = 100_000_000_000
DEADLINE_RANGE = (1, 60)


def check_rule(*, kind: str, source: str, condition: dict[str, Any], deadline_days: int) -> dict[str, Any]:
    """The condition cleaned, or ValidationError naming what is impossible about the rule."""
    low, high = DEADLINE_RANGE
    if not low <= deadline_days <= high:
        raise ValidationError(
            {"deadline_days": _("The deadline is %(low)s to %(high)s working days.") % {"low": low, "high": high}}
        )
    if kind == "object":
        if source not in OBJECT_RULES:
            raise ValidationError({"source": _("Unknown object rule.")})
        if condition:
            raise ValidationError({"condition": _("An object rule takes no condition.")})
        return {}
    if kind != "feed":
        raise ValidationError({"kind": _("Unknown kind of rule.")})
    data_source = DataSource.objects.filter(code=source).first()
    layout = layout_for(source, data_source.layout_version) if data_source else None
    if layout is None:
        raise ValidationError({"source": _("Unknown data source.")})
    unknown = set(condition) - {"amount_at_least_fen", "column", "in"}
    if unknown:
        raise ValidationError({"condition": _("Unknown condition: %(keys)s") % {"keys": "、".join(sorted(unknown))}})
    clean: dict[str, Any] = {}
    if "amount_at_least_fen" in condition:
        if not layout.amount:
            raise ValidationError({"condition": _("This source carries no amount to compare.")})
        amount = condition["amount_at_least_fen"]
        if not isinstance(amount, int) or isinstance(amount, bool) or not 0 < amount <= MAX_AMOUNT_FEN:
            raise ValidationError(
                {"condition": _("The amount is a whole number of fen above 0 and at most ¥1,000,000,000.")}
            )
        clean["amount_at_least_fen"] = amount
    if "column" in condition or "in" in condition:
        column = next((c for c in layout.columns if c.name == condition.get("column")), None)
        if column is None or column.kind is not Kind.CHOICE:
            raise ValidationError({"condition": _("The column must be one of the source's choice columns.")})
        values = condition.get("in")
        if not isinstance(values, list) or not values or not set(values) <= set(column.choices):
            raise ValidationError(
                {"condition": _("Choose the values among: %(values)s") % {"values": "、".join(column.choices)}}
            )
        clean["column"], clean["in"] = column.name, sorted(set(values))
    return clean


def matches(condition: dict[str, Any], amount_fen: int | None, values: dict[str, Any]) -> bool:
    """Whether one matched record of a feed rule's source meets the rule's (cleaned) condition."""
    floor = condition.get("amount_at_least_fen")
    if floor is not None and (amount_fen is None or amount_fen < floor):
        return False
    column = condition.get("column")
    return not column or values.get(column) in condition.get("in", ())


def describe(kind: str, source: str, condition: dict[str, Any]) -> str:
    """The condition in words, for the rules page and the preview."""
    if kind == "object":
        return str(OBJECT_RULES.get(source, source))
    parts = [_("every matched record")]
    if "amount_at_least_fen" in condition:
        parts.append(_("amount at least ¥%(yuan)s") % {"yuan": f"{condition['amount_at_least_fen'] / 100:,.2f}"})
    if condition.get("column"):
        parts.append(
            _("%(column)s is %(values)s") % {"column": condition["column"], "values": "、".join(condition["in"])}
        )
    return "，".join(parts)
