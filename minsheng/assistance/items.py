"""How the one window hands its items to the programmes: the 低保 / 特困 items open their procedure when accepted,
and they and the temporary-assistance items are decided through the programmes, not from a department's inbox."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from minsheng.assistance.procedure.models import PROCEDURE_ITEMS
from minsheng.assistance.procedure.selectors import procedure_runs
from minsheng.assistance.procedure.services import programme_cases_open
from minsheng.assistance.temporary.models import TEMPORARY_ITEMS

if TYPE_CHECKING:
    from minsheng.accounts.models import User


class ProgrammeItems:
    items = frozenset({*PROCEDURE_ITEMS, *TEMPORARY_ITEMS})

    def cases_accepted(self, cases: Sequence[Any], *, actor: User) -> None:
        programme_cases_open(cases, actor=actor)  # 受理 of a 低保 / 特困 item opens its procedure

    def decides(self, case: Any) -> bool:
        return procedure_runs(case)
