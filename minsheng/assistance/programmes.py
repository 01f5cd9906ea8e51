"""The programmes every part of ``assistance`` shares: what the means test decides and what a benefit pays
(``Programme``), and what a result's or benefit's category code means."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from minsheng.core.numbers import parse_int

CATEGORY_LABELS = {
    "income": _("Low income (低收入型)"),
    "disability_single": _("Disabled member covered alone (残疾人单列户施保)"),
    "illness_single": _("Seriously ill member covered alone (重病型单列户施保)"),
    "clergy_single": _("Clergy at a religious site covered alone (宗教教职人员单独施保)"),
    "county_single": _("Member of a county category covered alone (县定类别单独施保)"),
    "able": _("Fully self-caring (全自理)"),
    "partly_unable": _("Partly dependent (半护理)"),
    "fully_unable": _("Fully dependent (全护理)"),
    "orphan": _("Orphan (孤儿)"),
    "de_facto": _("De facto unsupported child (事实无人抚养儿童)"),
}


def category_label(category: str) -> str:
    """``4-2`` → physical, grade 2; ``80`` → from 80 years; a known code → its label; else the code."""
    if category in CATEGORY_LABELS:
        return str(CATEGORY_LABELS[category])
    if "-" in category:
        from minsheng.people.models import DisabilityCertificate

        kind, grade = (parse_int(part, minimum=0) for part in category.split("-", 1))
        if kind in DisabilityCertificate.Category.values and grade in DisabilityCertificate.Grade.values:
            return f"{DisabilityCertificate.Category(kind).label} {DisabilityCertificate.Grade(grade).label}"
    if parse_int(category, minimum=0) is not None:
        return str(_("From %(age)s years") % {"age": category})
    return category


class Programme(models.TextChoices):
    """What the means-test engine decides and what a benefit pays (DOMAIN §1–4, §6)."""

    DIBAO = "dibao", _("低保 (minimum living guarantee)")
    EDGE = "edge", _("低保边缘 family")
    RIGID = "rigid", _("刚性支出 hardship family")
    TEKUN = "tekun", _("特困 support")
    DISABILITY_LIVING = "disability_living", _("困难残疾人生活补贴")
    DISABILITY_CARE = "disability_care", _("重度残疾人护理补贴")
    ORPHAN = "orphan", _("孤儿 / 事实无人抚养儿童 living allowance")
    CHILD_ILL_DISABLED = "child_ill", _("重病重残儿童 allowance")
    ELDERLY = "elderly", _("尊老金")
    TEMPORARY = "temporary", _("临时救助")


# The programmes a benefit pays every month (the payroll's); temporary assistance is paid once, case by case.
MONTHLY_PROGRAMMES: tuple[str, ...] = tuple(p for p in Programme.values if p != Programme.TEMPORARY)
