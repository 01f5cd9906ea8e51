"""Bulk import of residents and households from a legacy system's Excel or CSV export.

Three steps, each streaming over the file so memory grows only with the set of ID lookup keys:

1. **Check** every row (ID, names, village codes inside the uploader's areas, dates, relation) and every
   household (exactly one head), and find IDs given twice. Bad rows are remembered by line number only. Rows
   that pass are encrypted in chunks and handed to a *stager*, which stores them in a table of the job's own
   while the next rows are checked (on PostgreSQL: COPY into an UNLOGGED table from a worker thread with its
   own connection). Outside a transaction, two more connections upsert the staged chunks' persons in turn,
   each in one open transaction that is committed only if no staged row fails a check across rows.
2. **Write** set-based: the rows a check across rows failed are deleted from the staging table; persons are
   upserted on the ID's blind index (a re-import updates, never duplicates) unless step 1 already did it,
   households on their number in the source system (outside a transaction on PostgreSQL: two connections at
   once, half of the areas each). Bad rows go to the Excel error report with their line number and reasons.
3. **Memberships** are then reconciled with set-based SQL: memberships the file no longer shows are closed
   (history is kept; new persons and households have none to close), new ones are opened (outside a
   transaction on PostgreSQL: two connections at once, half of the households each).

A file that cannot be read as a spreadsheet, is empty or lacks a required column is refused before anything
is written (``ImportFileError``). The working tables (``people_import_<job>_*``) are dropped at the end, and
again when a crashed job runs anew.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import queue
import threading
import time
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from minsheng.areas.codes import InvalidCode, normalize_code
from minsheng.areas.models import Division
from minsheng.audit.services import audit_record
from minsheng.core.crypto import (
    blind_indexer,
    encrypt_many,
    mask_bank_account,
    mask_id_number,
    mask_phone,
)
from minsheng.core.jobs import job_finish, job_progress, job_run
from minsheng.core.spreadsheets import safe_row
from minsheng.people.idnumbers import (
    CHECK_CHARACTERS,
    EARLIEST_BIRTH_DATE,
    WEIGHTS,
    InvalidIdNumber,
    parse_id_number,
)
from minsheng.people.models import ImportJob, Membership, Person
from minsheng.people.names import is_valid_name, name_pinyin
from minsheng.people.services import BANK_ACCOUNT_PATTERN, PHONE_PATTERN

BATCH_SIZE = 2000

logger = logging.getLogger(__name__)


class _Timer:
    """Logs (at DEBUG) the seconds each phase of a job took, for profiling."""

    start = 0.0

    def __call__(self, label: str) -> None:
        now = time.perf_counter()
        logger.debug("import phase %s: %.1f s", label.strip(), now - self.start)
        self.start = now


_phase = _Timer()


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool
    example: str


# The template's columns; headers are the Chinese ones a bureau's export carries (the key is accepted too).
COLUMNS = [
    Column("household", "户编号", True, "SC-2023-000123"),
    Column("relation", "与户主关系", True, "户主"),
    Column("name", "姓名", True, "王芳"),
    Column("id_number", "证件号码", True, "11010519491231002X"),
    Column("phone", "联系电话", False, "13812345678"),
    Column("hukou_code", "户籍地区划代码", True, "321302001001"),
    Column("residence_code", "居住地区划代码", False, ""),
    Column("status", "人员状态", False, "在世"),
    Column("status_date", "状态日期", False, ""),
    Column("labour_capacity", "劳动能力", False, "有劳动能力"),
    Column("bank_name", "开户银行", False, "农业银行"),
    Column("bank_account", "银行账号", False, "6228480012345678901"),
    Column("living_together", "是否共同生活", False, "是"),
    Column("exclusion", "不共同生活原因", False, ""),
    Column("joined_on", "入户日期", False, "2015-03-01"),
]
_BY_HEADER = {c.header: c.key for c in COLUMNS} | {c.key: c.key for c in COLUMNS}
_YES = {"是", "y", "yes", "1", "true", "t"}
_NO = {"否", "n", "no", "0", "false", "f"}


class ImportFileError(ValueError):
    """The file as a whole cannot be imported; nothing was written."""


def _choice_map(choices: Any) -> dict[str, str]:
    """Accept a choice's code, its Chinese label and its English label."""
    mapping: dict[str, str] = {}
    for value, label in choices:
        mapping[str(value).lower()] = value
        for language in ("zh-hans", "en"):
            with translation.override(language):
                mapping[str(label).strip().lower()] = value
    return mapping


# The words legacy exports use, independent of the interface's translation catalogue.
_LEGACY_WORDS = {
    "relation": {
        "户主": "head",
        "本人": "head",
        "配偶": "spouse",
        "妻": "spouse",
        "夫": "spouse",
        "妻子": "spouse",
        "丈夫": "spouse",
        "子女": "child",
        "子": "child",
        "女": "child",
        "儿子": "child",
        "女儿": "child",
        "父母": "parent",
        "父亲": "parent",
        "母亲": "parent",
        "孙子女": "grandchild",
        "孙子": "grandchild",
        "孙女": "grandchild",
        "外孙子女": "grandchild",
        "祖父母": "grandparent",
        "外祖父母": "grandparent",
        "兄弟姐妹": "sibling",
        "兄弟": "sibling",
        "姐妹": "sibling",
        "儿媳": "child_in_law",
        "女婿": "child_in_law",
        "儿媳/女婿": "child_in_law",
        "其他": "other",
        "其他亲属": "other",
    },
    "status": {
        "在世": "living",
        "正常": "living",
        "已故": "deceased",
        "死亡": "deceased",
        "迁出": "moved_away",
        "已迁出": "moved_away",
    },
    "labour_capacity": {
        "有劳动能力": "full",
        "部分丧失劳动能力": "partial",
        "部分丧失": "partial",
        "完全丧失劳动能力": "none",
        "完全丧失": "none",
        "无劳动能力": "none",
    },
    "exclusion": {
        "宗教教职人员": "clergy",
        "宗教教职人员（离家3年以上）": "clergy",
        "服刑或强制隔离戒毒": "detained",
        "服刑": "detained",
        "强制隔离戒毒": "detained",
        "宣告失踪": "missing",
        "省规定的其他情形": "other",
        "其他": "other",
    },
}


def _maps() -> dict[str, dict[str, str]]:
    return {
        "relation": _choice_map(Membership.Relation.choices) | _LEGACY_WORDS["relation"],
        "status": _choice_map(Person.Status.choices) | _LEGACY_WORDS["status"],
        "labour_capacity": _choice_map(Person.LabourCapacity.choices) | _LEGACY_WORDS["labour_capacity"],
        "exclusion": _choice_map(Membership.Exclusion.choices) | _LEGACY_WORDS["exclusion"],
    }


# Reading ---------------------------------------------------------------------------------------------------


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        # Excel keeps at most 15 significant digits: an ID or account typed as a number has lost its end.
        return repr(value) if not value.is_integer() or abs(value) >= 1e15 else str(int(value))
    return str(value).strip()


def read_rows(path: Path) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    """The column keys found and an iterator of (line number, row) for an .xlsx or a CSV (UTF-8 or GB18030)."""
    with path.open("rb") as handle:
        head = handle.read(4096)
    if not head.strip():
        raise ImportFileError(_("The file is empty."))
    if head.startswith(b"PK\x03\x04"):
        return _read_xlsx(path)
    if b"\x00" in head or head.startswith((b"%PDF", b"\xd0\xcf\x11\xe0")):
        raise ImportFileError(_("This is not an Excel (.xlsx) or CSV file. Save it as .xlsx or CSV and upload again."))
    return _read_csv(path)


def _header_keys(raw: list[Any]) -> list[str]:
    keys = [_BY_HEADER.get(_cell_text(h).lstrip("\ufeff"), "") for h in raw]
    missing = [c.header for c in COLUMNS if c.required and c.key not in keys]
    if missing:
        raise ImportFileError(_("Columns missing: %(columns)s. Use the template.") % {"columns": "、".join(missing)})
    return keys


def _read_xlsx(path: Path) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError):
        raise ImportFileError(
            _("This is not an Excel (.xlsx) or CSV file. Save it as .xlsx or CSV and upload again.")
        ) from None
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        workbook.close()
        raise ImportFileError(_("The file is empty."))
    keys = _header_keys(list(header))

    def iterate() -> Iterator[tuple[int, dict[str, str]]]:
        try:
            for line, values in enumerate(rows, start=2):
                row = {k: _cell_text(v) for k, v in zip(keys, values, strict=False) if k}
                if any(row.values()):
                    yield line, row
        finally:
            workbook.close()

    return keys, iterate()


def _read_csv(path: Path) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    raw = path.read_bytes()[:65536]
    encoding = "utf-8-sig"
    try:
        raw.decode(encoding)
    except UnicodeDecodeError as exc:
        if exc.start < len(raw) - 4:  # not just a character cut at the sample's end
            encoding = "gb18030"  # legacy Chinese exports
    handle = path.open(encoding=encoding, errors="strict", newline="")
    reader = csv.reader(handle)
    try:
        header = next(reader, None)
    except (UnicodeDecodeError, csv.Error):
        handle.close()
        raise ImportFileError(
            _("This is not an Excel (.xlsx) or CSV file. Save it as .xlsx or CSV and upload again.")
        ) from None
    if not header:
        handle.close()
        raise ImportFileError(_("The file is empty."))
    keys = _header_keys(header)

    def iterate() -> Iterator[tuple[int, dict[str, str]]]:
        try:
            for values in reader:
                row = {k: v.strip() for k, v in zip(keys, values, strict=False) if k}
                if any(row.values()):
                    yield reader.line_num, row
        except UnicodeDecodeError:
            raise ImportFileError(_("The file mixes text encodings; save it again as UTF-8 CSV or .xlsx.")) from None
        finally:
            handle.close()

    return keys, iterate()


# Checking --------------------------------------------------------------------------------------------------


@dataclass
class CleanRow:
    household: str
    relation: str
    name: str
    id_number: str
    id_index: str
    gender: str
    birth_date: dt.date
    phone: str
    hukou_code: str
    residence_code: str
    status: str
    status_date: dt.date | None
    labour_capacity: str
    bank_name: str
    bank_account: str
    living_together: bool
    exclusion: str
    joined_on: dt.date | None


def _parse_date(text: str) -> dt.date | None:
    if not text:
        return None
    cleaned = text.replace("/", "-").replace(".", "-").replace("年", "-").replace("月", "-").rstrip("日").split(" ")[0]
    if cleaned.isascii() and cleaned.isdigit() and len(cleaned) == 8:
        cleaned = f"{cleaned[:4]}-{cleaned[4:6]}-{cleaned[6:]}"
    try:
        year, month, day = (int(part) for part in cleaned.split("-"))
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError(text) from None


# The partial weighted sums of an ID number's check character (GB 11643), by part: address (6 digits), birth
# date (8) and sequence number (3). The sum is linear in the digits, so a number costs three dictionary lookups.
_SEQUENCE_SUMS = {
    f"{n:03d}": sum(int(d) * w for d, w in zip(f"{n:03d}", WEIGHTS[14:], strict=True)) for n in range(1000)
}
_PART_CACHE_LIMIT = 200_000  # bounds memory for a file with endless distinct address codes or dates


class RowChecker:
    """Cleans one row at a time; knows the villages the uploader may import into.

    ``clean`` takes a fast path for the common case (a well-formed 18-character ID, a 12-digit village code)
    and falls back to the general checks, which word the messages, for anything else; both give the same result.
    """

    def __init__(self, *, villages: set[str], today: dt.date) -> None:
        self.villages = villages
        self.today = today
        self.maps = _maps()
        self._names: dict[str, bool] = {}
        self._address_sums: dict[str, int] = {}
        # Birth-date digits of an ID → (their share of the check sum, the date if real and in range, else None).
        self._birth_dates: dict[str, tuple[int, dt.date | None]] = {}
        # ``blind_index`` without reading the lazy settings object per row (the key is checked once, here).
        self._blind_index: Callable[[str], str] = blind_indexer()

    def _village(self, raw: str, label: str, errors: list[str]) -> str:
        if not raw:
            return ""
        if raw in self.villages:
            return raw
        try:
            code = normalize_code(raw)
        except InvalidCode:
            errors.append(_("%(column)s “%(value)s” is not a division code.") % {"column": label, "value": raw})
            return ""
        if code not in self.villages:
            errors.append(
                _("%(column)s %(value)s is not a village or community in your areas.")
                % {"column": label, "value": code}
            )
            return ""
        return code

    def _mapped(self, key: str, raw: str, default: str, label: str, errors: list[str]) -> str:
        if not raw:
            return default
        value = self.maps[key].get(raw.strip().lower())
        if value is None:
            errors.append(
                _("%(column)s “%(value)s” is not one of the allowed values.") % {"column": label, "value": raw}
            )
            return default
        return value

    def _valid_name(self, name: str) -> bool:
        valid = self._names.get(name)
        if valid is None:
            if len(self._names) >= _PART_CACHE_LIMIT:
                self._names.clear()
            valid = self._names[name] = is_valid_name(name)
        return valid

    def _fast_id(self, raw: str) -> tuple[str, str, dt.date] | None:
        """(number, gender, birth date) of a plain, valid 18-character number; None sends it to the full checks."""
        if len(raw) != 18 or not raw.isascii() or not raw[:17].isdigit():
            return None
        address = self._address_sums.get(raw[:6])
        if address is None:
            if len(self._address_sums) >= _PART_CACHE_LIMIT:
                self._address_sums.clear()
            address = self._address_sums[raw[:6]] = sum(int(d) * w for d, w in zip(raw[:6], WEIGHTS, strict=False))
        digits = raw[6:14]
        birth = self._birth_dates.get(digits)
        if birth is None:
            if len(self._birth_dates) >= _PART_CACHE_LIMIT:
                self._birth_dates.clear()
            try:
                date: dt.date | None = dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
            except ValueError:
                date = None
            if date is not None and not EARLIEST_BIRTH_DATE <= date <= self.today:
                date = None
            birth = self._birth_dates[digits] = (
                sum(int(d) * w for d, w in zip(digits, WEIGHTS[6:], strict=False)),
                date,
            )
        if birth[1] is None:
            return None
        last = raw[17].upper()
        if CHECK_CHARACTERS[(address + birth[0] + _SEQUENCE_SUMS[raw[14:17]]) % 11] != last:
            return None
        return raw[:17] + last, ("M" if int(raw[16]) % 2 else "F"), birth[1]

    def clean(self, row: dict[str, str]) -> tuple[CleanRow | None, list[str]]:
        errors: list[str] = []
        get = row.get
        household = get("household", "").strip()
        if not household:
            errors.append(_("户编号 is empty."))
        name = " ".join(get("name", "").split())
        if not self._valid_name(name):
            errors.append(_("姓名 “%(value)s” is not a valid name.") % {"value": name})
        raw_id = get("id_number", "")
        parsed = self._fast_id(raw_id)
        if parsed is None:
            try:
                slow = parse_id_number(raw_id, today=self.today)
                parsed = (slow.number, slow.gender, slow.birth_date)
            except InvalidIdNumber as exc:
                errors.append(f"证件号码: {exc}")
        raw = get("relation", "")
        relation = self.maps["relation"].get(raw.strip().lower()) if raw else ""
        if relation is None:
            relation = self._mapped("relation", raw, "", "与户主关系", errors)
        elif not raw:
            errors.append(_("与户主关系 is empty."))
        raw = get("hukou_code", "")
        hukou = raw if raw in self.villages else self._village(raw, "户籍地区划代码", errors)
        if not raw:
            errors.append(_("户籍地区划代码 is empty."))
        raw = get("residence_code", "")
        residence = (raw if raw in self.villages else self._village(raw, "居住地区划代码", errors)) or hukou
        raw = get("status", "")
        status = self._mapped("status", raw, "living", "人员状态", errors) if raw else "living"
        raw = get("labour_capacity", "")
        labour = self._mapped("labour_capacity", raw, "full", "劳动能力", errors) if raw else "full"
        raw = get("exclusion", "")
        exclusion = self._mapped("exclusion", raw, "", "不共同生活原因", errors) if raw else ""
        living_raw = get("living_together", "").strip().lower()
        living = True
        if living_raw in _NO:
            living = False
        elif living_raw and living_raw not in _YES:
            errors.append(_("是否共同生活 must be 是 or 否."))
        if living and exclusion:
            exclusion = ""
        if not living and not exclusion:
            errors.append(_("不共同生活原因 is required when 是否共同生活 is 否."))
        status_date = joined_on = None
        raw = get("status_date", "")
        if raw:
            status_date = self._date(raw, "状态日期", errors)
        raw = get("joined_on", "")
        if raw:
            joined_on = self._date(raw, "入户日期", errors)
        if status != "living" and not status_date and "状态日期" not in " ".join(errors):
            errors.append(_("状态日期 is required for a person who died or moved away."))
        phone = get("phone", "").replace(" ", "")
        if phone and not PHONE_PATTERN.match(phone):
            errors.append(_("联系电话 “%(value)s” is not a phone number.") % {"value": phone})
        account = get("bank_account", "").replace(" ", "")
        if account and not BANK_ACCOUNT_PATTERN.match(account):
            errors.append(_("银行账号 must have 12 to 30 digits (format the column as text in Excel)."))
        if errors or parsed is None:
            return None, errors
        number, gender, birth_date = parsed
        return (
            CleanRow(
                household=household,
                relation=relation,
                name=name,
                id_number=number,
                id_index=self._blind_index(number),
                gender=gender,
                birth_date=birth_date,
                phone=phone,
                hukou_code=hukou,
                residence_code=residence,
                status=status,
                status_date=status_date if status != "living" else None,
                labour_capacity=labour,
                bank_name=get("bank_name", "").strip()[:60],
                bank_account=account,
                living_together=living,
                exclusion=exclusion,
                joined_on=joined_on,
            ),
            [],
        )

    def _date(self, raw: str, label: str, errors: list[str]) -> dt.date | None:
        try:
            value = _parse_date(raw)
        except ValueError:
            errors.append(_("%(column)s “%(value)s” is not a date (use 2023-06-30).") % {"column": label, "value": raw})
            return None
        if value and value > self.today:
            errors.append(_("%(column)s is in the future.") % {"column": label})
        return value


@dataclass
class CheckResult:
    rows: int = 0
    bad: dict[int, list[str]] = field(default_factory=dict)
    # Lines that passed their own checks and were handed on, then failed a check across rows (an ID given twice,
    # a household without exactly one head): the writer must drop them again.
    late: set[int] = field(default_factory=set)

    def flag(self, line: int, message: str) -> None:
        self.bad.setdefault(line, []).append(message)


def check_file(
    path: Path,
    checker: RowChecker,
    progress: Callable[[int], None] | None = None,
    sink: Callable[[int, CleanRow], None] | None = None,
    late_found: Callable[[], None] | None = None,
) -> CheckResult:
    """Step 1: every row and every household checked; only the line numbers of bad rows are kept.

    Rows that pass their own checks go to ``sink`` as they are cleaned, so that writing them overlaps with
    checking the rest; ``CheckResult.late`` names those that a check across rows failed afterwards.
    ``late_found`` is called as soon as an ID turns up a second time, before its line goes to ``sink``.
    """
    _keys, rows = read_rows(path)
    result = CheckResult()
    first_line_of: dict[str, int] = {}
    heads: dict[str, int] = defaultdict(int)
    lines_of: dict[str, list[int]] = defaultdict(list)
    relations = checker.maps["relation"]
    clean_row = checker.clean
    for line, row in rows:
        result.rows += 1
        clean, errors = clean_row(row)
        if errors:
            for message in errors:
                result.flag(line, message)
        if clean is not None:
            lines_of[clean.household].append(line)
            if clean.relation == "head":
                heads[clean.household] += 1
            earlier = first_line_of.setdefault(clean.id_index, line)
            if earlier != line:
                result.flag(line, _("证件号码 appears already on line %(line)d.") % {"line": earlier})
                result.flag(earlier, _("证件号码 appears again on line %(line)d.") % {"line": line})
                result.late.update((line, earlier))
                if late_found is not None:
                    late_found()
            if sink is not None:
                sink(line, clean)
        else:
            household = row.get("household", "").strip()
            if household:
                lines_of[household].append(line)
                if relations.get(row.get("relation", "").strip().lower()) == "head":
                    heads[household] += 1
        if progress and result.rows % BATCH_SIZE == 0:
            progress(result.rows)
    for household, lines in lines_of.items():
        if heads[household] != 1:
            message = _("Household %(household)s has %(count)d heads; it needs exactly one.") % {
                "household": household,
                "count": heads[household],
            }
            for line in lines:
                result.flag(line, message)
            result.late.update(lines)
    return result


# Writing ---------------------------------------------------------------------------------------------------
#
# Clean rows go, as they are checked, into a table of the job's own (``people_import_<job>_rows``; UNLOGGED on
# PostgreSQL, filled by COPY over a second connection, so the database stores them while Python checks the
# next rows). When the whole file has been checked, the rows a check across rows failed are deleted from it and
# set-based statements merge the rest: persons (unless upserted early, see ``_CopyStager``), then households,
# then the memberships to reconcile. On PostgreSQL outside a transaction, the larger statements are split in two
# and run on two connections at once (``_in_parallel``): a 2-core machine's second core would idle otherwise.

PERSON_UPDATE_FIELDS = [
    "name",
    "name_pinyin",
    "name_initials",
    "phone",
    "phone_masked",
    "hukou_area",
    "residence_area",
    "status",
    "status_date",
    "labour_capacity",
    "bank_name",
    "bank_account",
    "bank_account_masked",
    "updated_at",
]

PERSON_COPY_COLUMNS = [
    "name", "name_pinyin", "name_initials", "id_kind", "id_number", "id_index", "id_masked", "gender",
    "birth_date", "phone", "phone_masked", "hukou_area_id", "residence_area_id", "status", "status_date",
    "labour_capacity", "bank_name", "bank_account", "bank_account_masked", "created_at", "updated_at",
]  # fmt: skip

# The staged row: the line, the membership, then the person's columns (without the two timestamps).
STAGE_COLUMNS = [
    ("line", "integer NOT NULL"),
    ("household", "text NOT NULL"),
    ("relation", "text NOT NULL"),
    ("living_together", "boolean NOT NULL"),
    ("exclusion", "text NOT NULL"),
    ("joined_on", "date NULL"),
    *((c, "date NULL" if c in {"birth_date", "status_date"} else "text NOT NULL") for c in PERSON_COPY_COLUMNS[:-2]),
]
# Clean rows per encryption and staging round.
STAGE_CHUNK = 10_000
# Staged lines per person upsert statement (and transaction); the progress bar moves after each.
MERGE_LINES = 100_000


def _stage_rows(batch: list[tuple[int, CleanRow]]) -> list[tuple[Any, ...]]:
    """Column values of the batch's staged rows (numbers encrypted in bulk), in STAGE_COLUMNS order."""
    ids = encrypt_many(r.id_number for _line, r in batch)
    phones = iter(encrypt_many(r.phone for _line, r in batch if r.phone))
    accounts = iter(encrypt_many(r.bank_account for _line, r in batch if r.bank_account))
    rows = []
    for (line, r), id_token in zip(batch, ids, strict=True):
        pinyin, initials = name_pinyin(r.name)
        phone, account = r.phone, r.bank_account
        rows.append(
            (
                line, r.household, r.relation, r.living_together, r.exclusion, r.joined_on,
                r.name, pinyin, initials, _id_kind(r.id_number), id_token, r.id_index, mask_id_number(r.id_number),
                r.gender, r.birth_date, next(phones) if phone else "", mask_phone(phone) if phone else "",
                r.hukou_code, r.residence_code, r.status, r.status_date, r.labour_capacity, r.bank_name,
                next(accounts) if account else "", mask_bank_account(account) if account else "",
            )
        )  # fmt: skip
    return rows


class _Tables:
    """The names of a job's working tables (dropped at the end; a crashed run's are dropped when it reruns)."""

    def __init__(self, job_id: int) -> None:
        self.rows = f"people_import_{int(job_id)}_rows"
        self.ids = f"people_import_{int(job_id)}_ids"
        self.households = f"people_import_{int(job_id)}_households"
        self.members = f"people_import_{int(job_id)}_members"

    def drop(self, cursor: Any) -> None:
        for table in (self.rows, self.ids, self.households, self.members):
            cursor.execute(f"DROP TABLE IF EXISTS {table}")


def _create_rows_table(cursor: Any, table: str, *, unlogged: bool) -> None:
    columns = ", ".join(f"{name} {kind}" for name, kind in STAGE_COLUMNS)
    cursor.execute(f"DROP TABLE IF EXISTS {table}")
    cursor.execute(f"CREATE {'UNLOGGED ' if unlogged else ''}TABLE {table} ({columns})")


class _Stager:
    """Receives the clean rows of step 1 and stages them in chunks."""

    def __init__(self, tables: _Tables) -> None:
        self.tables = tables
        self.pending: list[tuple[int, CleanRow]] = []
        self.staged = 0

    def add(self, line: int, row: CleanRow) -> None:
        self.pending.append((line, row))
        if len(self.pending) >= STAGE_CHUNK:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self._write(_stage_rows(self.pending))
            self.staged += len(self.pending)
            self.pending = []

    def _write(self, rows: list[tuple[Any, ...]]) -> None:
        raise NotImplementedError

    def __enter__(self) -> _Stager:
        return self

    def __exit__(self, exc_type: Any, exc: Any, traceback: Any) -> None:
        failed = exc_type is not None
        try:
            if not failed:
                self.flush()
        except BaseException:
            failed = True
            raise
        finally:
            self.close(failed=failed)

    def abandon(self) -> None:
        """A check across rows failed (see ``_CopyStager``)."""

    def close(self, *, failed: bool) -> None:
        """Done staging; the rows are visible to the job's connection."""

    def finish(self, check: CheckResult) -> bool:
        """After the check: whether the persons are already merged (see ``_CopyStager``)."""
        return False


def _person_upsert(rows: str) -> str:
    """One INSERT … ON CONFLICT over the staged lines from %s to before %s; its two other parameters are the
    timestamps. Sorted by name and birth date, the order of three of the person table's indexes."""
    columns = ", ".join(PERSON_COPY_COLUMNS)
    selected = ", ".join(PERSON_COPY_COLUMNS[:-2])
    updates = ", ".join(
        f"{c}_id = EXCLUDED.{c}_id" if c in {"hukou_area", "residence_area"} else f"{c} = EXCLUDED.{c}"
        for c in PERSON_UPDATE_FIELDS
    )
    return (
        f"INSERT INTO people_person ({columns}) SELECT {selected}, %s, %s FROM {rows} "
        "WHERE line >= %s AND line < %s ORDER BY name_pinyin, birth_date, line "
        f"ON CONFLICT (id_index) DO UPDATE SET {updates}"
    )


def _ids_table(ids: str, *, postgres: bool) -> str:
    return (
        f"CREATE {'UNLOGGED ' if postgres else ''}TABLE {ids} "
        f"(id_index text {'' if postgres else 'PRIMARY KEY'}, person_id bigint, created boolean)"
    )


class _CopyStager(_Stager):
    """PostgreSQL: a worker thread with a connection of its own COPYs each chunk into an UNLOGGED table
    (committed at once) while the main thread checks the next rows. With ``merge_early``, MERGERS more
    connections, each in a thread and one open transaction of its own, upsert the staged chunks' persons in
    turn, so that the machine's cores share the database's work.

    The early upserts are optimistic: they are committed only if no staged row failed a check across rows
    afterwards (an ID given twice, a household without exactly one head) and every statement succeeded;
    otherwise ``finish`` rolls them back and step 2 merges the persons after the check, as without
    ``merge_early``. An ID seen twice stops the early upserts before the chunk with its second line is staged
    (``abandon``), so the transactions never wait for each other on one ID. Those connections see committed
    data only, so a run inside a transaction (a test) does not merge early.
    """

    MERGERS = 2

    def __init__(self, tables: _Tables, *, merge_early: bool) -> None:
        super().__init__(tables)
        wrapper = connections.create_connection(DEFAULT_DB_ALIAS)
        params = wrapper.get_connection_params()
        self.copier = wrapper.get_new_connection(params)
        self.copier.autocommit = True
        _create_rows_table(self.copier.cursor(), tables.rows, unlogged=True)
        self.copier.execute(f"CREATE INDEX {tables.rows}_line ON {tables.rows} (line)")
        self.mergers: list[psycopg.Connection[Any]] = []
        self.merged = False  # early upserts done and not failed
        if merge_early:
            self.copier.execute(f"DROP TABLE IF EXISTS {tables.ids}")
            self.copier.execute(_ids_table(tables.ids, postgres=True))
            for _ in range(self.MERGERS):
                merger = wrapper.get_new_connection(params)
                merger.autocommit = False
                merger.execute("SET LOCAL synchronous_commit = off")
                merger.execute("SET CONSTRAINTS ALL IMMEDIATE")  # check foreign keys now, not all at the commit
                # Another job's open transaction holding one of these IDs: give up merging early, not wait.
                merger.execute("SET LOCAL lock_timeout = '10s'")
                self.mergers.append(merger)
            self.merged = True
        self.copy_sql = f"COPY {tables.rows} ({', '.join(name for name, _kind in STAGE_COLUMNS)}) FROM STDIN"
        self.upsert = f"WITH up AS ({_person_upsert(tables.rows)} RETURNING id_index, id, (xmax = 0)) "
        self.upsert += f"INSERT INTO {tables.ids} SELECT * FROM up"
        self.stamp = timezone.now()
        self.queue: queue.Queue[list[tuple[Any, ...]] | None] = queue.Queue(maxsize=4)
        self.merge_queues: list[queue.Queue[tuple[int, int] | None]] = [queue.Queue() for _ in self.mergers]
        self.error: BaseException | None = None
        self.threads = [threading.Thread(target=self._work, name=f"import-{tables.rows}", daemon=True)]
        self.threads += [
            threading.Thread(target=self._merge_work, args=(i,), name=f"import-{tables.rows}-{i}", daemon=True)
            for i in range(len(self.mergers))
        ]
        for thread in self.threads:
            thread.start()

    def _work(self) -> None:
        turn = 0
        while (rows := self.queue.get()) is not None:
            if self.error is not None:
                continue  # drain, so that the main thread never blocks on a full queue
            try:
                with self.copier.cursor() as cursor, cursor.copy(self.copy_sql) as copy:
                    for row in rows:
                        copy.write_row(row)
                if self.merged:
                    self.merge_queues[turn].put((rows[0][0], rows[-1][0] + 1))
                    turn = (turn + 1) % len(self.mergers)
            except BaseException as exc:  # handed to the main thread
                self.error = exc
        for merge_queue in self.merge_queues:
            merge_queue.put(None)

    def _merge_work(self, index: int) -> None:
        merger, merge_queue = self.mergers[index], self.merge_queues[index]
        while (bounds := merge_queue.get()) is not None:
            if not self.merged or self.error is not None:
                continue
            try:
                merger.execute(self.upsert, [self.stamp, self.stamp, *bounds])
            except psycopg.Error:
                self.merged = False  # e.g. one ID twice in a chunk; step 2 merges after the check
                merger.rollback()
            except BaseException as exc:  # handed to the main thread
                self.error = exc

    def abandon(self) -> None:
        """A check across rows failed: upsert no more chunks early (``finish`` rolls back the rest)."""
        self.merged = False

    def _write(self, rows: list[tuple[Any, ...]]) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(rows)

    def close(self, *, failed: bool) -> None:
        self.queue.put(None)
        for thread in self.threads:
            thread.join()
        self.copier.close()
        if failed:
            for merger in self.mergers:
                merger.close()
            self.mergers = []
        if self.error is not None and not failed:
            raise self.error

    def finish(self, check: CheckResult) -> bool:
        """Commit the early upserts if every staged row stayed good; whether the persons are merged."""
        if not self.mergers:
            return False
        try:
            keep = self.merged and not check.late
            for merger in self.mergers:
                if keep:
                    merger.commit()
                else:
                    merger.rollback()
            return keep
        finally:
            for merger in self.mergers:
                merger.close()
            self.mergers = []


class _InsertStager(_Stager):
    """Other databases (SQLite in tests): plain inserts on the job's connection, merged after the check."""

    def __init__(self, tables: _Tables) -> None:
        super().__init__(tables)
        with connection.cursor() as cursor:
            _create_rows_table(cursor, tables.rows, unlogged=False)
        marks = ", ".join(["%s"] * len(STAGE_COLUMNS))
        self.sql = f"INSERT INTO {tables.rows} VALUES ({marks})"

    def _write(self, rows: list[tuple[Any, ...]]) -> None:
        with connection.cursor() as cursor:
            cursor.executemany(self.sql, rows)


def _stager(tables: _Tables) -> _CopyStager | _InsertStager:
    if connection.vendor == "postgresql":
        return _CopyStager(tables, merge_early=not connection.in_atomic_block)
    return _InsertStager(tables)


def _merge(
    job: ImportJob,
    tables: _Tables,
    check: CheckResult,
    today: dt.date,
    progress: Callable[[int], None],
    *,
    persons_merged: bool,
) -> dict[str, int]:
    """Step 2, set-based: persons upserted on the blind index, households on their source key, memberships
    staged for step 3. Each statement is its own transaction; rerunning a crashed job repeats them harmlessly."""
    postgres = connection.vendor == "postgresql"
    now = timezone.now()
    stamp = now if postgres else connection.ops.adapt_datetimefield_value(now)
    rows, ids, households = tables.rows, tables.ids, tables.households
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE INDEX IF NOT EXISTS {rows}_line ON {rows} (line)")
        late = sorted(check.late)
        for start in range(0, len(late), 500):
            part = late[start : start + 500]
            cursor.execute(f"DELETE FROM {rows} WHERE line IN ({', '.join(['%s'] * len(part))})", part)
        cursor.execute(f"SELECT MIN(line), MAX(line) FROM {rows}")
        first, last = cursor.fetchone()
        if not persons_merged:
            cursor.execute(f"DROP TABLE IF EXISTS {ids}")  # left empty by rolled-back early upserts
            cursor.execute(_ids_table(ids, postgres=postgres))

    # Persons (unless merged during the check), MERGE_LINES lines at a time.
    upsert = _person_upsert(rows)
    done = len(check.bad)
    stop = (first or 0) if persons_merged else (last or -1) + 1
    for start in range(first or 0, stop, MERGE_LINES):
        bounds = [start, start + MERGE_LINES]
        with transaction.atomic(), connection.cursor() as cursor:
            if postgres:
                # A crash loses at most the last statements, and a rerun repeats them (they are upserts).
                cursor.execute("SET LOCAL synchronous_commit = off")
                cursor.execute("SET LOCAL work_mem = '256MB'")
                cursor.execute(
                    f"WITH up AS ({upsert} RETURNING id_index, id, (xmax = 0)) INSERT INTO {ids} SELECT * FROM up",
                    [stamp, stamp, *bounds],
                )
                done += cursor.rowcount
            else:
                cursor.execute(
                    f"INSERT INTO {ids} (id_index, created) SELECT id_index, NOT EXISTS "
                    f"(SELECT 1 FROM people_person p WHERE p.id_index = r.id_index) FROM {rows} r "
                    "WHERE line >= %s AND line < %s",
                    bounds,
                )
                done += cursor.rowcount
                cursor.execute(upsert, [stamp, stamp, *bounds])
        progress(done)
    with transaction.atomic(), connection.cursor() as cursor:
        if postgres:
            cursor.execute("SET LOCAL synchronous_commit = off")
        else:
            cursor.execute(
                f"UPDATE {ids} SET person_id = (SELECT p.id FROM people_person p WHERE p.id_index = {ids}.id_index)"
            )
        cursor.execute(f"SELECT COUNT(*), COALESCE(SUM(CASE WHEN created THEN 1 ELSE 0 END), 0) FROM {ids}")
        persons, created = cursor.fetchone()

        # Households: one per source key, in the head's village (a member's when the head's row was bad).
        cursor.execute(
            f"CREATE {'UNLOGGED ' if postgres else ''}TABLE {households} "
            f"(source_key text {'' if postgres else 'PRIMARY KEY'}, first_line integer, area text, household_id bigint)"
        )
        _phase("  households table created")
        cursor.execute(
            f"INSERT INTO {households} (source_key, first_line, area, household_id) "
            "SELECT r.household, MIN(r.line), MIN(CASE WHEN r.relation = 'head' THEN r.hukou_area_id END), "
            f"(SELECT h.id FROM people_household h WHERE h.source_key = r.household) FROM {rows} r GROUP BY r.household"
        )
        cursor.execute(
            f"UPDATE {households} SET area = (SELECT r.hukou_area_id FROM {rows} r "
            f"WHERE r.line = {households}.first_line) WHERE area IS NULL"
        )
    # New households are numbered on from the area's highest number, in the order the file first shows them.
    number = (
        "n.area || CASE WHEN n.seq < 1000000 THEN LPAD(n.seq::text, 6, '0') ELSE n.seq::text END"
        if postgres
        else "n.area || CASE WHEN n.seq < 1000000 THEN SUBSTR('000000' || n.seq, -6) ELSE n.seq END"
    )
    insert = (
        "INSERT INTO people_household (number, source_key, area_id, address, created_at, updated_at) "
        f"SELECT {number}, n.source_key, n.area, '', %s, %s FROM ("
        "SELECT k.source_key, k.area, k.first_line, COALESCE(t.top, 0) + "
        "ROW_NUMBER() OVER (PARTITION BY k.area ORDER BY k.first_line) AS seq "
        f"FROM {households} k LEFT JOIN ("
        "SELECT area_id, CAST(COALESCE(NULLIF(SUBSTR(MAX(number), 13), ''), '0') AS BIGINT) AS top "
        f"FROM people_household WHERE area_id IN (SELECT area FROM {households} WHERE household_id IS NULL) "
        "GROUP BY area_id) t ON t.area_id = k.area WHERE k.household_id IS NULL{part}"
        ") n ORDER BY n.area, n.seq"
    )
    if postgres and not connection.in_atomic_block:
        # Two connections at once, each the areas whose code ends in an even or an odd digit (the numbering is
        # per area, so each numbers its own areas exactly as one statement would).
        parts = [
            " AND RIGHT(k.area, 1) IN ('0', '2', '4', '6', '8')",
            " AND RIGHT(k.area, 1) NOT IN ('0', '2', '4', '6', '8')",
        ]
        created_households = sum(_in_parallel([(insert.format(part=part), [stamp, stamp]) for part in parts]))
    else:
        with connection.cursor() as cursor:
            cursor.execute(insert.format(part=""), [stamp, stamp])
            created_households = cursor.rowcount
    with transaction.atomic(), connection.cursor() as cursor:
        _phase("  households inserted")
        # A household created just now (household_id still NULL here) has no memberships yet; step 3 uses that.
        cursor.execute(f"ALTER TABLE {households} ADD COLUMN created boolean")
        cursor.execute(
            f"UPDATE {households} SET created = (household_id IS NULL), household_id = COALESCE(household_id, "
            f"(SELECT h.id FROM people_household h WHERE h.source_key = {households}.source_key))"
        )
        _phase("  households ids")
        # The file's memberships, for step 3, with whether the person and the household are new.
        cursor.execute(
            f"CREATE {'UNLOGGED ' if postgres else ''}TABLE {tables.members} (person_id bigint, household_id bigint, "
            "relation text, living_together boolean, exclusion text, joined_on date, new_person boolean, "
            "new_household boolean)"
        )
        cursor.execute(
            f"INSERT INTO {tables.members} SELECT i.person_id, k.household_id, r.relation, r.living_together, "
            f"r.exclusion, COALESCE(r.joined_on, %s), i.created, k.created FROM {rows} r "
            f"JOIN {ids} i ON i.id_index = r.id_index JOIN {households} k ON k.source_key = r.household",
            [today],
        )
        _phase("  members table")
        if not postgres:  # PostgreSQL hashes the joins below; SQLite would loop over the whole table
            cursor.execute(f"CREATE INDEX {tables.members}_person ON {tables.members} (person_id)")
            cursor.execute(f"CREATE INDEX {tables.members}_household ON {tables.members} (household_id)")
    return {"created_persons": created, "updated_persons": persons - created, "created_households": created_households}


_FOREIGN_PERMANENT = str(Person.IdKind.FOREIGN_PERMANENT)
_HMT_RESIDENCE_PERMIT = str(Person.IdKind.HMT_RESIDENCE_PERMIT)
_RESIDENT = str(Person.IdKind.RESIDENT)
_HMT_ADDRESSES = frozenset({"810000", "820000", "830000"})


def _id_kind(number: str) -> str:
    if number.startswith("9"):
        return _FOREIGN_PERMANENT
    if number[:6] in _HMT_ADDRESSES:
        return _HMT_RESIDENCE_PERMIT
    return _RESIDENT


def reconcile_memberships(job: ImportJob, tables: _Tables, today: dt.date) -> None:
    """Step 3, set-based: close what the file no longer shows, open what is new. History stays.

    A person or household created by this import has no membership yet: it is left out of the closing and of
    the look-up for an identical current membership. On PostgreSQL outside a transaction (the worker), the new
    memberships are inserted by two connections at once, half of the households each (the foreign-key checks
    at their commit are most of the time); a rerun after a crash inserts only what is still missing.
    """
    members = tables.members
    postgres = connection.vendor == "postgresql"
    reason = (_("Changed by import %(file)s") % {"file": job.original_name})[:200]
    identical = (
        f"SELECT 1 FROM {members} s WHERE s.person_id = people_membership.person_id "
        "AND s.household_id = people_membership.household_id AND s.relation = people_membership.relation "
        "AND s.living_together = people_membership.living_together AND s.exclusion = people_membership.exclusion"
    )
    # New memberships in one INSERT … SELECT (plain SQL both databases understand).
    insert = (
        "INSERT INTO people_membership "
        "(household_id, person_id, relation, living_together, exclusion, joined_on, left_reason) "
        "SELECT s.household_id, s.person_id, s.relation, s.living_together, s.exclusion, "
        "CASE WHEN s.joined_on > %s THEN %s ELSE s.joined_on END, '' "
        f"FROM {members} s WHERE (s.new_person OR NOT EXISTS ("
        "SELECT 1 FROM people_membership m WHERE m.left_on IS NULL AND m.person_id = s.person_id "
        "AND m.household_id = s.household_id AND m.relation = s.relation))"
    )
    order = " ORDER BY s.household_id, s.person_id"
    parallel = postgres and not connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        if postgres:
            cursor.execute("SET LOCAL synchronous_commit = off")
        # Members of the imported households, and imported persons elsewhere, whose membership differs from the
        # file.
        for column, new in (("household_id", "new_household"), ("person_id", "new_person")):
            cursor.execute(
                "UPDATE people_membership SET left_on = %s, left_reason = %s WHERE left_on IS NULL "
                f"AND {column} IN (SELECT {column} FROM {members} WHERE NOT {new}) AND NOT EXISTS ({identical})",
                [today, reason],
            )
        _phase("  memberships closed")
        if not parallel:
            cursor.execute(insert + order, [today, today])
    if parallel:
        _in_parallel([(f"{insert} AND s.household_id %% 2 = {part}{order}", [today, today]) for part in (0, 1)])
    _phase("  memberships inserted")


def _in_parallel(statements: list[tuple[str, list[Any]]]) -> list[int]:
    """PostgreSQL: each statement in its own transaction on a connection of its own, all at once (the machine's
    cores share the work); their row counts. Any error is raised after all have ended."""
    wrapper = connections.create_connection(DEFAULT_DB_ALIAS)
    params = wrapper.get_connection_params()
    counts = [0] * len(statements)
    errors: list[BaseException] = []

    def run(index: int, sql: str, args: list[Any]) -> None:
        try:
            with wrapper.get_new_connection(params) as own:
                own.execute("SET LOCAL synchronous_commit = off")
                counts[index] = own.execute(sql, args).rowcount
        except BaseException as exc:  # handed to the calling thread
            errors.append(exc)

    threads = [
        threading.Thread(target=run, args=(i, sql, args), name=f"import-parallel-{i}")
        for i, (sql, args) in enumerate(statements)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return counts


def import_villages(area_codes: list[str]) -> set[str]:
    """Village codes inside the given area prefixes (the uploader's import scope)."""
    villages: set[str] = set()
    for prefix in area_codes:
        # A system read of public facts: which villages lie in the uploader's areas.
        villages.update(
            Division.objects.all().filter(code__startswith=prefix, level="village").values_list("code", flat=True)
        )
    return villages


def write_error_report(path: Path, header: list[str], rows: Iterator[tuple[int, dict[str, str], list[str]]]) -> int:
    """An .xlsx with the bad rows as uploaded, their line numbers and every reason."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("错误行")
    sheet.append(safe_row(["行号", "错误原因", *header]))
    count = 0
    for line, row, errors in rows:
        # The rows come back as uploaded: a cell written as a formula must not come back live (core.spreadsheets).
        sheet.append(safe_row([line, "；".join(errors), *(row.get(_BY_HEADER.get(h, h), "") for h in header)]))
        count += 1
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return count


def template_workbook() -> bytes:
    """The downloadable template: the columns, one example row, and a sheet explaining the allowed values."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "居民"
    sheet.append(safe_row(c.header for c in COLUMNS))
    sheet.append(safe_row(c.example for c in COLUMNS))
    for cell in sheet[1]:
        cell.number_format = "@"
    for letter in ("D", "E", "F", "G", "L"):  # IDs, phones, codes, accounts: text, or Excel drops digits
        for cell in sheet[letter]:
            cell.number_format = "@"
    notes = workbook.create_sheet("说明")
    notes.append(["列", "必填", "说明"])
    with translation.override("zh-hans"):
        explain = {
            "relation": "、".join(str(label) for _v, label in Membership.Relation.choices),
            "status": "、".join(str(label) for _v, label in Person.Status.choices),
            "labour_capacity": "、".join(str(label) for _v, label in Person.LabourCapacity.choices),
            "exclusion": "、".join(str(label) for _v, label in Membership.Exclusion.choices),
            "living_together": "是、否",
        }
    for column in COLUMNS:
        notes.append(safe_row([column.header, "是" if column.required else "", explain.get(column.key, "")]))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# Running a job ---------------------------------------------------------------------------------------------


IMPORT_FAILED = gettext_lazy("The import stopped because of an error on the server (%(kind)s). Upload the file again.")


def import_run(job_id: int, *, redelivered: bool = False) -> ImportJob:
    """Run an import job to its end (the core runner claims it, so a second delivery does not run it again). Safe to
    run again after a crash (``redelivered``): persons and households are upserted."""

    # A worker has no request: its messages and report are in the platform's language.
    with translation.override(settings.LANGUAGE_CODE):
        return job_run(ImportJob, job_id, _import_run, fallback=IMPORT_FAILED, redelivered=redelivered)


def _import_run(job: ImportJob) -> None:
    _phase.start = time.perf_counter()
    path = Path(settings.MEDIA_ROOT) / job.stored_file
    prefixes = [s.prefix for s in job.created_by.scopes_for("people.import_person")]
    today = timezone.localdate()
    checker = RowChecker(villages=import_villages(prefixes), today=today)
    tables = _Tables(job.pk)
    with connection.cursor() as cursor:
        tables.drop(cursor)
    job_progress(job, 0, phase="checking")
    try:
        try:
            with _stager(tables) as stager:
                check = check_file(
                    path,
                    checker,
                    progress=lambda n: job_progress(job, n),
                    sink=stager.add,
                    late_found=stager.abandon,
                )
            _phase("check")
            persons_merged = stager.finish(check)
            _phase("finish")
            job_progress(job, len(check.bad), check.rows, phase="writing", error_rows=len(check.bad))
            counts = _merge(
                job,
                tables,
                check,
                today,
                progress=lambda n: job_progress(job, n),
                persons_merged=persons_merged,
            )
            _phase("merge")
            job_progress(job, check.rows, phase="memberships", **counts)
            reconcile_memberships(job, tables, today)
            _phase("reconcile")
        finally:
            with connection.cursor() as cursor:
                tables.drop(cursor)
        bad_rows: list[tuple[int, dict[str, str], list[str]]] = []
        if check.bad:
            _keys, rows = read_rows(path)  # the bad rows as uploaded, for the report
            bad_rows = [(line, row, check.bad[line]) for line, row in rows if line in check.bad]
    except ImportFileError as exc:
        job_finish(job, status=ImportJob.Status.REJECTED, error=str(exc))
        return
    report = ""
    if bad_rows:
        report = f"imports/{job.pk}-errors.xlsx"
        write_error_report(Path(settings.MEDIA_ROOT) / report, [c.header for c in COLUMNS], iter(bad_rows))
    audit_record(
        actor=job.created_by,
        action="people.import_finished",
        object_type="people.importjob",
        object_id=str(job.pk),
        object_repr=job.original_name,
        area_code=job.area_code,
        after={"rows": check.rows, "errors": len(check.bad), **counts},
    )
    job_finish(job, phase="", error_report=report)
