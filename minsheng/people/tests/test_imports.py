from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from minsheng.accounts.models import User
from minsheng.accounts.roles import Role
from minsheng.audit.models import AuditEvent
from minsheng.core.crypto import blind_index
from minsheng.people import imports, services
from minsheng.people.idnumbers import synthesize_id_number
from minsheng.people.imports import COLUMNS, import_run, template_workbook
from minsheng.people.models import Household, ImportJob, Membership, Person
from minsheng.testing import Personas

pytestmark = pytest.mark.django_db

HEADER = ",".join(c.header for c in COLUMNS)


def _id(birth: str, sequence: int) -> str:
    return synthesize_id_number(address_code="321302", birth_date=dt.date.fromisoformat(birth), sequence=sequence)


def _row(household: str, relation: str, name: str, number: str, village: str, **extra: str) -> str:
    values = {c.key: "" for c in COLUMNS}
    values.update(household=household, relation=relation, name=name, id_number=number, hukou_code=village, **extra)
    return ",".join(values[c.key] for c in COLUMNS)


def _run(actor: User, name: str, content: bytes) -> ImportJob:
    job = services.import_start(actor=actor, uploaded=SimpleUploadedFile(name, content))
    return import_run(job.pk)


def _household_rows(p: Personas) -> list[str]:
    v = p.village.code
    return [
        _row(
            "H001", "户主", "王建国", _id("1960-05-01", 11), v, phone="13812345678", bank_account="6228480012345678901"
        ),
        _row("H001", "配偶", "李秀英", _id("1962-02-02", 12), v),
        _row("H001", "子女", "王小明", _id("1990-07-12", 13), v, living_together="否", exclusion="服刑或强制隔离戒毒"),
        _row("H002", "户主", "张伟", _id("1975-01-01", 15), v, status="已故", status_date="2025-03-01"),
        _row("H002", "配偶", "陈静", _id("1976-01-01", 16), v, joined_on="2001/10/01"),
    ]


def test_a_good_file_imports_persons_households_and_memberships(personas: Personas) -> None:
    actor = personas[Role.COUNTY_APPROVER]
    job = _run(actor, "good.csv", ("\n".join([HEADER, *_household_rows(personas)]) + "\n").encode())
    assert (job.status, job.progress_total, job.progress_done, job.error_rows, job.error_report) == (
        "done",
        5,
        5,
        0,
        "",
    )
    assert (job.created_persons, job.updated_persons, job.created_households, job.percent) == (5, 0, 2, 100)
    head = Person.objects.unscoped().get(id_index=blind_index(_id("1960-05-01", 11)))
    assert (head.name, head.phone, head.bank_account, head.phone_masked) == (
        "王建国",
        "13812345678",
        "6228480012345678901",
        "138****5678",
    )
    zhang = Person.objects.unscoped().get(name="张伟")
    assert (zhang.status, zhang.status_date) == ("deceased", dt.date(2025, 3, 1))
    first = Household.objects.unscoped().get(source_key="H001")
    assert first.number == f"{personas.village.code}000001" and first.area_id == personas.village.code
    members = {
        m.person.name: (m.relation, m.living_together, m.exclusion)
        for m in Membership.objects.unscoped().filter(household=first).select_related("person")
    }
    assert members == {
        "王建国": ("head", True, ""),
        "李秀英": ("spouse", True, ""),
        "王小明": ("child", False, "detained"),
    }
    assert Membership.objects.unscoped().get(person__name="陈静").joined_on == dt.date(2001, 10, 1)
    event = AuditEvent.objects.unscoped().get(action="people.import_finished")
    assert event.after == {"rows": 5, "errors": 0, "created_persons": 5, "updated_persons": 0, "created_households": 2}


def test_bad_rows_come_back_in_an_excel_report_and_are_not_imported(personas: Personas, settings: object) -> None:
    v = personas.village.code
    good = _id("1970-01-01", 21)
    bad_checksum = _id("1971-01-01", 22)[:-1] + ("0" if _id("1971-01-01", 22)[-1] != "0" else "1")
    rows = [
        HEADER,
        _row("H010", "户主", "赵一", good, v),  # line 2: good
        _row("H011", "户主", "钱二", bad_checksum, v),  # line 3: checksum
        _row("H012", "户主", "孙三", _id("1972-01-01", 23), "321302999999"),  # line 4: unknown village
        _row("H013", "户主", "李四", _id("1973-01-01", 24), v),  # line 5: duplicate with line 6
        _row("H014", "户主", "周五", _id("1973-01-01", 24), v),  # line 6
        _row("H015", "户主", "吴六", _id("1974-01-01", 25), v),  # lines 7-8: two heads
        _row("H015", "户主", "郑七", _id("1974-02-01", 26), v),
        _row("H016", "子女", "王八", _id("1990-01-01", 27), v),  # line 9: no head
        _row("H017", "户主", "冯九", _id("1975-01-01", 28), v, joined_on="2023-02-30"),  # line 10: bad date
        _row("H018", "户主", "陈十", _id("1976-01-01", 29), personas.other_city.code),  # line 11: not a village of ours
    ]
    job = _run(personas[Role.COUNTY_APPROVER], "mixed.csv", "\n".join(rows).encode())
    assert (job.status, job.progress_total, job.error_rows, job.created_persons) == ("done", 10, 9, 1)
    assert list(Person.objects.unscoped().values_list("name", flat=True)) == ["赵一"]
    report = load_workbook(Path(settings.MEDIA_ROOT) / job.error_report)  # type: ignore[attr-defined]
    sheet = report.worksheets[0]
    lines = [(r[0], r[1]) for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert [line for line, _ in lines] == [3, 4, 5, 6, 7, 8, 9, 10, 11]
    reasons = dict(lines)
    assert "校验码" in reasons[3]
    assert "321302999999" in reasons[4]
    assert "第 6 行" in reasons[5] or "6" in reasons[5]
    assert "H015" in reasons[7] and "2" in reasons[7]
    assert "H016" in reasons[9]
    assert "2023-02-30" in reasons[10]
    assert personas.other_city.code in reasons[11]
    assert [c.value for c in sheet[1]][:4] == ["行号", "错误原因", "户编号", "与户主关系"]
    client = Client()
    client.force_login(personas[Role.COUNTY_APPROVER])
    download = client.get(reverse("people:import_errors", args=[job.pk]))
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")


def test_re_importing_updates_by_id_and_keeps_membership_history(personas: Personas) -> None:
    actor = personas[Role.COUNTY_APPROVER]
    rows = _household_rows(personas)
    _run(actor, "first.csv", "\n".join([HEADER, *rows]).encode())
    renamed = [rows[0].replace("王建国", "王建民"), rows[1]]  # 王小明 has left household H001
    job = _run(actor, "second.csv", "\n".join([HEADER, *renamed]).encode())
    assert (job.created_persons, job.updated_persons, job.created_households) == (0, 2, 0)
    assert Person.objects.unscoped().count() == 5
    assert Person.objects.unscoped().get(id_index=blind_index(_id("1960-05-01", 11))).name == "王建民"
    xiaoming = Membership.objects.unscoped().get(person__name="王小明")
    assert xiaoming.left_on is not None and "second.csv" in xiaoming.left_reason
    current = Membership.objects.unscoped().filter(household__source_key="H001", left_on__isnull=True)
    assert sorted(current.values_list("relation", flat=True)) == ["head", "spouse"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("report.csv", b"%PDF-1.4 binary \x00\x01", "不是 Excel"),
        ("columns.csv", "姓名,证件号码\n王芳,11010519491231002X\n".encode(), "户编号"),
        ("blank.csv", b"   \n", "为空"),
        ("fake.xlsx", b"PK\x03\x04 not really a workbook", "不是 Excel"),
    ],
)
def test_unusable_files_are_refused_and_change_nothing(
    personas: Personas, name: str, content: bytes, message: str
) -> None:
    job = _run(personas[Role.COUNTY_APPROVER], name, content)
    assert job.status == "rejected" and message in job.error
    assert (Person.objects.unscoped().count(), Household.objects.unscoped().count()) == (0, 0)


def test_an_empty_upload_or_another_format_is_refused_at_once(personas: Personas) -> None:
    from django.core.exceptions import ValidationError

    for name, content in (("x.csv", b""), ("x.pdf", b"%PDF")):
        with pytest.raises(ValidationError):
            services.import_start(actor=personas[Role.COUNTY_APPROVER], uploaded=SimpleUploadedFile(name, content))
    assert not ImportJob.objects.unscoped().exists()


def test_excel_files_and_gb18030_csv_import_too(personas: Personas) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append([c.header for c in COLUMNS])
    values = {c.key: "" for c in COLUMNS} | {
        "household": "X1",
        "relation": "户主",
        "name": "刘洋",
        "id_number": _id("1980-08-08", 31),
        "hukou_code": personas.village.code,
        "joined_on": dt.date(2010, 5, 6),
    }
    sheet.append([values[c.key] for c in COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    job = _run(personas[Role.COUNTY_APPROVER], "legacy.xlsx", buffer.getvalue())
    assert (job.status, job.created_persons) == ("done", 1)
    assert Membership.objects.unscoped().get(person__name="刘洋").joined_on == dt.date(2010, 5, 6)
    gbk = "\n".join([HEADER, _row("X2", "户主", "黄磊", _id("1981-01-01", 32), personas.village.code)]).encode(
        "gb18030"
    )
    assert _run(personas[Role.COUNTY_APPROVER], "legacy.csv", gbk).created_persons == 1


def test_the_template_downloads_and_its_example_row_is_checked(personas: Personas) -> None:
    workbook = load_workbook(io.BytesIO(template_workbook()))
    assert [c.value for c in workbook.worksheets[0][1]] == [c.header for c in COLUMNS]
    client = Client()
    client.force_login(personas[Role.COUNTY_APPROVER])
    response = client.get(reverse("people:import_template"))
    assert response.status_code == 200 and response.content[:2] == b"PK"


def test_uploading_through_the_page_runs_the_import_and_shows_progress(
    personas: Personas, django_capture_on_commit_callbacks: object
) -> None:
    client = Client()
    client.force_login(personas[Role.COUNTY_APPROVER])
    content = "\n".join([HEADER, *_household_rows(personas)]).encode()
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        response = client.post(reverse("people:imports"), {"file": SimpleUploadedFile("page.csv", content)})
    job = ImportJob.objects.unscoped().get()
    assert response.status_code == 302 and response["Location"] == reverse("people:import_detail", args=[job.pk])
    page = client.get(reverse("people:import_detail", args=[job.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert 'id="created-persons">5<' in page and "every 1s" not in page  # finished: the page stops polling


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("chunk", [10_000, 2])
@pytest.mark.parametrize("mixed", [False, True])
def test_outside_a_transaction_the_persons_are_merged_while_checking_with_the_same_result(
    personas: Personas, mixed: bool, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL a job run outside a transaction (as by the worker) upserts persons during the check and
    keeps them only if no row failed a check across rows; a duplicate ID later in the file undoes that. With
    chunks of two rows, both early-merging connections get chunks, and households span chunks."""
    monkeypatch.setattr(imports, "STAGE_CHUNK", chunk)
    actor = personas[Role.COUNTY_APPROVER]
    rows = _household_rows(personas)
    if mixed:  # line 7 repeats line 2's ID: both are reported, the early upserts are rolled back
        rows.append(_row("H003", "户主", "周五", _id("1960-05-01", 11), personas.village.code))
    job = _run(actor, "early.csv", "\n".join([HEADER, *rows]).encode())
    assert (job.status, job.progress_total, job.error_rows) == ("done", len(rows), 2 if mixed else 0)
    assert (job.created_persons, job.updated_persons, job.created_households) == ((4, 0, 2) if mixed else (5, 0, 2))
    expected = {"李秀英", "王小明", "张伟", "陈静"} | (set() if mixed else {"王建国"})
    assert set(Person.objects.unscoped().values_list("name", flat=True)) == expected
    assert Membership.objects.unscoped().filter(left_on__isnull=True).count() == len(expected)
    again = _run(actor, "again.csv", "\n".join([HEADER, *_household_rows(personas)]).encode())
    assert (again.created_persons, again.updated_persons, again.created_households) == (
        (1, 4, 0) if mixed else (0, 5, 0)
    )
    assert Person.objects.unscoped().count() == 5


def test_the_fast_id_check_agrees_with_the_full_one() -> None:
    from minsheng.people.idnumbers import parse_id_number
    from minsheng.people.imports import RowChecker

    today = dt.date(2026, 11, 29)
    checker = RowChecker(villages=set(), today=today)
    good = _id("1990-07-12", 13)
    x_number = next(n for s in range(1000) if (n := _id("1985-03-04", s)).endswith("X"))
    for raw in (good, x_number, x_number.lower(), f" {good}", good[:6] + good[8:17], good[:-1] + "0"):
        try:
            full: tuple[str, str, dt.date] | None = (lambda p: (p.number, p.gender, p.birth_date))(
                parse_id_number(raw, today=today)
            )
        except ValueError:
            full = None
        fast = checker._fast_id(raw)
        assert fast is None or fast == full, raw
    assert checker._fast_id(good) == (good, "M", dt.date(1990, 7, 12))
    assert checker._fast_id(x_number.lower()) == (
        x_number,
        (x_number[16] in "13579" and "M") or "F",
        dt.date(1985, 3, 4),
    )
    future = synthesize_id_number(address_code="321302", birth_date=dt.date(2027, 1, 1), sequence=1)
    assert checker._fast_id(future) is None  # the full check words the error
    assert checker._fast_id(good[:6] + good[8:17]) is None  # 15 digits: converted by the full check


def test_cells_written_as_formulas_come_back_as_plain_text_in_the_error_report(
    personas: Personas, settings: object
) -> None:
    """A formula in an upload (=HYPERLINK, +, -, @) must not come back live in the report the clerk opens."""
    v = personas.village.code
    link = '=HYPERLINK("http://evil.example/")'
    rows = [
        HEADER,
        _row("@SUM(1)", "户主", link, _id("1970-01-01", 31), v, phone="+8613800000000", bank_name="-2+3"),
        _row("H021", "户主", "钱二", "123", v),  # a plain bad row: its cells stay as they were
    ]
    job = _run(personas[Role.COUNTY_APPROVER], "formulas.csv", "\n".join(rows).encode())
    assert job.error_rows == 2
    report = load_workbook(Path(settings.MEDIA_ROOT) / job.error_report)  # type: ignore[attr-defined]
    sheet = report.worksheets[0]
    header = [c.value for c in sheet[1]]
    first = {h: c for h, c in zip(header, sheet[2], strict=True)}
    assert [c.data_type for row in sheet.iter_rows() for c in row if c.data_type == "f"] == []  # no formula anywhere
    assert (first["户编号"].value, first["姓名"].value) == ("'@SUM(1)", "'" + link)
    assert (first["联系电话"].value, first["开户银行"].value) == ("'+8613800000000", "'-2+3")
    second = {h: c.value for h, c in zip(header, sheet[3], strict=True)}
    assert (second["行号"], second["户编号"], second["姓名"]) == (3, "H021", "钱二")
