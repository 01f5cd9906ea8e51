"""Which catalogue items run which procedure here. Items are numbered in ``catalog/data/items.csv`` and the
numbers are stable (the catalogue page edits names, materials and limits, never numbers)."""

from __future__ import annotations

from minsheng.assistance.models import Programme, TemporaryAid

# Item cases of these items get a ProgrammeCase (the 低保 / 特困 procedure) when accepted.
PROCEDURE_ITEMS: dict[int, str] = {1: Programme.DIBAO, 4: Programme.TEKUN}
# Item cases of these items are temporary assistance of the given kind.
TEMPORARY_ITEMS: dict[int, str] = {6: TemporaryAid.Kind.URGENT, 7: TemporaryAid.Kind.EXPENSE}
