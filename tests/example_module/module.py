"""The smallest module: one role, one page, one API route, one audited action, one figure, one demo step, one kind of
due work, a one-window item handler and a registry subscription — and no edit anywhere else."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.db.models import Count, F, Value
from django.db.models.functions import TruncMonth

from minsheng.audit.models import AuditEvent
from minsheng.core.modules import (
    ApiRoute,
    CellReader,
    CellSource,
    CellWindow,
    DemoStep,
    DueItem,
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
)
from minsheng.core.roles import Role
from tests.example_module.views import VIEW, BoardViewSet

if TYPE_CHECKING:
    from minsheng.accounts.models import User

KEEPER = "example_keeper"
ITEM = 20  # 惠民殡葬费用减免
SEEN: dict[str, list[Any]] = {"accepted": [], "changes": []}


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


def due(user: User, today: dt.date, limit: int) -> list[DueItem]:
    return [DueItem("example_due", "审核公墓价格", "/example/board/", "321302000000", today)][:limit]


MODULE = Module(
    app_label="example",
    roles=(RoleSpec(KEEPER, "公墓管理员", frozenset({"county"})),),
    permissions={KEEPER: {VIEW, "areas.view_division"}, Role.CITY_ADMIN: {VIEW}},
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
    headlines=(Headline("children_care_projects", "儿童关爱项目", "count", True, views_figure, 900),),
    demo=(DemoStep(500, lambda scale, seed, say: "example: nothing to add"),),
    due_work=(DueWork("example_due", "价格审核", VIEW, items=due, count=lambda user, today: 1),),
    item_handlers=(FuneralItems(),),
    subscribers={RegistryEvent.HOUSEHOLD_CHANGED: (lambda change: SEEN["changes"].append(change),)},
)

__all__ = ["MODULE", "RegistryChange"]
