"""Bank files: the payment file (CSV and Excel) of an approved batch, the bank's return file, reconciliation,
re-issue of failed lines in the next month, the report on the batch page and the ledger on the person page.

Every benefit lives in the reference village of 宿城区 (321302000000).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import threading
import zipfile
from decimal import Decimal
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook, load_workbook
from openpyxl.writer import excel as openpyxl_excel

from minsheng.accounts.roles import Role
from minsheng.audit.models import AuditEvent
from minsheng.payments import bankfiles
from minsheng.payments import services as svc
from minsheng.payments.models import PaymentLine, PayrollBatch
from minsheng.payments.tests.factories import ACCOUNT, approval, enrol, payee
from minsheng.testing import Personas, build_personas, make_user

if TYPE_CHECKING:
    from minsheng.accounts.models import User

pytestmark = pytest.mark.django_db

JAN = dt.date(2026, 1, 1)
FEB = dt.date(2026, 2, 1)
OTHER_ACCOUNT = "6214830000001111"


def approved(p: Personas, period: dt.date = JAN) -> PayrollBatch:
    batch = svc.payroll_generate(
        actor=p[Role.COUNTY_PAYMENT_OFFICER], county=p.county, programme="dibao", period=period
    )
    return svc.payroll_approve(actor=p[Role.COUNTY_APPROVER], batch=batch, **approval(batch))


def three_lines(p: Personas) -> None:
    """张一 and 张二 are paid, 张三 has no account and is held back."""
    enrol(payee(p.village, "张一"), monthly_fen=156_000)
    enrol(payee(p.village, "张二", account=OTHER_ACCOUNT), monthly_fen=88_050)
    enrol(payee(p.village, "张三", account=""), monthly_fen=70_000)


def lines_by_name(batch: PayrollBatch) -> dict[str, PaymentLine]:
    return {
        line.payee.name: line for line in PaymentLine.objects.unscoped().filter(batch=batch).select_related("payee")
    }


def export(p: Personas, batch: PayrollBatch, fmt: str = "csv") -> bankfiles.PaymentFile:
    return bankfiles.payment_file_export(actor=p[Role.COUNTY_PAYMENT_OFFICER], batch=batch, fmt=fmt)


def return_csv(*rows: tuple[Any, str, str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["reference", "result", "failure_reason"])
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def import_csv(p: Personas, batch: PayrollBatch, *rows: tuple[Any, str, str]) -> bankfiles.ReturnResult:
    return bankfiles.bank_return_import(
        actor=p[Role.COUNTY_PAYMENT_OFFICER], batch=batch, filename="return.csv", content=return_csv(*rows)
    )


def statuses(batch: PayrollBatch) -> list[tuple[str, str, str]]:
    lines = PaymentLine.objects.unscoped().filter(batch=batch).select_related("payee").order_by("id")
    return [(line.payee.name, line.status, line.failure_reason) for line in lines]


def test_the_csv_payment_file_lists_the_lines_to_pay_with_full_accounts(personas: Personas) -> None:
    p = personas
    three_lines(p)
    batch = approved(p)
    by_name = lines_by_name(batch)

    done = export(p, batch)

    assert done.filename == "payroll-321302000000-dibao-2026-01.csv"
    assert done.content_type == "text/csv; charset=utf-8"
    assert done.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(done.content.decode("utf-8-sig"))))
    assert rows == [
        ["reference", "payee", "bank_account", "bank_name", "amount_yuan", "period", "county"],
        [str(by_name["张一"].pk), "张一", ACCOUNT, "江苏农商银行", "1560.00", "2026-01", "宿城区"],
        [str(by_name["张二"].pk), "张二", OTHER_ACCOUNT, "江苏农商银行", "880.50", "2026-01", "宿城区"],
    ]
    batch.refresh_from_db()
    assert batch.status == "exported"
    # Full accounts were shown: one view event; the status change is its own event.
    view = AuditEvent.objects.unscoped().get(action="personal_data.viewed")
    assert (view.kind, view.area_code, view.actor_id) == ("view", "321302000000", p[Role.COUNTY_PAYMENT_OFFICER].pk)
    assert view.after == {"fields": ["bank_account"]}
    assert AuditEvent.objects.unscoped().filter(action="payments.payroll_exported").count() == 1


def test_the_excel_payment_file_has_the_same_rows_on_its_sheet(personas: Personas) -> None:
    p = personas
    three_lines(p)
    batch = approved(p)
    by_name = lines_by_name(batch)

    done = export(p, batch, "xlsx")

    assert done.filename == "payroll-321302000000-dibao-2026-01.xlsx"
    book = load_workbook(io.BytesIO(done.content))
    assert book.sheetnames == ["payments"]
    rows = [list(row) for row in book["payments"].iter_rows(values_only=True)]
    assert rows == [
        ["reference", "payee", "bank_account", "bank_name", "amount_yuan", "period", "county"],
        [str(by_name["张一"].pk), "张一", ACCOUNT, "江苏农商银行", 1560, "2026-01", "宿城区"],
        [str(by_name["张二"].pk), "张二", OTHER_ACCOUNT, "江苏农商银行", 880.5, "2026-01", "宿城区"],
    ]
    assert Decimal(str(rows[2][4])) * 100 == 88_050
    assert book["payments"]["E2"].number_format == "0.00"
    assert book["payments"]["C2"].number_format == "@"


def test_exporting_again_gives_the_same_file_even_after_the_bank_answered(personas: Personas) -> None:
    p = personas
    three_lines(p)
    batch = approved(p)
    first_csv, first_xlsx = export(p, batch).content, export(p, batch, "xlsx").content
    line = lines_by_name(batch)["张一"]
    import_csv(p, batch, (line.pk, "paid", ""))

    assert export(p, batch).content == first_csv
    assert export(p, batch, "xlsx").content == first_xlsx
    assert AuditEvent.objects.unscoped().filter(action="payments.payroll_exported").count() == 1
    assert AuditEvent.objects.unscoped().filter(action="personal_data.viewed").count() == 4


def test_the_workbook_keeps_the_batch_time_whenever_it_is_saved(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    """openpyxl stamps 'modified' with the time of saving; a save a second (or a year) later gives the same bytes."""
    three_lines(personas)
    batch = approved(personas)
    first = export(personas, batch, "xlsx").content

    class Later(dt.datetime):
        @classmethod
        def now(cls, tz: dt.tzinfo | None = None) -> Later:
            return cls(2031, 1, 1, 8, 0, 0, tzinfo=tz)

    monkeypatch.setattr(openpyxl_excel, "datetime", SimpleNamespace(datetime=Later, timezone=dt.timezone))
    again = export(personas, batch, "xlsx").content

    assert again == first
    with zipfile.ZipFile(io.BytesIO(again)) as book:
        core = book.read("docProps/core.xml").decode()
    assert "2031" not in core


def test_a_draft_is_not_exported_and_only_the_officer_of_the_county_exports(personas: Personas) -> None:
    p = personas
    enrol(payee(p.village, "张一"))
    draft = svc.payroll_generate(actor=p[Role.COUNTY_PAYMENT_OFFICER], county=p.county, programme="dibao", period=JAN)
    with pytest.raises(ValidationError):
        export(p, draft)
    batch = svc.payroll_approve(actor=p[Role.COUNTY_APPROVER], batch=draft, **approval(draft))
    with pytest.raises(PermissionDenied):
        bankfiles.payment_file_export(actor=p[Role.COUNTY_APPROVER], batch=batch)
    with pytest.raises(PermissionDenied):
        bankfiles.payment_file_export(actor=p.outsider(Role.COUNTY_PAYMENT_OFFICER), batch=batch)
    batch.refresh_from_db()
    assert batch.status == "approved"
    assert not AuditEvent.objects.unscoped().filter(action="personal_data.viewed").exists()


def test_the_return_file_settles_the_lines_and_reconciles_the_batch(personas: Personas) -> None:
    p = personas
    three_lines(p)
    batch = approved(p)
    export(p, batch)
    one, two = lines_by_name(batch)["张一"], lines_by_name(batch)["张二"]

    first = import_csv(p, batch, (one.pk, "paid", ""))
    assert (first.paid, first.failed, first.unchanged, first.reconciled) == (1, 0, 0, False)
    batch.refresh_from_db()
    assert batch.status == "exported"

    second = import_csv(p, batch, (one.pk, "PAID", ""), (two.pk, "failed", "账户已销户"))
    assert (second.paid, second.failed, second.unchanged, second.reconciled) == (0, 1, 1, True)
    assert statuses(batch) == [("张一", "paid", ""), ("张二", "failed", "账户已销户"), ("张三", "held", "")]
    batch.refresh_from_db()
    assert batch.status == "reconciled"
    events = AuditEvent.objects.unscoped().filter(action="payments.bank_return_imported").order_by("id")
    assert [e.after for e in events] == [
        {"status": "exported", "paid": 1, "failed": 0, "unchanged": 0},
        {"status": "reconciled", "paid": 0, "failed": 1, "unchanged": 1},
    ]


def test_importing_the_same_file_twice_changes_nothing(personas: Personas) -> None:
    p = personas
    three_lines(p)
    batch = approved(p)
    export(p, batch)
    one, two = lines_by_name(batch)["张一"], lines_by_name(batch)["张二"]
    rows = ((one.pk, "paid", ""), (two.pk, "failed", "户名不符"))
    import_csv(p, batch, *rows)

    again = import_csv(p, batch, *rows)

    assert (again.paid, again.failed, again.unchanged, again.reconciled) == (0, 0, 2, True)
    assert statuses(batch) == [("张一", "paid", ""), ("张二", "failed", "户名不符"), ("张三", "held", "")]
    assert AuditEvent.objects.unscoped().filter(action="payments.bank_return_imported").count() == 1


def test_a_return_file_with_errors_writes_nothing_and_names_each_row(personas: Personas) -> None:
    p = personas
    three_lines(p)
    batch = approved(p)
    export(p, batch)
    one, two, held = (lines_by_name(batch)[name] for name in ("张一", "张二", "张三"))
    import_csv(p, batch, (one.pk, "paid", ""))
    # A line of another county's batch.
    enrol(payee(p.other_village, "李四"))
    other_officer = p.outsider(Role.COUNTY_PAYMENT_OFFICER)
    other = svc.payroll_generate(actor=other_officer, county=p.other_county, programme="dibao", period=JAN)
    foreign = PaymentLine.objects.unscoped().get(batch=other)

    with translation.override("en"), pytest.raises(ValidationError) as caught:
        import_csv(
            p,
            batch,
            (two.pk, "paid", ""),  # row 2: fine on its own
            (999_999, "paid", ""),  # row 3
            (foreign.pk, "paid", ""),  # row 4
            (one.pk, "failed", "账户冻结"),  # row 5: already paid
            (held.pk, "paid", ""),  # row 6: never sent
            ("abc", "paid", ""),  # row 7
            (two.pk, "returned", ""),  # row 8
            (two.pk, "failed", ""),  # row 9: no reason
        )

    assert caught.value.messages == [
        # A line of another county's batch reads as unknown: its existence is not told, nor is it locked.
        "Row 3: the reference 999999 is not a line of this payroll.",
        f"Row 4: the reference {foreign.pk} is not a line of this payroll.",
        f"Row 5: the line {one.pk} is already settled as Paid.",
        f"Row 6: the line {held.pk} was held back and not sent to the bank.",
        "Row 7: the reference abc is not a line number.",
        "Row 8: the result must be paid or failed.",
        "Row 9: a failed payment needs the bank's reason.",
    ]
    assert statuses(batch) == [("张一", "paid", ""), ("张二", "pending", ""), ("张三", "held", "")]
    assert PaymentLine.objects.unscoped().get(pk=foreign.pk).status == "pending"


def test_the_return_file_may_be_an_excel_workbook(personas: Personas) -> None:
    p = personas
    three_lines(p)
    batch = approved(p)
    export(p, batch)
    one, two = lines_by_name(batch)["张一"], lines_by_name(batch)["张二"]
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["reference", "result", "failure_reason"])
    sheet.append([one.pk, "paid", None])  # a number, as Excel keeps it
    sheet.append([str(two.pk), "failed", "账户已销户"])
    out = io.BytesIO()
    book.save(out)

    result = bankfiles.bank_return_import(
        actor=p[Role.COUNTY_PAYMENT_OFFICER], batch=batch, filename="回盘.xlsx", content=out.getvalue()
    )

    assert (result.paid, result.failed, result.reconciled) == (1, 1, True)
    assert statuses(batch) == [("张一", "paid", ""), ("张二", "failed", "账户已销户"), ("张三", "held", "")]


def test_a_failed_line_is_paid_again_in_the_next_months_batch_end_to_end(personas: Personas) -> None:
    p = personas
    enrol(payee(p.village, "张一"), monthly_fen=156_000)
    enrol(payee(p.village, "张二"), monthly_fen=88_050)
    january = approved(p, JAN)
    export(p, january)
    one, two = lines_by_name(january)["张一"], lines_by_name(january)["张二"]
    import_csv(p, january, (one.pk, "paid", ""), (two.pk, "failed", "账户已销户"))

    february = approved(p, FEB)
    lines = PaymentLine.objects.unscoped().filter(batch=february).select_related("payee").order_by("id")
    assert [(x.payee.name, f"{x.period:%Y-%m}", x.amount_fen, x.status, x.reissue_of_id) for x in lines] == [
        ("张一", "2026-02", 156_000, "pending", None),
        ("张二", "2026-02", 88_050, "pending", None),
        ("张二", "2026-01", 88_050, "pending", two.pk),
    ]
    february.refresh_from_db()
    assert (february.line_count, february.total_fen) == (3, 332_100)
    rows = list(csv.reader(io.StringIO(export(p, february).content.decode("utf-8-sig"))))
    assert [(r[1], r[4], r[5]) for r in rows[1:]] == [
        ("张一", "1560.00", "2026-02"),
        ("张二", "880.50", "2026-02"),
        ("张二", "880.50", "2026-01"),  # the re-issue of January
    ]
    reissue = lines[2]
    result = import_csv(p, february, (lines[0].pk, "paid", ""), (lines[1].pk, "paid", ""), (reissue.pk, "paid", ""))
    assert (result.paid, result.reconciled) == (3, True)
    # 张二's January is paid once in the end: the failed line and its paid re-issue.
    january_lines = PaymentLine.objects.unscoped().filter(payee__name="张二", period=JAN).order_by("id")
    assert [(x.batch_id, x.status) for x in january_lines] == [(january.pk, "failed"), (february.pk, "paid")]


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_pages_export_import_and_show_the_reconciliation(personas: Personas) -> None:
    p = personas
    three_lines(p)
    batch = approved(p)
    officer = _client(p[Role.COUNTY_PAYMENT_OFFICER])
    page = officer.get(reverse("payments:batch_detail", kwargs={"pk": batch.pk}))
    assert page.context["can_export"] and not page.context["can_import"]

    response = officer.post(reverse("payments:batch_export", kwargs={"pk": batch.pk}), {"format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="payroll-321302000000-dibao-2026-01.xlsx"'
    assert load_workbook(io.BytesIO(response.content)).sheetnames == ["payments"]

    one, two = lines_by_name(batch)["张一"], lines_by_name(batch)["张二"]
    upload = io.BytesIO(return_csv((one.pk, "paid", ""), (two.pk, "failed", "账户已销户")))
    upload.name = "return.csv"
    response = officer.post(reverse("payments:batch_import", kwargs={"pk": batch.pk}), {"file": upload})
    assert response.status_code == 302

    page = officer.get(reverse("payments:batch_detail", kwargs={"pk": batch.pk}))
    assert page.context["report"] == {
        "pending": {"count": 0, "fen": 0},
        "held": {"count": 1, "fen": 70_000},
        "paid": {"count": 1, "fen": 156_000},
        "failed": {"count": 1, "fen": 88_050},
        "total": {"count": 3, "fen": 314_050},
    }
    html = page.content.decode()
    assert 'data-status="paid"><td>' in html and "1,560.00" in html and "880.50" in html


def test_the_person_page_shows_the_payment_ledger_to_payroll_readers_only(personas: Personas) -> None:
    p = personas
    person = payee(p.village, "张一")
    enrol(person, monthly_fen=156_000)
    january = approved(p, JAN)
    export(p, january)
    line = lines_by_name(january)["张一"]
    import_csv(p, january, (line.pk, "failed", "账户已销户"))
    approved(p, FEB)
    url = reverse("people:person_detail", kwargs={"pk": person.pk})

    page = _client(p[Role.COUNTY_PAYMENT_OFFICER]).get(url)
    html = page.content.decode()
    assert 'id="payment-ledger"' in html
    ledger = html.split('id="payment-ledger"')[1].split("</table>")[0]
    assert ledger.count('data-status="pending"') == 2
    assert ledger.count('data-status="failed"') == 1
    assert "账户已销户" in ledger and "1,560.00" in ledger

    for role in (Role.VILLAGE_WORKER,):
        other = _client(p[role]).get(url)
        assert other.status_code == 200
        assert 'id="payment-ledger"' not in other.content.decode()


def test_a_return_file_larger_than_a_chunk_is_settled_in_full(personas: Personas, monkeypatch: Any) -> None:
    p = personas
    for name, fen in (("张一", 156_000), ("张二", 88_050), ("张四", 70_001)):
        enrol(payee(p.village, name), monthly_fen=fen)
    batch = approved(p)
    export(p, batch)
    monkeypatch.setattr(bankfiles, "CHUNK", 4)  # bulk_update's batches are CHUNK // 4 = 1 line
    lines = lines_by_name(batch)
    result = import_csv(
        p,
        batch,
        (lines["张一"].pk, "paid", ""),
        (lines["张二"].pk, "failed", "户名不符"),
        (lines["张四"].pk, "paid", ""),
    )
    assert (result.paid, result.failed, result.reconciled) == (2, 1, True)
    assert statuses(batch) == [("张一", "paid", ""), ("张二", "failed", "户名不符"), ("张四", "paid", "")]


def test_an_oversized_or_headerless_return_file_is_refused(personas: Personas, monkeypatch: Any) -> None:
    p = personas
    enrol(payee(p.village, "张一"))
    batch = approved(p)
    export(p, batch)
    officer = p[Role.COUNTY_PAYMENT_OFFICER]
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        bankfiles.bank_return_import(actor=officer, batch=batch, filename="r.csv", content=b"ref,res\r\n1,paid\r\n")
    assert caught.value.messages == ["The first row must be: reference, result, failure_reason."]
    monkeypatch.setattr(bankfiles, "MAX_RETURN_BYTES", 10)
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        import_csv(p, batch, (1, "paid", ""))
    assert caught.value.messages == ["The file is too large for a bank's return file."]
    assert statuses(batch) == [("张一", "pending", "")]


def test_text_that_looks_like_a_formula_stays_text_in_the_workbook_and_the_csv(personas: Personas) -> None:
    """A payee or bank name written as a formula is neutralised (a leading apostrophe) in both files; the amount
    stays a number in the workbook."""
    p = personas
    person = payee(p.village, "=HYPERLINK(1)")
    type(person).objects.unscoped().filter(pk=person.pk).update(bank_name="=cmd|' /C calc'!A0")
    enrol(person, monthly_fen=156_000)
    other = payee(p.village, "张二")
    type(other).objects.unscoped().filter(pk=other.pk).update(bank_name="@bank")
    enrol(other, monthly_fen=1_000)
    batch = approved(p)
    book = load_workbook(io.BytesIO(export(p, batch, "xlsx").content))
    sheet = book["payments"]
    assert (sheet["B2"].value, sheet["B2"].data_type) == ("'=HYPERLINK(1)", "s")
    assert (sheet["D2"].value, sheet["D2"].data_type) == ("'=cmd|' /C calc'!A0", "s")
    assert (sheet["D3"].value, sheet["E2"].value, sheet["E2"].data_type) == ("'@bank", 1560, "n")
    rows = list(csv.reader(io.StringIO(export(p, batch).content.decode("utf-8-sig"))))
    assert [(row[1], row[3], row[4]) for row in rows[1:]] == [
        ("'=HYPERLINK(1)", "'=cmd|' /C calc'!A0", "1560.00"),
        ("张二", "'@bank", "10.00"),
    ]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs a server database with real row locks")
def test_the_same_return_file_imported_from_two_threads_at_once_settles_each_line_once() -> None:
    p = build_personas()
    for index in range(10):
        enrol(payee(p.village, f"张{index}"), monthly_fen=100_000 + index)
    batch = approved(p)
    export(p, batch)
    pks = list(PaymentLine.objects.unscoped().filter(batch=batch).order_by("id").values_list("pk", flat=True))
    content = return_csv(
        *[(pk, "failed" if n % 3 == 0 else "paid", "账户冻结" if n % 3 == 0 else "") for n, pk in enumerate(pks)]
    )
    officers = [p[Role.COUNTY_PAYMENT_OFFICER], make_user("officer_b", Role.COUNTY_PAYMENT_OFFICER, p.county)]
    barrier = threading.Barrier(len(officers))
    results: list[tuple[int, int, int]] = []
    errors: list[BaseException] = []

    def run(actor: User) -> None:
        try:
            stale = PayrollBatch.objects.unscoped().get(pk=batch.pk)
            barrier.wait()
            done = bankfiles.bank_return_import(actor=actor, batch=stale, filename="r.csv", content=content)
            results.append((done.paid, done.failed, done.unchanged))
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(officer,)) for officer in officers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(results) == [(0, 0, 10), (6, 4, 0)]
    assert PaymentLine.objects.unscoped().filter(status="paid").count() == 6
    assert PaymentLine.objects.unscoped().filter(status="failed").count() == 4
    assert PayrollBatch.objects.unscoped().get(pk=batch.pk).status == "reconciled"
    assert AuditEvent.objects.unscoped().filter(action="payments.bank_return_imported").count() == 1


def test_a_long_failure_reason_is_kept_to_200_characters_and_the_same_file_imports_again(personas: Personas) -> None:
    p = personas
    three_lines(p)
    batch = approved(p)
    export(p, batch)
    two = lines_by_name(batch)["张二"]
    reason = "账户状态异常" * 40  # 240 characters
    first = import_csv(p, batch, (two.pk, "failed", reason))
    again = import_csv(p, batch, (two.pk, "failed", reason))
    assert (first.failed, again.failed, again.unchanged) == (1, 0, 1)
    assert PaymentLine.objects.unscoped().get(pk=two.pk).failure_reason == reason[:200]


@pytest.mark.parametrize("reference", ["²", "１２", "99999999999999999999999", "9223372036854775808", "0", "-3", "1e3"])
def test_a_reference_that_is_no_line_number_is_a_row_error_not_a_server_error(
    reference: str, personas: Personas
) -> None:
    """``²`` is a digit to ``str.isdigit`` but not to ``int``; 23 digits overflow the database's integer."""
    p = personas
    three_lines(p)
    batch = approved(p)
    export(p, batch)
    one = lines_by_name(batch)["张一"]
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        import_csv(p, batch, (one.pk, "paid", ""), (reference, "paid", ""))
    assert caught.value.messages == [f"Row 3: the reference {reference[:30]} is not a line number."]
    assert statuses(batch)[0] == ("张一", "pending", "")


def test_a_bad_reference_on_the_page_is_a_message_not_a_500(personas: Personas) -> None:
    p = personas
    three_lines(p)
    batch = approved(p)
    export(p, batch)
    client = Client()
    client.force_login(p[Role.COUNTY_PAYMENT_OFFICER])
    upload = io.BytesIO(return_csv(("99999999999999999999999", "paid", ""), ("²", "paid", "")))
    upload.name = "return.csv"
    response = client.post(reverse("payments:batch_import", args=[batch.pk]), {"file": upload}, follow=True)
    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == [
        "第2行：参考号 99999999999999999999999 不是发放明细编号。",
        "第3行：参考号 ² 不是发放明细编号。",
    ]
