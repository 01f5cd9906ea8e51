"""Test set-up of proactive discovery: a warning to visit, written straight to the table."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from minsheng.monitoring.models import Alert, WarningRule
from minsheng.testing import Personas, make_household, make_person


def open_alert(p: Personas, name: str = "孙秀兰", rule_code: str = "death", days: int = 5) -> Alert:
    """An open warning (of the rule ``rule_code``, migration 0002) about a new person of the reference village."""
    person = make_person(p.village, name, birth="1961-02-02")
    make_household(p.village, person)
    rule = WarningRule.objects.filter(code=rule_code).order_by("-version").first()
    assert rule is not None
    today = timezone.localdate()
    # unscoped: test set-up writes the warning directly
    return Alert.objects.unscoped().create(
        rule=rule,
        rule_code=rule.code,
        person=person,
        area_code=p.village.code,
        period=today.replace(day=1),
        summary="家庭成员死亡（测试）",
        severity=rule.severity,
        raised_on=today,
        due_on=today + dt.timedelta(days=days),
    )


def phone_visit_fields(**overrides: Any) -> dict[str, Any]:
    """The fields the phone page's script sends (without photos): a closed warning, with location and answers."""
    import json
    import uuid

    fields: dict[str, Any] = {
        "client_uuid": str(uuid.uuid4()),
        "checked_in_at": (timezone.now() - dt.timedelta(minutes=30)).isoformat(),
        "latitude": "33.963012",
        "longitude": "118.275431",
        "answers": json.dumps({"living": "hard", "income": "less", "needs": "冬季取暖"}, ensure_ascii=False),
        "outcome": "closed",
        "reason": "已核实，亲属照料，暂无困难",
    }
    fields.update(overrides)
    return {key: value for key, value in fields.items() if value is not None}
