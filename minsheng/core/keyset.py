"""Keyset pagination: a list page reads the rows it shows and one more, whatever the number of rows before them.

A page of ``Paginator`` costs ``OFFSET n`` (the database reads and throws away every row before the page) and a
``COUNT(*)`` over the whole scope. A keyset page instead starts *after* the last row shown: the order's columns of
that row travel in a signed cursor (``?cursor=…``), and the next page is ``WHERE (order columns) > (those values)
ORDER BY … LIMIT size + 1``. With an index that matches the filter and the order, the database reads ``size + 1``
index entries. The count shown beside a list is capped (``count_cap``): "more than 1,000" is read from at most 1,001
rows.

The cursor is signed (``django.core.signing``), so a user cannot hand-craft one to read outside the filter; a bad or
tampered cursor is a ``BadCursor`` (400, in Chinese), never a 500. See ``docs/architecture.md`` ("Lists").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.core import signing
from django.core.exceptions import BadRequest
from django.db.models import F, Index, Model, OrderBy, Q, QuerySet
from django.utils.translation import gettext as _

_RowT = TypeVar("_RowT", bound=Model)

# The largest count a list reads exactly; above it the page says "more than …".
COUNT_CAP = 1000
# Any page of any list holds at most this many rows (a larger ``size`` is refused by the caller's bound).
MAX_PAGE_SIZE = 200


class BadListRequest(BadRequest):
    """A list's address the page cannot read; its message is shown on the 400 page."""


class BadCursor(BadListRequest):
    """The cursor in the address is not one this list handed out (edited, truncated, from another list)."""

    def __init__(self) -> None:
        super().__init__(
            _("This page link is not valid (it was changed or is from another list). Open the list again.")
        )


@dataclass(frozen=True)
class Key:
    """One column of a list's order. ``nullable`` columns sort their empty values last, in either direction."""

    field: str
    descending: bool = False
    nullable: bool = False

    def order(self, *, backwards: bool = False) -> OrderBy:
        descending = self.descending != backwards
        expression = F(self.field)
        if not self.nullable:
            return expression.desc() if descending else expression.asc()
        # Empty values last when reading forwards, hence first when reading backwards; both are what a btree gives
        # read forwards or backwards (PostgreSQL's ASC is NULLS LAST), so the index still supplies the order.
        nulls = {"nulls_first": True} if backwards else {"nulls_last": True}
        return expression.desc(**nulls) if descending else expression.asc(**nulls)


@dataclass
class KeysetPage(Generic[_RowT]):
    """One page of a list: its rows, the cursors of the pages beside it, and the capped count of the whole list."""

    rows: list[_RowT]
    next_cursor: str = ""
    previous_cursor: str = ""
    count: int | None = None
    count_capped: bool = False
    size: int = 0
    keyset: bool = field(default=True, init=False)  # the pagination component tells the two kinds apart by it

    def __iter__(self) -> Iterator[_RowT]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def has_next(self) -> bool:
        return bool(self.next_cursor)

    @property
    def has_previous(self) -> bool:
        return bool(self.previous_cursor)

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    @property
    def object_list(self) -> list[_RowT]:
        return self.rows


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if value is None or isinstance(value, int | str | bool):
        return value
    return str(value)


def _value(row: Model, key: Key) -> Any:
    value: Any = row
    for part in key.field.split("__"):
        value = getattr(value, part, None) if value is not None else None
    return value


def _encode(direction: str, row: Model, keys: Sequence[Key], salt: str) -> str:
    return signing.dumps({"d": direction, "v": [_plain(_value(row, key)) for key in keys]}, salt=salt, compress=True)


def _decode(cursor: str, keys: Sequence[Key], salt: str) -> tuple[str, list[Any]]:
    if len(cursor) > 1000:
        raise BadCursor
    try:
        payload = signing.loads(cursor, salt=salt)
    except (signing.BadSignature, ValueError, TypeError, UnicodeError) as exc:
        raise BadCursor from exc
    if not isinstance(payload, dict) or payload.get("d") not in {"n", "p"}:
        raise BadCursor
    values = payload.get("v")
    if not isinstance(values, list) or len(values) != len(keys):
        raise BadCursor
    if any(not (v is None or isinstance(v, int | str | bool)) for v in values):
        raise BadCursor
    if any(v is None and not k.nullable for k, v in zip(keys, values, strict=True)):
        raise BadCursor
    return payload["d"], values


def _beyond(keys: Sequence[Key], values: Sequence[Any], *, after: bool) -> Q:
    """Rows strictly after (or before) the row whose order columns hold ``values``: the lexicographic comparison
    written as (k1 beyond v1) OR (k1 = v1 AND k2 beyond v2) OR …, with empty values sorting last."""
    condition = Q(pk__in=[])
    equal = Q()
    for key, value in zip(keys, values, strict=True):
        later = after != key.descending  # "greater" in the column's own terms
        if value is None:
            # An empty value is last: nothing is after it in this column; every filled value is before it.
            beyond = Q(pk__in=[]) if after else Q(**{f"{key.field}__isnull": False})
            same = Q(**{f"{key.field}__isnull": True})
        else:
            beyond = Q(**{f"{key.field}__{'gt' if later else 'lt'}": value})
            if key.nullable and after:
                beyond |= Q(**{f"{key.field}__isnull": True})
            same = Q(**{key.field: value})
        condition |= equal & beyond
        equal &= same
    first, value = keys[0], values[0]
    if not first.nullable and value is not None:
        # The same rows, with the first column's bound said on its own: an index on it starts there instead of
        # reading (and discarding) every entry before the cursor.
        condition &= Q(**{f"{first.field}__{'gte' if after != first.descending else 'lte'}": value})
    return condition


def capped_count(queryset: QuerySet[Any], cap: int = COUNT_CAP) -> tuple[int, bool]:
    """How many rows, read from at most ``cap + 1`` of them: (count, whether there are more than ``cap``)."""
    n = queryset.order_by()[: cap + 1].count()
    return min(n, cap), n > cap


def rows_after(queryset: QuerySet[_RowT], keys: Sequence[Key], values: Sequence[Any], limit: int) -> list[_RowT]:
    """At most ``limit`` rows of ``queryset`` in the order of ``keys``, after the row whose order columns hold
    ``values`` (empty: from the first). The to-do list's providers read with it (``core.modules.due_rows``)."""
    if values:
        queryset = queryset.filter(_beyond(keys, values, after=True))
    return list(queryset.order_by(*(key.order() for key in keys))[:limit])


def keyset_page(
    queryset: QuerySet[_RowT],
    keys: Sequence[Key],
    *,
    cursor: str | None,
    size: int,
    salt: str,
    count_cap: int | None = COUNT_CAP,
) -> KeysetPage[_RowT]:
    """One page of ``queryset`` in the order ``keys`` (the last key must make the order total, e.g. ``id``).

    ``cursor`` is the ``?cursor=`` of the request (empty: the first page); ``salt`` names the list, so that a cursor
    of one list is refused by another. Raises ``BadCursor`` for a cursor this list did not hand out.
    """
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise ValueError(f"page size {size} outside 1..{MAX_PAGE_SIZE}")
    salt = f"minsheng.keyset.{salt}"
    direction, values = _decode(cursor, keys, salt) if cursor else ("n", [])
    backwards = direction == "p"
    rows_query = queryset
    if values:
        rows_query = rows_query.filter(_beyond(keys, values, after=not backwards))
    fetched = list(rows_query.order_by(*(key.order(backwards=backwards) for key in keys))[: size + 1])
    more = len(fetched) > size
    rows = fetched[:size]
    if backwards:
        rows.reverse()
    page: KeysetPage[_RowT] = KeysetPage(rows=rows, size=size)
    if rows:
        if more if not backwards else bool(values):
            page.next_cursor = _encode("n", rows[-1], keys, salt)
        if more if backwards else bool(values):
            page.previous_cursor = _encode("p", rows[0], keys, salt)
    if count_cap is not None:
        page.count, page.count_capped = capped_count(queryset, count_cap)
    return page


def since_of(request: Any, name: str = "since") -> dt.date | None:
    """The start of a list's time window from the query (``YYYY-MM-DD``); absent: None; not a date: 400."""
    text = str(request.GET.get(name, "")).strip()
    if not text:
        return None
    try:
        day = dt.date.fromisoformat(text[:10]) if len(text) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise BadListRequest(_("The start date of the list is not a valid date (YYYY-MM-DD)."))
    return day


def cursor_of(request: Any) -> str:
    """The ``cursor`` query parameter, stripped (an absent one is the first page)."""
    return str(request.GET.get("cursor", "")).strip()


def area_index(*fields: str, name: str, area_field: str = "area_code") -> Index:
    """An index whose area column serves the scoping door's prefix match (``area_code LIKE '321302%'``).

    On PostgreSQL a LIKE prefix uses a btree only in the "C" collation or with a pattern operator class; the area
    column gets ``varchar_pattern_ops`` (equality and prefix ranges), the others their default class. Other databases
    ignore operator classes."""
    opclasses = ["varchar_pattern_ops" if f.lstrip("-") == area_field else "" for f in fields]
    return Index(fields=list(fields), name=name, opclasses=opclasses)
