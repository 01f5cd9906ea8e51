from __future__ import annotations

import gzip
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from minsheng.areas.models import Division
from minsheng.areas.services import (
    DivisionFileError,
    DivisionImportResult,
    divisions_import,
    parse_division_csv,
    read_division_file,
)
from minsheng.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

HEADER = "code,name,level,parent_code\n"
# A small province of our own (99), so the tests never collide with the bundled Jiangsu rows.
GOOD = HEADER + "\n".join(
    [
        "99,测试省,province,",
        "9901,甲市,city,99",
        "990101,甲县,county,9901",
        "990101001,城关镇,township,990101",
        "990101001001,东村,village,990101001",
        "990101001002,西村,village,990101001",
    ]
)


def _import(text: str, **kwargs: Any) -> DivisionImportResult:
    return divisions_import(rows=parse_division_csv(text), source="test", **kwargs)


def _test_divisions() -> dict[str, tuple[str, str, str | None]]:
    rows = Division.objects.all().filter(code__startswith="99").values_list("code", "name", "level", "parent_id")
    return {code: (name, level, parent) for code, name, level, parent in rows}


def test_a_good_file_loads_every_level_with_twelve_digit_codes_and_parents() -> None:
    result = _import(GOOD)
    assert (result.ok, result.rows, result.created, result.unchanged) == (True, 6, 6, 0)
    assert _test_divisions() == {
        "990000000000": ("测试省", "province", None),
        "990100000000": ("甲市", "city", "990000000000"),
        "990101000000": ("甲县", "county", "990100000000"),
        "990101001000": ("城关镇", "township", "990101000000"),
        "990101001001": ("东村", "village", "990101001000"),
        "990101001002": ("西村", "village", "990101001000"),
    }
    event = AuditEvent.objects.unscoped().get(action="areas.divisions_imported", area_code="990000000000")
    assert event.after is not None
    assert event.after["created"] == 6


def test_re_running_changes_nothing() -> None:
    _import(GOOD)
    before = _test_divisions()
    events = AuditEvent.objects.unscoped().count()
    result = _import(GOOD)
    assert (result.created, result.unchanged, result.renamed, result.moved) == (0, 6, [], 0)
    assert _test_divisions() == before
    assert AuditEvent.objects.unscoped().count() == events  # nothing changed, nothing to record


def test_renames_are_applied_and_reported() -> None:
    _import(GOOD)
    result = _import(GOOD.replace("东村,village", "东风村,village"))
    assert result.renamed == [("990101001001", "东村", "东风村")]
    assert (result.created, result.unchanged) == (0, 5)
    assert _test_divisions()["990101001001"][0] == "东风村"
    event = AuditEvent.objects.unscoped().filter(action="areas.divisions_imported").order_by("-id").first()
    assert event is not None
    assert event.after is not None
    assert event.after["renamed"] == [{"code": "990101001001", "from": "东村", "to": "东风村"}]


def test_bad_rows_are_reported_with_line_numbers_and_nothing_is_written() -> None:
    text = (
        GOOD
        + "\n"
        + "\n".join(
            [
                "99010100100X,坏码村,village,990101001",  # line 8
                "990101002001,孤村,village,990101002",  # line 9: parent neither in file nor loaded
                "990101001001,重复村,village,990101001",  # line 10: duplicate of line 6
                "990102,乙县,township,9901",  # line 11: county code given as township
                "990103,,county,9901",  # line 12: no name
                "990199,省直辖县,county,99",  # line 13: fine (a county directly under the province)
                "880101,外县,county,9901",  # line 14: not inside its parent
            ]
        )
    )
    result = _import(text)
    assert [(e.line, e.message) for e in result.errors] == [
        (8, "'99010100100X' is not all digits"),
        (9, "parent 990101002000 is neither in the file nor loaded"),
        (10, "code appears already on line 6"),
        (11, "990102000000 has an all-zero township part"),
        (12, "name is empty"),
        (14, "code does not lie inside its parent 990100000000"),
    ]
    assert _test_divisions() == {}


def test_parent_must_lie_above_the_child() -> None:
    result = _import(GOOD + "\n990101001003,怪村,village,990101001001")
    assert [(e.line, e.message) for e in result.errors] == [
        (8, "parent 990101001001 is a village, not above a village")
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("code,name\n32,江苏省\n", "missing columns level, parent_code"),
        ("\x00\x01binary", "not a text file"),
    ],
)
def test_unreadable_files_are_refused_as_a_whole(text: str, message: str) -> None:
    with pytest.raises(DivisionFileError, match=message):
        list(parse_division_csv(text))


def test_command_loads_gzip_and_reports_bad_rows(tmp_path: Path) -> None:
    good = tmp_path / "good.csv.gz"
    good.write_bytes(gzip.compress(GOOD.encode()))
    out = StringIO()
    call_command("import_divisions", str(good), stdout=out)
    assert "6 rows, 6 new, 0 renamed, 0 moved, 0 unchanged" in out.getvalue()

    bad = tmp_path / "bad.csv"
    bad.write_text(GOOD.replace("9901,甲市", "99x1,甲市"), encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError, match="bad rows in"):
        call_command("import_divisions", str(bad), stderr=err)
    assert "line 3: 99x1: '99x1' is not all digits" in err.getvalue()


def test_command_refuses_a_file_that_is_not_csv(tmp_path: Path) -> None:
    path = tmp_path / "divisions.xlsx"
    path.write_bytes(b"PK\x03\x04\x00\x00binary")
    with pytest.raises(CommandError, match=r"not a text file|not a UTF-8"):
        call_command("import_divisions", str(path))


def test_the_bundled_files_load_all_of_suqian() -> None:
    # Loaded once for the whole test run (conftest); re-reading them changes nothing.
    counts = {
        level: Division.objects.all().filter(code__startswith="3213", level=level).count()
        for level in ("city", "county", "township", "village")
    }
    assert counts == {"city": 1, "county": 6, "township": 109, "village": 1440}
    suqian = Path(__file__).resolve().parents[1] / "data" / "suqian-2023.csv"
    result = divisions_import(rows=read_division_file(suqian), source="again")
    assert (result.rows, result.created, result.unchanged) == (1556, 0, 1556)
