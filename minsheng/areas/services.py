"""Loading the official division tree."""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from minsheng.areas.codes import LEVEL_DEPTH, LEVELS, InvalidCode, check_code_level, normalize_code, prefix_of
from minsheng.areas.models import Division
from minsheng.audit.services import audit_record

if TYPE_CHECKING:
    from minsheng.core.typing import Actor

REQUIRED_COLUMNS = ("code", "name", "level", "parent_code")
NAME_MAX_LENGTH = Division._meta.get_field("name").max_length or 100
DATA_DIR = Path(__file__).resolve().parent / "data"


class DivisionFileError(ValueError):
    """The file as a whole cannot be read (not CSV, empty, columns missing)."""


@dataclass(frozen=True)
class RowError:
    line: int
    code: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.code or '-'}: {self.message}"


@dataclass
class DivisionImportResult:
    rows: int = 0
    created: int = 0
    renamed: list[tuple[str, str, str]] = field(default_factory=list)
    moved: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class _Row:
    line: int
    code: str
    name: str
    level: str
    parent: str | None


def read_division_file(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of a division CSV (optionally gzipped) with their 1-based line numbers (the header is line 1)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DivisionFileError(f"{path}: {exc.strerror}") from None
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DivisionFileError(f"{path}: not a UTF-8 CSV file") from None
    return parse_division_csv(text, source=str(path))


def parse_division_csv(text: str, *, source: str = "file") -> Iterator[tuple[int, dict[str, str]]]:
    if "\x00" in text:
        raise DivisionFileError(f"{source}: not a text file")
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames:
        raise DivisionFileError(f"{source}: the file is empty")
    columns = [name.strip() for name in reader.fieldnames]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise DivisionFileError(
            f"{source}: missing columns {', '.join(missing)}; expected {','.join(REQUIRED_COLUMNS)}"
        )
    reader.fieldnames = columns
    return ((reader.line_num, {k: (v or "") for k, v in row.items() if k}) for row in reader)


def _validate(rows: Iterable[tuple[int, dict[str, str]]], result: DivisionImportResult) -> list[_Row]:
    parsed: list[_Row] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        result.rows += 1
        raw_code = row.get("code", "").strip()
        try:
            code = normalize_code(raw_code)
            level = row.get("level", "").strip()
            check_code_level(code, level)
        except InvalidCode as exc:
            result.errors.append(RowError(line, raw_code, str(exc)))
            continue
        name = row.get("name", "").strip()
        if not name:
            result.errors.append(RowError(line, raw_code, "name is empty"))
            continue
        if len(name) > NAME_MAX_LENGTH:
            result.errors.append(RowError(line, raw_code, f"name is longer than {NAME_MAX_LENGTH} characters"))
            continue
        if code in seen:
            result.errors.append(RowError(line, raw_code, f"code appears already on line {seen[code]}"))
            continue
        seen[code] = line
        raw_parent = row.get("parent_code", "").strip()
        parent: str | None = None
        if level == "province":
            if raw_parent:
                result.errors.append(RowError(line, raw_code, "a province has no parent"))
                continue
        else:
            if not raw_parent:
                result.errors.append(RowError(line, raw_code, "parent_code is empty"))
                continue
            try:
                parent = normalize_code(raw_parent)
            except InvalidCode as exc:
                result.errors.append(RowError(line, raw_code, f"parent_code: {exc}"))
                continue
        parsed.append(_Row(line, code, name, level, parent))
    return parsed


def _check_parents(
    parsed: list[_Row], existing: dict[str, tuple[str, str, str | None]], result: DivisionImportResult
) -> None:
    levels = {code: level for code, (_name, level, _parent) in existing.items()}
    levels.update({row.code: row.level for row in parsed})
    for row in parsed:
        if row.parent is None:
            continue
        parent_level = levels.get(row.parent)
        if parent_level is None:
            result.errors.append(RowError(row.line, row.code, f"parent {row.parent} is neither in the file nor loaded"))
        elif LEVEL_DEPTH[parent_level] >= LEVEL_DEPTH[row.level]:
            result.errors.append(
                RowError(row.line, row.code, f"parent {row.parent} is a {parent_level}, not above a {row.level}")
            )
        elif not row.code.startswith(prefix_of(row.parent, parent_level)):
            result.errors.append(RowError(row.line, row.code, f"code does not lie inside its parent {row.parent}"))


def divisions_import(
    *, rows: Iterable[tuple[int, dict[str, str]]], source: str, actor: Actor | None = None, dry_run: bool = False
) -> DivisionImportResult:
    """Load divisions from rows of ``code,name,level,parent_code``.

    All rows are checked first; if any is bad, the result lists every bad row with its line number and nothing
    is written. Otherwise new codes are inserted and changed names, levels or parents updated in one
    transaction by bulk SQL; unchanged rows are left alone, so a re-run is a no-op.
    """
    result = DivisionImportResult()
    parsed = _validate(rows, result)
    # A system job: the import reads the whole table to know what exists.
    existing: dict[str, tuple[str, str, str | None]] = {
        code: (name, level, parent)
        for code, name, level, parent in Division.objects.all().values_list("code", "name", "level", "parent_id")
    }
    _check_parents(parsed, existing, result)
    if result.errors:
        result.errors.sort(key=lambda e: e.line)
        return result

    changed: list[Division] = []
    now = timezone.now()
    for row in sorted(parsed, key=lambda r: (LEVEL_DEPTH[r.level], r.code)):
        before = existing.get(row.code)
        if before is None:
            result.created += 1
        elif before == (row.name, row.level, row.parent):
            result.unchanged += 1
            continue
        else:
            if before[0] != row.name:
                result.renamed.append((row.code, before[0], row.name))
            if before[1:] != (row.level, row.parent):
                result.moved += 1
        changed.append(Division(code=row.code, name=row.name, level=row.level, parent_id=row.parent, updated_at=now))

    if dry_run or not changed:
        return result
    with transaction.atomic():
        Division.objects.bulk_create(
            changed,
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=["name", "level", "parent", "updated_at"],
        )
        top = min(parsed, key=lambda r: LEVEL_DEPTH[r.level])
        audit_record(
            actor=actor,
            action="areas.divisions_imported",
            kind="system" if actor is None else "change",
            object_type="areas.division",
            object_repr=source[:200],
            area_code=top.code,
            after={
                "source": source,
                "rows": result.rows,
                "created": result.created,
                "moved": result.moved,
                "renamed": [{"code": c, "from": old, "to": new} for c, old, new in result.renamed[:500]],
                "renamed_total": len(result.renamed),
            },
        )
    return result


def divisions_load_bundled(*, actor: Actor | None = None) -> list[DivisionImportResult]:
    """Load the division files shipped with Minsheng: the Jiangsu province and city rows, then Suqian."""
    results = []
    for name in ("jiangsu-cities-2023.csv", "suqian-2023.csv"):
        path = DATA_DIR / name
        result = divisions_import(rows=read_division_file(path), source=f"bundled:{name}", actor=actor)
        if not result.ok:
            raise DivisionFileError(f"{name}: " + "; ".join(str(e) for e in result.errors[:5]))
        results.append(result)
    return results


__all__ = [
    "LEVELS",
    "DivisionFileError",
    "DivisionImportResult",
    "RowError",
    "divisions_import",
    "divisions_load_bundled",
    "parse_division_csv",
    "read_division_file",
]
