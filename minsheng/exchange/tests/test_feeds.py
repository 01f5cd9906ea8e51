"""Feeds by file: matching to the registry, the bad input refused whole with its rows named, re-sending, and a death
in a feed reaching the registry (a second user confirms) and from there the benefit and the payroll."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from minsheng.accounts.roles import Role
from minsheng.assistance.benefits.models import Benefit, BenefitChange
from minsheng.audit.models import AuditEvent
from minsheng.core.months import first_day_of_next_month, month_of
from minsheng.exchange import feeds
from minsheng.exchange.feeds import FeedRejected
from minsheng.exchange.models import Feed, FeedRecord
from minsheng.exchange.services import feed_upload
from minsheng.exchange.tests.factories import OFFICER, csv_of, death_feed, id_number, source
from minsheng.payments import services as payroll
from minsheng.payments.models import PaymentLine
from minsheng.payments.tests.factories import enrol, payee
from minsheng.people.models import ChangeRequest, Person
from minsheng.people.services import change_request_confirm
from minsheng.testing import PASSWORD, Personas, make_person

HEADER = ["id_number", "name", "month", "base", "employer"]


def upload(
    p: Personas,
    content: bytes,
    *,
    batch: str = "RS-2026-10",
    code: str = "hrss_contribution",
    filename: str = "feed.csv",
) -> tuple[Feed, bool]:
    return feed_upload(actor=p[OFFICER], source=source(code), batch=batch, content=content, filename=filename)


def test_a_feed_file_is_matched_by_the_id_and_counted(personas: Personas) -> None:
    p = personas
    known = make_person(p.village, "张一")
    renamed = make_person(p.village, "张二")
    content = csv_of(
        HEADER,
        [known.id_number, "张一", "2026-10", "4250.50", "宿迁某厂"],
        [renamed.id_number, "张三", "2026-10", "3800", ""],
        [id_number(77), "李四", "2026-10", "0.01", ""],
    )

    feed, created = upload(p, content)

    assert created
    assert (feed.rows, feed.matched, feed.ambiguous, feed.unmatched) == (3, 1, 1, 1)
    assert (feed.area_code, feed.channel, feed.layout_version) == (p.county.code, "file", 1)
    records = FeedRecord.objects.unscoped().filter(feed=feed).order_by("row")
    assert [(r.row, r.match, r.person_id, r.area_code, r.amount_fen, r.on) for r in records] == [
        (2, "matched", known.pk, p.village.code, 425_050, dt.date(2026, 10, 1)),
        (3, "ambiguous", renamed.pk, p.village.code, 380_000, dt.date(2026, 10, 1)),
        (4, "unmatched", None, p.county.code, 1, dt.date(2026, 10, 1)),
    ]
    first = records[0]
    assert first.values == {"month": "2026-10-01", "base": 425_050, "employer": "宿迁某厂"}
    assert first.id_masked == known.id_masked and first.id_number == known.id_number
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM exchange_feedrecord WHERE id = %s", [first.pk])
        (raw,) = cursor.fetchone()
    assert raw.startswith("1$") and known.id_number not in raw  # encrypted at rest
    event = AuditEvent.objects.unscoped().get(action="exchange.feed_received")
    assert event.after is not None and event.after["matched"] == 1 and event.area_code == p.county.code


def test_an_excel_feed_with_chinese_column_names_is_read_the_same(personas: Personas) -> None:
    p = personas
    known = make_person(p.village, "张一")
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["身份证号码", "姓名", "车牌号", "车辆类型", "登记日期", "评估价值（元）"])
    sheet.append([known.id_number, "张一", "苏N12345", "car", dt.date(2019, 5, 6), 52000])
    buffer = io.BytesIO()
    book.save(buffer)

    feed, _ = upload(p, buffer.getvalue(), code="vehicle", batch="JG-1", filename="车辆.xlsx")

    record = FeedRecord.objects.unscoped().get(feed=feed)
    assert (record.match, record.amount_fen, record.on) == ("matched", 5_200_000, dt.date(2019, 5, 6))
    assert record.values == {"plate": "苏N12345", "kind": "car", "registered_on": "2019-05-06", "value": 5_200_000}


def test_a_wrong_layout_is_refused_naming_the_columns(personas: Personas) -> None:
    with pytest.raises(FeedRejected) as caught:
        upload(personas, csv_of(["id_number", "name", "month", "pay"], [id_number(1), "张一", "2026-10", "1"]))
    assert caught.value.problems == [
        (0, ["列与数据格式 hrss_contribution 第 1 版不符：缺少列：缴费基数（元）；未知列：pay。"])
    ]
    assert not Feed.objects.unscoped().exists()


@pytest.mark.parametrize("lookup_rows", [0, 10**9], ids=["rest-by-hash-join", "rest-by-lookups"])
def test_a_bad_row_after_chunks_were_written_leaves_nothing(
    personas: Personas, monkeypatch: Any, lookup_rows: int
) -> None:
    """The rows are written a chunk at a time while the next are checked (on PostgreSQL by a second thread, which
    looks up chunks while idle and writes the rest at the end by a hash join or by look-ups): a bad last row still
    refuses the whole feed, and the records written before it are rolled back."""
    p = personas
    monkeypatch.setattr(feeds, "CHUNK_ROWS", 2)
    monkeypatch.setattr(feeds, "LOOKUP_ROWS", lookup_rows)
    people = [make_person(p.village, name) for name in ("张一", "张二", "张三", "张四", "张五")]
    good = [[person.id_number, person.name, "2026-10", "3000", ""] for person in people]

    with pytest.raises(FeedRejected) as caught:
        upload(p, csv_of(HEADER, *good, [id_number(9), "李四", "2026-10", "-1", ""]))

    assert [row for row, _reasons in caught.value.problems] == [7]
    assert not Feed.objects.unscoped().exists() and not FeedRecord.objects.unscoped().exists()
    feed, _ = upload(p, csv_of(HEADER, *good))  # the same rows without the bad one: three chunks
    assert (feed.rows, feed.matched) == (5, 5)
    records = FeedRecord.objects.unscoped().filter(feed=feed).order_by("row")
    assert [(r.row, r.person_id) for r in records] == [(n + 2, person.pk) for n, person in enumerate(people)]


def test_bad_rows_refuse_the_whole_feed_each_named_by_its_row(personas: Personas) -> None:
    p = personas
    known = make_person(p.village, "张一")
    future = (timezone.localdate() + dt.timedelta(days=40)).strftime("%Y-%m")
    bad_id = id_number(5)[:-1] + ("0" if id_number(5)[-1] != "0" else "1")
    content = csv_of(
        HEADER,
        [known.id_number, "张一", "2026-10", "3000", ""],
        [bad_id, "李四", "2026-10", "3000", ""],
        [known.id_number, "张一", "2026-10", "3100", ""],
        [id_number(6), "王五", future, "-5", ""],
        [id_number(7), "赵六", "2026-13", "12.345", ""],
    )

    with pytest.raises(FeedRejected) as caught:
        upload(p, content)

    rows = {row: reasons for row, reasons in caught.value.problems}
    assert sorted(rows) == [3, 4, 5, 6]
    assert rows[3][0].startswith("身份证号码：")
    assert rows[4] == ["与第 2 行是同一条记录"]
    assert len(rows[5]) == 2 and len(rows[6]) == 2
    assert not Feed.objects.unscoped().exists() and not FeedRecord.objects.unscoped().exists()
    rejected = AuditEvent.objects.unscoped().get(action="exchange.feed_rejected")
    assert rejected.after == {"batch": "RS-2026-10", "bad_rows": 4}


def test_the_same_file_again_changes_nothing_and_a_batch_number_reused_is_refused(personas: Personas) -> None:
    p = personas
    content = csv_of(HEADER, [id_number(8), "李四", "2026-10", "3000", ""])
    feed, _ = upload(p, content)

    again, created = upload(p, content, batch="another number")

    assert (again.pk, created) == (feed.pk, False)
    assert FeedRecord.objects.unscoped().count() == 1
    with pytest.raises(FeedRejected, match="RS-2026-10"):
        upload(p, csv_of(HEADER, [id_number(8), "李四", "2026-10", "3100", ""]))
    assert Feed.objects.unscoped().count() == 1


def test_only_a_verification_officer_uploads_and_only_in_their_area(personas: Personas) -> None:
    with pytest.raises(PermissionDenied):
        feed_upload(
            actor=personas[Role.COUNTY_APPROVER],
            source=source("police_death"),
            batch="x",
            content=b"",
            filename="a.csv",
        )


def test_a_death_in_a_feed_waits_for_a_second_user_then_stops_the_benefit_before_the_payroll(
    personas: Personas,
) -> None:
    p = personas
    today = timezone.localdate()
    person = payee(p.village, "孙七")
    benefit = enrol(person, "tekun", 120_000, first_month=dt.date(2025, 1, 1))
    died = today.replace(day=1) - dt.timedelta(days=20)  # last month
    other = make_person(p.village, "周八")

    feed = death_feed(
        p, rows=((person.id_number, "孙七", died.isoformat()), (other.id_number, "周某", died.isoformat()))
    )

    assert (feed.matched, feed.ambiguous) == (1, 1)  # the other name differs: listed, not reported
    request = ChangeRequest.objects.unscoped().get()
    assert (request.person_id, request.status, request.requested_by_id) == (person.pk, "pending", p[OFFICER].pk)
    assert request.changes == {"status": "deceased", "status_date": died.isoformat()}
    assert Person.objects.unscoped().get(pk=person.pk).status == "living"  # nothing changed unconfirmed

    change_request_confirm(actor=p[Role.TOWNSHIP_REVIEWER], request=request, note="已核实")

    assert Person.objects.unscoped().get(pk=person.pk).status == "deceased"
    stopped = Benefit.objects.unscoped().get(pk=benefit.pk)
    month = max(first_day_of_next_month(died), month_of(today))
    assert (stopped.status, stopped.stopped_from) == ("stopped", month)
    change = BenefitChange.objects.unscoped().get(benefit=benefit, kind="stop")
    assert change.actor == p[Role.TOWNSHIP_REVIEWER] and change.reason.startswith(f"于 {died.isoformat()} 死亡")
    batch = payroll.payroll_generate(
        actor=p[Role.COUNTY_PAYMENT_OFFICER], county=p.county, programme="tekun", period=month
    )
    assert not PaymentLine.objects.unscoped().filter(batch=batch, payee=person).exists()


def test_the_upload_page_receives_a_file_or_lists_its_bad_rows(
    personas: Personas, tmp_path: Path, settings: Any
) -> None:
    p = personas
    settings.MEDIA_ROOT = tmp_path
    client = Client()
    client.login(username=p[OFFICER].username, password=PASSWORD)
    url = reverse("exchange:feed_new")
    good = io.BytesIO(csv_of(["id_number", "name", "died_on"], [id_number(9), "李四", "2026-01-02"]))
    good.name = "deaths.csv"

    response = client.post(url, {"source": source("police_death").pk, "batch": "GA-1", "file": good})

    feed = Feed.objects.unscoped().get()
    assert response.status_code == 302 and response["Location"] == reverse("exchange:feed_detail", args=[feed.pk])
    page = client.get(response["Location"])
    assert id_number(9) not in page.content.decode()
    assert id_number(9)[:6] in page.content.decode()  # the masked number

    bad = io.BytesIO(csv_of(["id_number", "name", "died_on"], [id_number(10), "李四", "2099-01-02"]))
    bad.name = "deaths.csv"
    response = client.post(url, {"source": source("police_death").pk, "batch": "GA-2", "file": bad})
    assert response.status_code == 400
    assert "死亡日期：" in response.content.decode() and Feed.objects.unscoped().count() == 1
    rejection = response.context["problems"].rejection
    report = client.get(reverse("exchange:rejection_report", args=[rejection.pk]))
    assert report.status_code == 200
    sheet = load_workbook(io.BytesIO(report.getvalue())).active
    assert sheet is not None
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["行号", "错误原因", "id_number", "name", "died_on"]
    assert rows[1][:2] == [2, "死亡日期：不是1900年至今天之间的日期（YYYY-MM-DD）"] and rows[1][4] == "2099-01-02"


def test_the_fast_id_check_answers_as_parse_id_number() -> None:
    from minsheng.exchange.feeds import _id_checker
    from minsheng.people.idnumbers import InvalidIdNumber, check_character, parse_id_number

    today = dt.date(2026, 11, 30)
    ending_in_x = next(n for n in (id_number(s) for s in range(1000)) if n.endswith("X"))
    good = id_number(5)
    cases = [
        good,
        ending_in_x,
        ending_in_x[:-1] + "x",  # a small x
        " " + good[:9] + " " + good[9:],  # spaces
        good[:17] + ("0" if good[17] != "0" else "1"),  # a wrong check character
        "321302500304001",  # an old 15-digit number
        "32130219500304001",  # 17 characters
        "32130219500304A01" + "3",  # a letter
        "321302" + "20300101" + "001" + check_character("32130220300101001"),  # born in the future
        "321302" + "19500230" + "001" + check_character("32130219500230001"),  # 30 February
        "321302" + "18891231" + "001" + check_character("32130218891231001"),  # before 1890
        "３２１３０２" + good[6:],  # full-width digits
    ]
    check = _id_checker(today)
    for case in cases:
        try:
            expected: str | tuple[str, str] = parse_id_number(case, today=today).number
        except InvalidIdNumber as exc:
            expected = ("refused", str(exc))
        try:
            answer: str | tuple[str, str] = check(case)
        except InvalidIdNumber as exc:
            answer = ("refused", str(exc))
        assert answer == expected, case
    assert check(good) == good and check(ending_in_x[:-1] + "x") == ending_in_x
