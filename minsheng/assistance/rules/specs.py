"""The rules' numbers, by name. Values live in the ``Parameter`` table (date-effective, area-scoped); this list
only names them, says what unit they are in and what they mean (DOMAIN §1–4, §6). Amounts are in fen."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class ParameterSpec:
    key: str
    unit: str  # fen, ratio, months, working_days, days, bands
    label: object


SPECS = [
    ParameterSpec("dibao.standard", "fen", _("低保 standard per person per month")),
    ParameterSpec("dibao.edge_multiplier", "ratio", _("低保边缘: multiple of the 低保 standard")),
    ParameterSpec(
        "tekun.base_multiplier", "ratio", _("特困 basic support: at least this multiple of the 低保 standard")
    ),
    ParameterSpec("tekun.care_tiers", "bands", _("特困 care support per month by self-care level")),
    ParameterSpec("linshi.township_cap", "fen", _("临时救助: what the township may pay first")),
    ParameterSpec("linshi.papers_deadline", "working_days", _("临时救助: working days to complete the papers")),
    ParameterSpec("linshi.bands", "bands", _("临时救助 bands")),
    ParameterSpec("dibao.taper_months", "months", _("渐退: months of tapered payment after finding work")),
    ParameterSpec("dibao.review_months", "bands", _("Review cycle in months by category")),
    ParameterSpec("disability.living_allowance", "fen", _("困难残疾人生活补贴 per month")),
    ParameterSpec("disability.care_allowance", "fen", _("重度残疾人护理补贴 per month")),
    ParameterSpec(
        "disability.living_allowance_groups",
        "bands",
        _("困难残疾人生活补贴 covers these families: dibao, and edge where the city extends it"),
    ),
    ParameterSpec("children.orphan_allowance", "fen", _("孤儿基本生活费 per month")),
    ParameterSpec("elderly.age_allowance", "bands", _("尊老金 bands by age")),
    ParameterSpec(
        "dibao.asset_limits",
        "bands",
        _("Asset test: financial assets per person in months of the standard, vehicles and houses allowed"),
    ),
    ParameterSpec("dibao.uplifts", "bands", _("分类施保: uplift per member by category, as a share of the standard")),
    ParameterSpec("dibao.rounding", "bands", _("Rounding of the monthly amount and the smallest payment")),
    ParameterSpec("tekun.review_months", "months", _("特困: annual review cycle in months")),
    ParameterSpec(
        "rigid.income_line", "fen", _("刚性支出: per-capita disposable income of the previous year, per month")
    ),
    ParameterSpec("rigid.expense_share", "ratio", _("刚性支出: share of household income the rigid spending exceeds")),
    ParameterSpec("children.ill_disabled_allowance", "fen", _("重病重残儿童 living allowance per month")),
    # The relief station (minsheng.relief, DOMAIN §6.3) and funeral services (minsheng.funeral, DOMAIN §6.6).
    ParameterSpec("relief.stay_days", "days", _("Relief station: days a stay may last without an extension")),
    ParameterSpec(
        "relief.announcement_days", "working_days", _("寻亲: working days from admission to the public announcement")
    ),
    ParameterSpec(
        "funeral.waiver_services", "bands", _("惠民殡葬: basic services waived and the most waived for each")
    ),
    ParameterSpec("funeral.waiver_groups", "bands", _("惠民殡葬: programmes whose recipients have the fees waived")),
    ParameterSpec("funeral.complaint_answer_days", "working_days", _("Funeral price reports: working days to answer")),
]
SPEC_BY_KEY = {spec.key: spec for spec in SPECS}
