"""Bulk import of residents and households from a legacy system's Excel or CSV export.

Three steps, each streaming over the file so memory grows only with the set of ID lookup keys:

1. **Check** every row (ID, names, village codes inside the uploader's areas, dates, relation) and every
   household (exactly one head), and find IDs given twice. Bad rows are remembered by line number only.
2. **Write** the good rows in batches: persons are upserted on the ID's blind index (a re-import updates,
   never duplicates), households on their number in the source system, and each row's membership goes to a
   staging table. Bad rows go to the Excel error report with their line number and reasons.
3. **Memberships** are then reconciled with set-based SQL: memberships the file no longer shows are closed
   (history is kept), new ones are opened.

A file that cannot be read as a spreadsheet, is empty or lacks a required column is refused before anything
is written (``ImportFileError``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import pickle
import tempfile
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from minsheng.areas.codes import InvalidCode, normalize_code
from minsheng.areas.models import Division
from minsheng.audit.services import audit_record
from minsheng.core.crypto import blind_index, encrypt_many, mask_bank_account, mask_id_number, mask_phone
from minsheng.people.idnumbers import InvalidIdNumber, parse_id_number
from minsheng.people.models import Household, ImportJob, ImportStaging, Membership, Person
from minsheng.people.names import is_valid_name, name_pinyin
from minsheng.people.services import _BANK_ACCOUNT, _PHONE

BATCH_SIZE = 2000


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
    if cleaned.isdigit() and len(cleaned) == 8:
        cleaned = f"{cleaned[:4]}-{cleaned[4:6]}-{cleaned[6:]}"
    try:
        year, month, day = (int(part) for part in cleaned.split("-"))
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError(text) from None


class RowChecker:
    """Cleans one row at a time; knows the villages the uploader may import into."""

    def __init__(self, *, villages: set[str], today: dt.date) -> None:
        self.villages = villages
        self.today = today
        self.maps = _maps()

    def _village(self, raw: str, label: str, errors: list[str]) -> str:
        if not raw:
            return ""
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

    def clean(self, row: dict[str, str]) -> tuple[CleanRow | None, list[str]]:
        errors: list[str] = []
        household = row.get("household", "").strip()
        if not household:
            errors.append(_("户编号 is empty."))
        name = " ".join(row.get("name", "").split())
        if not is_valid_name(name):
            errors.append(_("姓名 “%(value)s” is not a valid name.") % {"value": name})
        parsed = None
        try:
            parsed = parse_id_number(row.get("id_number", ""), today=self.today)
        except InvalidIdNumber as exc:
            errors.append(f"证件号码: {exc}")
        relation = self._mapped("relation", row.get("relation", ""), "", "与户主关系", errors)
        if not relation and not row.get("relation"):
            errors.append(_("与户主关系 is empty."))
        hukou = self._village(row.get("hukou_code", ""), "户籍地区划代码", errors)
        if not row.get("hukou_code"):
            errors.append(_("户籍地区划代码 is empty."))
        residence = self._village(row.get("residence_code", ""), "居住地区划代码", errors) or hukou
        status = self._mapped("status", row.get("status", ""), "living", "人员状态", errors)
        labour = self._mapped("labour_capacity", row.get("labour_capacity", ""), "full", "劳动能力", errors)
        exclusion = self._mapped("exclusion", row.get("exclusion", ""), "", "不共同生活原因", errors)
        living_raw = row.get("living_together", "").strip().lower()
        living = True
        if living_raw in _NO:
            living = False
        elif living_raw and living_raw not in _YES:
            errors.append(_("是否共同生活 must be 是 or 否."))
        if living and exclusion:
            exclusion = ""
        if not living and not exclusion:
            errors.append(_("不共同生活原因 is required when 是否共同生活 is 否."))
        dates: dict[str, dt.date | None] = {}
        for key, label in (("status_date", "状态日期"), ("joined_on", "入户日期")):
            try:
                dates[key] = _parse_date(row.get(key, ""))
            except ValueError:
                errors.append(
                    _("%(column)s “%(value)s” is not a date (use 2023-06-30).")
                    % {"column": label, "value": row.get(key)}
                )
                dates[key] = None
            if dates[key] and dates[key] > self.today:  # type: ignore[operator]
                errors.append(_("%(column)s is in the future.") % {"column": label})
        if status != "living" and not dates["status_date"] and "状态日期" not in " ".join(errors):
            errors.append(_("状态日期 is required for a person who died or moved away."))
        phone = row.get("phone", "").replace(" ", "")
        if phone and not _PHONE.match(phone):
            errors.append(_("联系电话 “%(value)s” is not a phone number.") % {"value": phone})
        account = row.get("bank_account", "").replace(" ", "")
        if account and not _BANK_ACCOUNT.match(account):
            errors.append(_("银行账号 must have 12 to 30 digits (format the column as text in Excel)."))
        if errors or parsed is None:
            return None, errors
        return (
            CleanRow(
                household=household,
                relation=relation,
                name=name,
                id_number=parsed.number,
                id_index=blind_index(parsed.number),
                gender=parsed.gender,
                birth_date=parsed.birth_date,
                phone=phone,
                hukou_code=hukou,
                residence_code=residence,
                status=status,
                status_date=dates["status_date"] if status != "living" else None,
                labour_capacity=labour,
                bank_name=row.get("bank_name", "").strip()[:60],
                bank_account=account,
                living_together=living,
                exclusion=exclusion,
                joined_on=dates["joined_on"],
            ),
            [],
        )


@dataclass
class CheckResult:
    rows: int = 0
    bad: dict[int, list[str]] = field(default_factory=dict)

    def flag(self, line: int, message: str) -> None:
        self.bad.setdefault(line, []).append(message)


def check_file(
    path: Path,
    checker: RowChecker,
    progress: Callable[[int], None] | None = None,
    spool: BinaryIO | None = None,
) -> CheckResult:
    """Step 1: every row and every household checked; only the line numbers of bad rows are kept.

    Rows that pass are pickled into ``spool`` as they are cleaned, in chunks, so step 2 does not clean them again.
    """
    _keys, rows = read_rows(path)
    chunk: list[tuple[int, CleanRow]] = []
    result = CheckResult()
    first_line_of: dict[str, int] = {}
    heads: dict[str, int] = defaultdict(int)
    lines_of: dict[str, list[int]] = defaultdict(list)
    for line, row in rows:
        result.rows += 1
        clean, errors = checker.clean(row)
        for message in errors:
            result.flag(line, message)
        household = row.get("household", "").strip()
        if household:
            lines_of[household].append(line)
            relation = (
                clean.relation
                if clean is not None
                else checker.maps["relation"].get(row.get("relation", "").strip().lower())
            )
            if relation == "head":
                heads[household] += 1
        if clean is not None:
            if spool is not None:
                chunk.append((line, clean))
                if len(chunk) >= BATCH_SIZE:
                    pickle.dump(chunk, spool, protocol=pickle.HIGHEST_PROTOCOL)
                    chunk = []
            earlier = first_line_of.setdefault(clean.id_index, line)
            if earlier != line:
                result.flag(line, _("证件号码 appears already on line %(line)d.") % {"line": earlier})
                result.flag(earlier, _("证件号码 appears again on line %(line)d.") % {"line": line})
        if progress and result.rows % BATCH_SIZE == 0:
            progress(result.rows)
    if spool is not None and chunk:
        pickle.dump(chunk, spool, protocol=pickle.HIGHEST_PROTOCOL)
    for household, lines in lines_of.items():
        if heads[household] != 1:
            message = _("Household %(household)s has %(count)d heads; it needs exactly one.") % {
                "household": household,
                "count": heads[household],
            }
            for line in lines:
                result.flag(line, message)
    return result


# Writing ---------------------------------------------------------------------------------------------------

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


def _person_rows(batch: list[CleanRow], now: dt.datetime) -> list[tuple[Any, ...]]:
    """Column values of the batch's persons (numbers encrypted in bulk), in PERSON_COPY_COLUMNS order."""
    ids = encrypt_many(r.id_number for r in batch)
    phones = encrypt_many(r.phone for r in batch)
    accounts = encrypt_many(r.bank_account for r in batch)
    rows = []
    for row, id_token, phone_token, account_token in zip(batch, ids, phones, accounts, strict=True):
        pinyin, initials = name_pinyin(row.name)
        rows.append(
            (
                row.name, pinyin, initials, _id_kind(row.id_number), id_token, row.id_index,
                mask_id_number(row.id_number), row.gender, row.birth_date, phone_token if row.phone else "",
                mask_phone(row.phone) if row.phone else "", row.hukou_code, row.residence_code, row.status,
                row.status_date, row.labour_capacity, row.bank_name, account_token if row.bank_account else "",
                mask_bank_account(row.bank_account) if row.bank_account else "", now, now,
            )
        )  # fmt: skip
    return rows


def _upsert_persons_postgres(rows: list[tuple[Any, ...]]) -> tuple[dict[str, int], int]:
    """COPY into a temporary table, then one INSERT … ON CONFLICT: no per-row SQL built by Python."""
    columns = ", ".join(PERSON_COPY_COLUMNS)
    updates = ", ".join(
        f"{c}_id = EXCLUDED.{c}_id" if c in {"hukou_area", "residence_area"} else f"{c} = EXCLUDED.{c}"
        for c in PERSON_UPDATE_FIELDS
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE import_person_stage ON COMMIT DROP AS SELECT {columns} FROM people_person WITH NO DATA"
        )
        with cursor.cursor.copy(f"COPY import_person_stage ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO people_person ({columns}) SELECT {columns} FROM import_person_stage "
            f"ON CONFLICT (id_index) DO UPDATE SET {updates} RETURNING id_index, id, (xmax = 0)"
        )
        returned = cursor.fetchall()
        cursor.execute("DROP TABLE import_person_stage")
    return {index: pk for index, pk, _new in returned}, sum(1 for *_rest, new in returned if new)


def _upsert_persons_orm(rows: list[tuple[Any, ...]]) -> tuple[dict[str, int], int]:
    indexes = [row[5] for row in rows]
    existing = set(Person.objects.unscoped().filter(id_index__in=indexes).values_list("id_index", flat=True))
    persons = [Person(**dict(zip(PERSON_COPY_COLUMNS, row, strict=True))) for row in rows]
    Person.objects.bulk_create(
        persons, update_conflicts=True, unique_fields=["id_index"], update_fields=PERSON_UPDATE_FIELDS
    )
    person_ids = dict(Person.objects.unscoped().filter(id_index__in=indexes).values_list("id_index", "pk"))
    return person_ids, len(set(indexes) - existing)


HOUSEHOLD_COPY_COLUMNS = ["number", "source_key", "area_id", "address", "created_at", "updated_at"]


def _insert_households(rows: list[tuple[Any, ...]]) -> dict[str, int]:
    """New households; their ids by source key. COPY and one INSERT … RETURNING on PostgreSQL."""
    if connection.vendor != "postgresql":
        Household.objects.bulk_create(Household(**dict(zip(HOUSEHOLD_COPY_COLUMNS, r, strict=True))) for r in rows)
        keys = [r[1] for r in rows]
        found = Household.objects.unscoped().filter(source_key__in=keys).values_list("source_key", "pk")
        return {str(key): pk for key, pk in found}
    columns = ", ".join(HOUSEHOLD_COPY_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE import_household_stage ON COMMIT DROP AS "
            f"SELECT {columns} FROM people_household WITH NO DATA"
        )
        with cursor.cursor.copy(f"COPY import_household_stage ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO people_household ({columns}) SELECT {columns} FROM import_household_stage "
            "RETURNING source_key, id"
        )
        returned = dict(cursor.fetchall())
        cursor.execute("DROP TABLE import_household_stage")
    return returned


def _write_batch(job: ImportJob, batch: list[CleanRow], today: dt.date, counts: dict[str, int]) -> None:
    """One batch in the caller's transaction. On PostgreSQL the commit does not wait for the disk flush: an
    import lost to a crash is simply run again (persons and households are upserted)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
    now = timezone.now()
    rows = _person_rows(batch, now)
    upsert = _upsert_persons_postgres if connection.vendor == "postgresql" else _upsert_persons_orm
    person_ids, created = upsert(rows)
    counts["created_persons"] += created
    counts["updated_persons"] += len(person_ids) - created

    # Households: one per source key, in the head's village (any member's until the head's row arrives).
    areas = {r.household: r.hukou_code for r in batch if r.relation == "head"}
    for r in batch:
        areas.setdefault(r.household, r.hukou_code)
    found = Household.objects.unscoped().filter(source_key__in=list(areas)).values_list("source_key", "pk")
    known: dict[str, int] = {str(key): pk for key, pk in found}
    new_keys = [k for k in areas if k not in known]
    if new_keys:
        top = dict(
            Household.objects.unscoped()
            .filter(area_id__in={areas[k] for k in new_keys})
            .values_list("area_id")
            .annotate(top=Max("number"))
        )
        sequences = {area: int(str(number)[12:] or 0) for area, number in top.items() if number}
        new_households: list[tuple[Any, ...]] = []
        for key in new_keys:
            area = areas[key]
            sequences[area] = sequences.get(area, 0) + 1
            new_households.append((f"{area}{sequences[area]:06d}", key, area, "", now, now))
        counts["created_households"] += len(new_households)
        known.update(_insert_households(new_households))
    staged = [
        (
            job.pk,
            person_ids[r.id_index],
            known[r.household],
            r.relation,
            r.living_together,
            r.exclusion,
            r.joined_on or today,
        )
        for r in batch
    ]
    if connection.vendor == "postgresql":
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(
                "COPY people_importstaging "
                "(job_id, person_id, household_id, relation, living_together, exclusion, joined_on) FROM STDIN"
            ) as copy,
        ):
            for values in staged:
                copy.write_row(values)
    else:
        fields = ("job_id", "person_id", "household_id", "relation", "living_together", "exclusion", "joined_on")
        ImportStaging.objects.bulk_create(ImportStaging(**dict(zip(fields, v, strict=True))) for v in staged)


def _id_kind(number: str) -> str:
    if number.startswith("9"):
        return Person.IdKind.FOREIGN_PERMANENT
    if number[:6] in {"810000", "820000", "830000"}:
        return Person.IdKind.HMT_RESIDENCE_PERMIT
    return Person.IdKind.RESIDENT


@transaction.atomic
def reconcile_memberships(job: ImportJob, today: dt.date) -> None:
    """Step 3, set-based: close what the file no longer shows, open what is new. History stays."""
    staged = ImportStaging.objects.filter(job=job)
    current = Membership.objects.unscoped().filter(left_on__isnull=True)
    identical = staged.filter(
        person_id=OuterRef("person_id"),
        household_id=OuterRef("household_id"),
        relation=OuterRef("relation"),
        living_together=OuterRef("living_together"),
        exclusion=OuterRef("exclusion"),
    )
    reason = _("Changed by import %(file)s") % {"file": job.original_name}
    # Members of the imported households, and imported persons elsewhere, whose membership differs from the file.
    current.filter(household_id__in=staged.values("household_id")).exclude(Exists(identical)).update(
        left_on=today, left_reason=reason[:200]
    )
    current.filter(person_id__in=staged.values("person_id")).exclude(Exists(identical)).update(
        left_on=today, left_reason=reason[:200]
    )
    # New memberships in one INSERT … SELECT (plain SQL both databases understand).
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO people_membership "
            "(household_id, person_id, relation, living_together, exclusion, joined_on, left_reason) "
            "SELECT s.household_id, s.person_id, s.relation, s.living_together, s.exclusion, "
            "CASE WHEN s.joined_on > %s THEN %s ELSE s.joined_on END, '' "
            "FROM people_importstaging s WHERE s.job_id = %s AND NOT EXISTS ("
            "SELECT 1 FROM people_membership m WHERE m.left_on IS NULL AND m.person_id = s.person_id "
            "AND m.household_id = s.household_id AND m.relation = s.relation)",
            [today, today, job.pk],
        )
    staged.delete()


def import_villages(area_codes: list[str]) -> set[str]:
    """Village codes inside the given area prefixes (the uploader's import scope)."""
    villages: set[str] = set()
    for prefix in area_codes:
        # A system read of public facts: which villages lie in the uploader's areas.
        villages.update(
            Division.objects.unscoped().filter(code__startswith=prefix, level="village").values_list("code", flat=True)
        )
    return villages


def write_error_report(path: Path, header: list[str], rows: Iterator[tuple[int, dict[str, str], list[str]]]) -> int:
    """An .xlsx with the bad rows as uploaded, their line numbers and every reason."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("错误行")
    sheet.append(["行号", "错误原因", *header])
    count = 0
    for line, row, errors in rows:
        sheet.append([line, "；".join(errors), *(row.get(_BY_HEADER.get(h, h), "") for h in header)])
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
    sheet.append([c.header for c in COLUMNS])
    sheet.append([c.example for c in COLUMNS])
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
        notes.append([column.header, "是" if column.required else "", explain.get(column.key, "")])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# Running a job ---------------------------------------------------------------------------------------------


def _update(job: ImportJob, **fields: Any) -> None:
    """Progress is written outside the batch transactions, so the progress bar sees it at once."""
    ImportJob.objects.unscoped().filter(pk=job.pk).update(**fields)
    for name, value in fields.items():
        setattr(job, name, value)


def import_run(job_id: int) -> ImportJob:
    """Run an import job to its end. Safe to run again after a crash: persons and households are upserted."""

    # A worker has no request: its messages and report are in the platform's language.
    with translation.override(settings.LANGUAGE_CODE):
        return _import_run(job_id)


def _read_spool(spool: BinaryIO) -> Iterator[list[tuple[int, CleanRow]]]:
    while True:
        try:
            yield pickle.load(spool)
        except EOFError:
            return


def _import_run(job_id: int) -> ImportJob:

    job = ImportJob.objects.unscoped().select_related("created_by").get(pk=job_id)
    if job.status in {ImportJob.Status.DONE, ImportJob.Status.REJECTED}:
        return job
    path = Path(settings.MEDIA_ROOT) / job.stored_file
    prefixes = [s.prefix for s in job.created_by.scopes_for("people.import_person")]
    today = timezone.localdate()
    checker = RowChecker(villages=import_villages(prefixes), today=today)
    ImportStaging.objects.filter(job=job).delete()  # left over by a crashed run
    _update(job, status=ImportJob.Status.RUNNING, phase="checking", processed_rows=0)
    try:
        with tempfile.TemporaryFile() as spool:
            check = check_file(path, checker, progress=lambda n: _update(job, processed_rows=n), spool=spool)
            _update(job, total_rows=check.rows, processed_rows=0, phase="writing", error_rows=len(check.bad))
            spool.seek(0)
            counts = {"created_persons": 0, "updated_persons": 0, "created_households": 0}
            batch: list[CleanRow] = []
            done = len(check.bad)
            for chunk in _read_spool(spool):
                for line, clean in chunk:
                    done += 1
                    if line not in check.bad:  # a household or duplicate error found after the row was clean
                        batch.append(clean)
                    if len(batch) >= BATCH_SIZE:
                        with transaction.atomic():
                            _write_batch(job, batch, today, counts)
                        batch = []
                        _update(job, processed_rows=done, **counts)
            if batch:
                with transaction.atomic():
                    _write_batch(job, batch, today, counts)
        _update(job, processed_rows=check.rows, phase="memberships", **counts)
        reconcile_memberships(job, today)
        bad_rows: list[tuple[int, dict[str, str], list[str]]] = []
        if check.bad:
            _keys, rows = read_rows(path)  # the bad rows as uploaded, for the report
            bad_rows = [(line, row, check.bad[line]) for line, row in rows if line in check.bad]
    except ImportFileError as exc:
        _update(job, status=ImportJob.Status.REJECTED, message=str(exc), finished_at=timezone.now())
        return job
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
    _update(job, status=ImportJob.Status.DONE, phase="", error_report=report, finished_at=timezone.now())
    return job
