"""The smallest module: one role, one page, one API route, one audited action, one figure, one demo step, one kind of
due work, a one-window item handler, a registry subscription and a kind of home visit — and no edit anywhere else."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db.models import Count, F, Value
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext_lazy

from minsheng.audit.models import AuditEvent
from minsheng.core.modules import (
    ApiRoute,
    CellReader,
    CellSource,
    CellWindow,
    DemoStep,
    DueItem,
    DuePosition,
    DueWork,
    FlowCells,
    Headline,
    Indicator,
    Module,
    NavEntry,
    NavGroup,
    RegistryChange,
    RegistryEvent,
    RoleSpec,
    StatisticsFamily,
    VisitKind,
    VisitSubject,
)
from minsheng.core.questions import Question
from minsheng.core.roles import Role
from minsheng.core.scoping import scope_allows
from tests.example_module.views import VIEW, BoardViewSet

if TYPE_CHECKING:
    from minsheng.accounts.models import User

KEEPER = "example_keeper"
RECORD = "example.add_mealvisit"
MEAL_AT = (Decimal("33.963000"), Decimal("118.275000"))  # where the meal is served (the person's home)
ITEM = 20  # 惠民殡葬费用减免
SEEN: dict[str, list[Any]] = {"accepted": [], "changes": [], "visits": []}


class FuneralItems:
    items = frozenset({ITEM})

    def cases_accepted(self, cases: Sequence[Any], *, actor: User) -> None:
        SEEN["accepted"].extend(cases)

    def decides(self, case: Any) -> bool:
        return True


def board_views(window: CellWindow) -> Iterable[CellSource]:
    yield FlowCells(
        "example_views",
        AuditEvent.objects.unscoped()  # the figure counts events of every area (codes only)
        .filter(window.area_filter(), action="example.board_viewed", occurred_at__gte=window.start)
        .values(a=F("area_code"), m=TruncMonth("occurred_at"), d=Value(""))
        .annotate(v=Count("id"), v2=Value(0)),
    )


def views_figure(rows: CellReader, end: dt.date, note: str) -> tuple[int | None, str]:
    return rows.flow("example_views")[0], note


def due(user: User, today: dt.date, limit: int, after: DuePosition | None) -> list[DueItem]:
    """One thing due (a module's query would read its rows with ``due_rows``); after it, nothing."""
    item = DueItem(
        "example_due", "审核公墓价格", "/example/board/", "321302000000", today, position=DuePosition(today, 1)
    )
    return [item][:limit] if after is None else []


def meal_subject(user: User, pk: int) -> VisitSubject | None:
    """A meal served at home: here simply the person of that id, when in the user's areas for recording it."""
    from minsheng.people.models import Person

    # unscoped: checked right below against the user's areas for recording a meal visit
    person = Person.objects.unscoped().filter(pk=pk).first()
    if person is None or not scope_allows(user, RECORD, person.hukou_area_id):
        return None
    return VisitSubject(
        person_id=person.pk,
        area_code=person.hukou_area_id,
        title="助餐 · 12月第2次",
        details=(("老人", person.id_masked),),
        expected_at=MEAL_AT,
        back_url="/example/board/",
    )


def meal_questions(subject: VisitSubject) -> Sequence[Question]:
    return (Question("meal", "用餐情况", (("eaten", "已用餐"), ("refused", "拒绝用餐"))), Question("remark", "备注"))


def meal_received(visit: Any, user: User) -> str | None:
    if visit.answers.get("meal") == "refused":
        raise ValidationError({"answers": ["老人拒绝用餐，不能记为已完成的助餐服务。"]})
    SEEN["visits"].append(visit.pk)
    return "助餐服务已记录。"


MODULE = Module(
    app_label="example",
    roles=(RoleSpec(KEEPER, "公墓管理员", frozenset({"county"})),),
    permissions={KEEPER: {VIEW, RECORD, "areas.view_division"}, Role.CITY_ADMIN: {VIEW}},
    nav_groups=(NavGroup("example", "殡葬", 950),),
    navigation=(NavEntry(VIEW, "example:board", "价格公示", "example", 950, badge=lambda user: 3),),
    audit_actions={"example.board_viewed": "价格公示已查看"},
    urls=("example/", "tests.example_module.urls"),
    api_routes=(ApiRoute("example-boards", BoardViewSet, "example-board"),),
    statistics=(
        StatisticsFamily(
            "example",
            (Indicator("example_views", False, "board views in the month", "0", ""),),
            changed_by=("example.",),
            compute=board_views,
        ),
    ),
    headlines=(Headline("example_board_views", "价格公示查看人次", "persons", True, views_figure, 900),),
    demo=(DemoStep(500, lambda scale, seed, say: "example: nothing to add"),),
    due_work=(DueWork("example_due", "价格审核", VIEW, items=due, count=lambda user, today: 1),),
    item_handlers=(FuneralItems(),),
    subscribers={RegistryEvent.HOUSEHOLD_CHANGED: (lambda change: SEEN["changes"].append(change),)},
    visit_kinds=(
        VisitKind(
            "example.meal",
            gettext_lazy("助餐服务"),
            RECORD,
            subject=meal_subject,
            questions=meal_questions,
            photo_stages=("before", "after"),
            timed=True,
            receive=meal_received,
        ),
    ),
)

__all__ = ["MODULE", "RegistryChange"]
