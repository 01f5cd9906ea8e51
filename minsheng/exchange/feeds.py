"""Reading and checking a feed, then writing it set-based.

A feed is read whole (CSV, Excel or the API's JSON rows) and every row is checked against its source's layout: the ID
(GB 11643), the name, dates not in the future, amounts in yuan with at most two decimals and within bounds, the
allowed values, and no key given twice. Any bad row rejects the feed with a row-numbered list of reasons, and nothing
is written (the transaction the records are written in as the rows are checked rolls back). The records go a chunk
at a time into a temporary table (``COPY`` on PostgreSQL; IDs encrypted, with their blind index and masked copy),
then an ``INSERT … SELECT`` joined to the registry by the ID's blind index writes each record once with its match and
counts the matches; on PostgreSQL a second thread writes while the next rows are checked. No ORM object is made
per row.
"""

from __future__ import annotations

import collections
import csv
import datetime as dt
import hashlib
import io
import json
import logging
import operator
import queue
import re
import threading
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Count
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from minsheng.core.crypto import blind_indexer, encrypt_many, mask_id_number
from minsheng.exchange.layouts import Kind, Layout
from minsheng.exchange.models import Feed, FeedRecord
from minsheng.people.idnumbers import (
    CHECK_CHARACTERS,
    EARLIEST_BIRTH_DATE,
    WEIGHTS,
    InvalidIdNumber,
    parse_id_number,
)
from minsheng.people.models import Person
from minsheng.people.names import is_valid_name

logger = logging.getLogger(__name__)

BATCH_SIZE = 2000
CHUNK_ROWS = 20_000  # rows checked, then streamed to the server while the next are checked (PostgreSQL)
LOOKUP_ROWS = 150_000  # records left at the end below which a look-up per record is cheaper than a hash join
MAX_ROWS = 2_000_000
MAX_REPORTED = 500  # rows listed in an error report; the count says how many more
MAX_FEN = 10**11  # one billion yuan: beyond any person's income, asset or bill
MAX_AREA = 10**7  # 100,000 m² in hundredths
TEXT_MAX = 100
EARLIEST = dt.date(1900, 1, 1)
_AMOUNT = re.compile(r"^[0-9]{1,12}(\.[0-9]{1,2})?$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_MONTH = re.compile(r"^[0-9]{4}-[0-9]{2}$")
_YEAR = re.compile(r"^[0-9]{4}$")
_PLAIN_ID = re.compile(r"[0-9]{17}[0-9X]\Z")
_REPEATED = frozenset({Kind.DATE, Kind.MONTH, Kind.YEAR, Kind.CHOICE})  # few distinct values: checked once each
MAX_REMEMBERED = 100_000  # distinct repeated values kept while checking a feed


class FeedRejected(Exception):
    """The feed cannot be taken: ``problems`` are (row, reasons) pairs (row 0: the feed as a whole), and ``more`` how
    many bad rows are not listed."""

    def __init__(
        self, problems: list[tuple[int, list[str]]], more: int = 0, rows: dict[int, dict[str, str]] | None = None
    ) -> None:
        self.problems = problems
        self.more = more
        self.rows = rows or {}  # the bad rows as sent, by row number (for the error report)
        self.rejection: Any = None  # the FeedRejection kept for a refused file
        super().__init__("; ".join(f"{row}: {'；'.join(reasons)}" for row, reasons in problems[:5]))


def whole(reason: str) -> FeedRejected:
    return FeedRejected([(0, [reason])])


@dataclass(slots=True)
class CheckedRow:
    row: int
    id_number: str
    name: str
    values: dict[str, Any]
    on: dt.date | None
    amount_fen: int | None


@dataclass
class Checked:
    rows: list[CheckedRow] = field(default_factory=list)


def digest_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def read_file(content: bytes, filename: str) -> Iterator[tuple[int, list[str]]]:
    """The rows of an uploaded CSV (UTF-8) or Excel file as (line number, cells); the first is the header."""
    if filename.lower().endswith(".xlsx"):
        try:
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
            raise whole(_("The file cannot be read as an Excel workbook.")) from None
        sheet = workbook.worksheets[0]
        for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield line, [_cell(v) for v in values]
        return
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise whole(_("The file is not UTF-8 text (save the CSV as UTF-8, or upload an Excel workbook).")) from None
    try:
        for line, values in enumerate(csv.reader(io.StringIO(text)), start=1):
            yield line, [v.strip() for v in values]
    except csv.Error:
        raise whole(_("The file cannot be read as CSV.")) from None


def columns_of(layout: Layout, header: list[str]) -> list[str]:
    """The layout's column name of each header cell (by name or by its Chinese label); a missing or unknown column
    refuses the feed, naming it."""
    with translation.override("zh-hans"):  # the documented headers are Chinese, whatever the reader's language
        by_text = {c.name: c.name for c in layout.columns} | {str(c.label): c.name for c in layout.columns}
    names = [by_text.get(h, "") for h in header]
    unknown = [h for h, n in zip(header, names, strict=True) if not n and h]
    missing = [str(c.label) for c in layout.columns if c.name not in names and c.required]
    if unknown or missing or len(set(filter(None, names))) != len(list(filter(None, names))):
        reasons = []
        if missing:
            reasons.append(_("missing columns: %(columns)s") % {"columns": "、".join(missing)})
        if unknown:
            reasons.append(_("unknown columns: %(columns)s") % {"columns": "、".join(unknown)})
        if not reasons:
            reasons.append(_("a column is given twice"))
        raise whole(
            _("The columns do not follow layout %(source)s version %(version)s: %(reasons)s.")
            % {"source": layout.source, "version": layout.version, "reasons": "；".join(reasons)}
        )
    return names


def _amount(raw: str, maximum: int) -> int | None:
    if not _AMOUNT.match(raw):
        return None
    whole_part, _dot, cents = raw.partition(".")  # the pattern allows digits only, at most two after the point
    value = int(whole_part) * 100 + (int(cents) * (10 if len(cents) == 1 else 1) if cents else 0)
    return value if value <= maximum else None


def _date(raw: str, today: dt.date) -> dt.date | None:
    if not _DATE.match(raw):
        return None
    try:
        value = dt.date.fromisoformat(raw)
    except ValueError:
        return None
    return value if EARLIEST <= value <= today else None


def _check_value(kind: Kind, raw: str, choices: tuple[str, ...], today: dt.date) -> tuple[Any, str]:
    """(value, "") or (None, the reason)."""
    if kind is Kind.TEXT:
        return (raw, "") if len(raw) <= TEXT_MAX else (None, _("longer than %(n)s characters") % {"n": TEXT_MAX})
    if kind is Kind.FEN:
        fen = _amount(raw, MAX_FEN)
        return (fen, "") if fen is not None else (None, _("not an amount in yuan (0 to 1,000,000,000, two decimals)"))
    if kind is Kind.AREA:
        area = _amount(raw, MAX_AREA)
        return (area, "") if area is not None else (None, _("not a floor area in m² (up to 100,000, two decimals)"))
    if kind is Kind.DATE:
        day = _date(raw, today)
        return (day.isoformat(), "") if day else (None, _("not a date YYYY-MM-DD between 1900 and today"))
    if kind is Kind.MONTH:
        day = _date(raw + "-01", today) if _MONTH.match(raw) else None
        return (day.isoformat(), "") if day else (None, _("not a month YYYY-MM between 1900 and this month"))
    if kind is Kind.YEAR:
        if _YEAR.match(raw) and EARLIEST.year <= int(raw) <= today.year:
            return int(raw), ""
        return None, _("not a year between 1900 and this year")
    if kind is Kind.CHOICE:
        return (raw, "") if raw in choices else (None, _("not one of %(values)s") % {"values": "、".join(choices)})
    raise AssertionError(kind)


def _id_checker(today: dt.date) -> Callable[[str], str]:
    """``parse_id_number(text, today=today).number``, faster for the usual 18-character number written plainly (the
    birth dates checked once each); anything else, and every bad number, goes to ``parse_id_number``, which names the
    problem."""
    births: dict[str, bool] = {}

    def born_well(digits: str) -> bool:
        known = births.get(digits)
        if known is None:
            try:
                born = dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
            except ValueError:
                known = False
            else:
                known = EARLIEST_BIRTH_DATE <= born <= today
            births[digits] = known
        return known

    def check(text: str) -> str:
        if (
            len(text) == 18
            and _PLAIN_ID.match(text)
            and CHECK_CHARACTERS[sum(map(operator.mul, map(int, text[:17]), WEIGHTS)) % 11] == text[17]
            and born_well(text[6:14])
        ):
            return text
        return parse_id_number(text, today=today).number

    return check


def check_chunks(
    layout: Layout, rows: Iterable[tuple[int, dict[str, str]]], *, today: dt.date | None = None
) -> Iterator[list[CheckedRow]]:
    """The good rows, ``CHUNK_ROWS`` at a time, while no row has failed; at the end FeedRejected listing the bad rows
    (row number and reasons) if any did, every row being checked. A caller writing the chunks as they come must do
    it in a transaction that the rejection rolls back (``write_records`` in ``services._receive``).

    A million rows are checked in seconds: the ID numbers by a fast path (``_id_checker``), and the values that repeat
    (dates, months, years, choices) once per distinct text."""
    today = today or timezone.localdate()
    id_number_of = _id_checker(today)
    repeated: dict[tuple[Kind, str], tuple[Any, str]] = {}
    days: dict[str, dt.date] = {}
    chunk: list[CheckedRow] = []
    good = 0
    problems: list[tuple[int, list[str]]] = []
    bad_rows: dict[int, dict[str, str]] = {}
    bad = 0
    seen: dict[tuple[Any, ...], int] = {}
    labels = {column.name: str(column.label) for column in layout.columns}  # translated once, not per cell
    for line, raw in rows:
        if good + bad >= MAX_ROWS:
            raise whole(_("A feed holds at most %(n)s rows; split it into batches.") % {"n": f"{MAX_ROWS:,}"})
        errors: list[str] = []
        values: dict[str, Any] = {}
        id_number = ""
        for column in layout.columns:
            text = (raw.get(column.name) or "").strip()
            label = labels[column.name]
            if not text:
                if column.required:
                    errors.append(_("%(column)s: empty") % {"column": label})
                continue
            if column.kind is Kind.ID:
                try:
                    id_number = id_number_of(text)
                except InvalidIdNumber as exc:
                    errors.append(_("%(column)s: %(reason)s") % {"column": label, "reason": exc})
                continue
            if column.kind is Kind.NAME:
                if is_valid_name(text):
                    values["name"] = text
                else:
                    errors.append(_("%(column)s: not a valid name") % {"column": label})
                continue
            if column.kind in _REPEATED:
                known = repeated.get((column.kind, text))
                if known is None:
                    if len(repeated) >= MAX_REMEMBERED:
                        repeated.clear()
                    known = repeated[column.kind, text] = _check_value(column.kind, text, column.choices, today)
                value, reason = known
            else:
                value, reason = _check_value(column.kind, text, column.choices, today)
            if reason:
                errors.append(_("%(column)s: %(reason)s") % {"column": label, "reason": reason})
            else:
                values[column.name] = value
        if not errors:
            key = tuple(id_number if name == "id_number" else values.get(name) for name in layout.key)
            first = seen.get(key)
            if first is not None:
                errors.append(_("the same record as row %(row)s") % {"row": first})
            else:
                seen[key] = line
        if errors:
            bad += 1
            if len(problems) < MAX_REPORTED:
                problems.append((line, errors))
                bad_rows[line] = raw
            continue
        good += 1
        if bad:
            continue  # the feed is refused already: the rest is only checked, for the report
        name = values.pop("name")
        on = values.get(layout.date) if layout.date else None
        chunk.append(
            CheckedRow(
                row=line,
                id_number=id_number,
                name=name,
                values=values,
                on=(days.get(on) or days.setdefault(on, dt.date.fromisoformat(on))) if isinstance(on, str) else None,
                amount_fen=values.get(layout.amount) if layout.amount else None,
            )
        )
        if len(chunk) >= CHUNK_ROWS:
            yield chunk
            chunk = []
    if problems:
        raise FeedRejected(problems, more=bad - len(problems), rows=bad_rows)
    if not good:
        raise whole(_("The feed holds no records."))
    if chunk:
        yield chunk


def file_rows(layout: Layout, content: bytes, filename: str) -> Iterator[tuple[int, dict[str, str]]]:
    """The rows of a file as dicts by column name (blank lines skipped), after its header is checked."""
    lines = read_file(content, filename)
    header: list[str] | None = None
    for line, cells in lines:
        if header is None:
            if not any(cells):
                continue
            header = columns_of(layout, cells)
            continue
        if not any(cells):
            continue
        yield line, {name: cell for name, cell in zip(header, cells, strict=False) if name}
    if header is None:
        raise whole(_("The file is empty."))


def api_rows(layout: Layout, records: Any) -> Iterator[tuple[int, dict[str, str]]]:
    """The rows of an API batch (a list of objects keyed by column name), numbered from 1."""
    if not isinstance(records, list) or not records:
        raise whole(_("Send the records as a non-empty list."))
    names = {c.name for c in layout.columns}
    for number, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            raise FeedRejected([(number, [_("a record is an object of column names and values")])])
        unknown = sorted(set(record) - names)
        if unknown:
            raise FeedRejected([(number, [_("unknown columns: %(columns)s") % {"columns": "、".join(unknown)}])])
        yield number, {k: "" if v is None else str(v) for k, v in record.items()}


def _stage_rows(rows: list[CheckedRow]) -> list[tuple[Any, ...]]:
    """The staged form of each record: the ID encrypted (a chunk at a time), its blind index and masked copy."""
    index = blind_indexer()
    encode = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(ensure_ascii=False) without a new encoder a row
    staged = []
    for start in range(0, len(rows), BATCH_SIZE):
        chunk = rows[start : start + BATCH_SIZE]
        tokens = encrypt_many(r.id_number for r in chunk)
        for r, token in zip(chunk, tokens, strict=True):
            number = r.id_number
            staged.append(
                (
                    r.row,
                    token,
                    index(number),
                    number[:6] + "********" + number[14:] if len(number) == 18 else mask_id_number(number),
                    r.name,
                    r.on,
                    r.amount_fen,
                    encode(r.values),
                )
            )
    return staged


_STAGE = "exchange_feed_stage"
_COLUMNS = '"row", id_number, id_index, id_masked, name, "on", amount_fen, "values"'


def _insert_matched(feed: Feed) -> tuple[str, list[Any]]:
    """The statement writing the staged records joined to the registry by the ID's blind index, each once, with its
    person, match and area. It reads no person for a user (a system job: the records take the person's 户籍 village as
    their area)."""
    sql = f"""
            INSERT INTO {FeedRecord._meta.db_table} (feed_id, {_COLUMNS}, person_id, match, area_code)
            SELECT %s, s."row", s.id_number, s.id_index, s.id_masked, s.name, s."on", s.amount_fen, s."values", p.id,
                CASE WHEN p.id IS NULL THEN %s WHEN p.name = s.name THEN %s ELSE %s END,
                COALESCE(p.hukou_area_id, %s)
            FROM {_STAGE} s LEFT JOIN {Person._meta.db_table} p ON p.id_index = s.id_index
    """
    params = [
        feed.pk,
        FeedRecord.Match.UNMATCHED,
        FeedRecord.Match.MATCHED,
        FeedRecord.Match.AMBIGUOUS,
        feed.area_code,
    ]
    return sql, params


def write_records(feed: Feed, checked: Checked | Iterable[list[CheckedRow]]) -> None:
    """Write the records matched to the registry, and count them (inside the caller's transaction).

    The records go a chunk at a time to a temporary table (by ``COPY`` on PostgreSQL, by ``executemany`` elsewhere),
    then into the feed's table by an ``INSERT … SELECT`` joined to the registry on the ID's blind index: each record is
    written once, with its person, match and area, and no ORM object is made per row.

    ``checked`` may be the chunks of ``check_chunks`` as they are checked. On PostgreSQL a second thread then streams
    each chunk and joins the records in parts (on the same connection, which this thread leaves alone meanwhile)
    while this one checks and encrypts the next: the server joins and writes on one core while Python checks on the
    other (the thread waits on the server with the GIL released; ``_write_postgres``)."""
    chunks = [checked.rows] if isinstance(checked, Checked) else checked
    counts: collections.Counter[str] = collections.Counter()
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {_STAGE}")
        cursor.execute(
            f'CREATE TEMP TABLE {_STAGE} ("row" integer, id_number text, id_index varchar(32), id_masked varchar(18), '
            f'name varchar(60), "on" date, amount_fen bigint, "values" {"jsonb" if postgres else "text"})'
        )
        if postgres:
            _write_postgres(feed, chunks, counts)
        else:
            insert = f"INSERT INTO {_STAGE} ({_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
            for chunk in chunks:
                cursor.executemany(insert, _stage_rows(chunk))
            cursor.execute(*_insert_matched(feed))
            # unscoped: the records of the feed being written by this system job
            records = FeedRecord.objects.unscoped().filter(feed=feed)
            counts.update(dict(records.values_list("match").annotate(n=Count("id")).order_by()))
        cursor.execute(f"DROP TABLE {_STAGE}")
    feed.matched = counts[FeedRecord.Match.MATCHED]
    feed.ambiguous = counts[FeedRecord.Match.AMBIGUOUS]
    feed.unmatched = counts[FeedRecord.Match.UNMATCHED]
    feed.rows = feed.matched + feed.ambiguous + feed.unmatched
    feed.save(update_fields=["rows", "matched", "ambiguous", "unmatched"])


def _write_postgres(feed: Feed, chunks: Iterable[list[CheckedRow]], counts: collections.Counter[str]) -> None:
    """Each chunk staged here (encrypted, indexed, encoded) and handed to a writer thread while the next is checked.
    Whenever the writer has nothing new, it writes the oldest chunk it holds, each record looked up in the blind-index
    B-tree (a nested loop: about 20 µs a record, no read of the whole registry). What it holds when the checking
    ends is written by one hash join (reading the registry once) if it is at least ``LOOKUP_ROWS`` records, else by
    look-ups. So the server works on one core while Python checks on the other, and the registry is read whole at
    most once. An exception on either side stops both and is raised here (the caller's transaction then rolls back).

    (Joining the held records in parts by hash joins, tried before, read the five-million-person registry once a
    part: at scale 1.0, ten reads and 6.5× the baseline; see ``docs/benchmarks.md``.)"""
    raw = connection.connection  # psycopg's connection: the writer's alone until it is joined
    insert, params = _insert_matched(feed)
    insert = f"WITH written AS ({insert} RETURNING match) SELECT match, COUNT(*) FROM written GROUP BY match"
    ready: queue.Queue[list[tuple[Any, ...]] | None] = queue.Queue(maxsize=4)
    failed: list[BaseException] = []
    spent: collections.defaultdict[str, float] = collections.defaultdict(float)
    started = time.perf_counter()

    def writer() -> None:
        held: collections.deque[list[tuple[Any, ...]]] = collections.deque()
        try:
            with raw.cursor() as cursor:

                def join(parts: list[list[tuple[Any, ...]]], *, lookup: bool) -> None:
                    began = time.perf_counter()
                    with cursor.copy(f"COPY {_STAGE} ({_COLUMNS}) FROM STDIN") as copy:
                        for part in parts:
                            for values in part:
                                copy.write_row(values)
                    if lookup:  # the planner, without statistics of the stage, might scan the registry
                        cursor.execute("SET LOCAL enable_hashjoin = off")
                        cursor.execute("SET LOCAL enable_mergejoin = off")
                    else:
                        cursor.execute(f"ANALYZE {_STAGE}")  # a temporary table has no statistics until asked
                    cursor.execute(insert, params)
                    counts.update(dict(cursor.fetchall()))
                    if lookup:
                        cursor.execute("RESET enable_hashjoin")
                        cursor.execute("RESET enable_mergejoin")
                    cursor.execute(f"TRUNCATE {_STAGE}")
                    kind = "lookup" if lookup else "hash"
                    spent[kind] += time.perf_counter() - began
                    spent[kind + "_rows"] += sum(len(part) for part in parts)

                while True:
                    if held and ready.empty():
                        join([held.popleft()], lookup=True)
                        continue
                    staged = ready.get()
                    if staged is None:
                        break
                    held.append(staged)
                spent["checked"] = time.perf_counter() - started
                rest = sum(len(part) for part in held)
                if rest:
                    join(list(held), lookup=rest < LOOKUP_ROWS)
        except BaseException as exc:  # raised again by the main thread
            failed.append(exc)
            while ready.get() is not None:  # let the main thread finish putting
                pass

    thread = threading.Thread(target=writer, name="feed-writer", daemon=True)
    thread.start()
    try:
        for chunk in chunks:
            if failed:
                break
            ready.put(_stage_rows(chunk))
    finally:
        ready.put(None)
        thread.join()
    if failed:
        raise failed[0]
    logger.info(
        "feed %s written in %.1f s: checked by %.1f s; %d records looked up in %.1f s, %d by hash join in %.1f s",
        feed.pk,
        time.perf_counter() - started,
        spent["checked"],
        spent["lookup_rows"],
        spent["lookup"],
        spent["hash_rows"],
        spent["hash"],
    )
