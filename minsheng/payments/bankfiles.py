"""Bank files of an approved payroll: the payment file sent to the bank, and the bank's return file.

The payment file (CSV or Excel, layout in ``docs/payments.md``) lists every line of the batch that goes to the bank:
all lines not held back, in line order. It is the same file however often it is exported, before or after the return
file is imported. Exporting shows full bank accounts, so each export writes a ``view`` audit event.

The return file says for each reference (the line id) whether the bank paid it or not, and why. It is checked in
full before anything is written: any error (a reference that is not a line of this batch, a line held back, a
result other than paid/failed, a line already settled the other way) is reported with its row number and nothing
changes.
Importing the same file again changes nothing. The batch's counts and totals per status are stored again
(``services.batch_totals_store``); when no line is left to be paid the batch is reconciled.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.areas.models import Division
from minsheng.audit.services import audit_record, audit_view_personal_data
from minsheng.core.numbers import parse_id
from minsheng.core.scoping import require_scope
from minsheng.core.spreadsheets import safe_row, stable_workbook
from minsheng.payments.models import PaymentLine, PayrollBatch
from minsheng.payments.services import PREPARE, batch_totals_store

if TYPE_CHECKING:
    from minsheng.accounts.models import User

BANK = PREPARE  # the payment officer sends the file and imports the bank's answer
HEADER = ["reference", "payee", "bank_account", "bank_name", "amount_yuan", "period", "county"]
RETURN_HEADER = ["reference", "result", "failure_reason"]
SHEET = "payments"
CSV_TYPE = "text/csv; charset=utf-8"
MAX_RETURN_BYTES = 20 * 1024 * 1024  # a county's month is some 20,000 rows, well under 2 MB
CHUNK = 2000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class PaymentFile:
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class ReturnResult:
    paid: int
    failed: int
    unchanged: int
    reconciled: bool


def yuan_text(fen: int) -> str:
    """156000 → "1560.00" (no thousands separator: banks read the number)."""
    return f"{fen // 100}.{fen % 100:02d}"


def _require_bank_right(actor: User, batch: PayrollBatch) -> None:
    require_scope(
        actor, BANK, batch.area_code, message=_("You may not exchange bank files for the payroll of this county.")
    )


def _sent_lines(batch: PayrollBatch) -> list[PaymentLine]:
    # unscoped: the lines of a batch the actor's right was checked on (the county covers all its lines)
    return list(
        PaymentLine.objects.unscoped()
        .filter(batch=batch)
        .exclude(status=PaymentLine.Status.HELD)
        .select_related("payee")
        # Only what the file holds: the payee's other encrypted fields (ID number, phone, account) are not
        # decrypted for nothing, three per line.
        .only("id", "period", "amount_fen", "bank_name", "bank_account", "payee__name")
        .order_by("id")
    )


def _rows(batch: PayrollBatch, lines: list[PaymentLine]) -> list[list[str]]:
    county = Division.objects.all().filter(code=batch.area_code).values_list("name", flat=True).first() or ""
    return [
        [
            str(line.pk),
            line.payee.name,
            line.bank_account,
            line.bank_name,
            yuan_text(line.amount_fen),
            f"{line.period:%Y-%m}",  # the month the money is for: a re-issue names its own, earlier month
            county,
        ]
        for line in lines
    ]


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(safe_row(row) for row in rows)
    return out.getvalue().encode("utf-8-sig")


def _xlsx(rows: list[list[str]], stamp: dt.datetime) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = SHEET
    sheet.append(HEADER)
    for row in rows:
        sheet.append(safe_row([*row[:4], Decimal(row[4]), *row[5:]]))
        # Text stays text (a cell starting with "=" is neutralised above, and typed as a string here).
        for column in (1, 2, 3, 4, 6, 7):
            sheet.cell(row=sheet.max_row, column=column).data_type = "s"
        sheet.cell(row=sheet.max_row, column=3).number_format = "@"
        sheet.cell(row=sheet.max_row, column=5).number_format = "0.00"
    return stable_workbook(book, stamp)


@transaction.atomic
def payment_file_export(*, actor: User, batch: PayrollBatch, fmt: str = "csv") -> PaymentFile:
    """The payment file of an approved batch; the first export marks the batch as sent to the bank."""
    _require_bank_right(actor, batch)
    if fmt not in ("csv", "xlsx"):
        raise ValidationError(_("Choose CSV or Excel."))
    # unscoped: the batch's county right is checked just above; re-read under lock
    locked = PayrollBatch.objects.unscoped().select_for_update().get(pk=batch.pk)
    if locked.status == PayrollBatch.Status.DRAFT:
        raise ValidationError(_("Only an approved payroll can be sent to the bank."))
    lines = _sent_lines(locked)
    rows = _rows(locked, lines)
    if locked.status == PayrollBatch.Status.APPROVED:
        locked.status = PayrollBatch.Status.EXPORTED
        locked.save(update_fields=["status"])
        audit_record(
            actor=actor,
            action="payments.payroll_exported",
            obj=locked,
            area_code=locked.area_code,
            before={"status": PayrollBatch.Status.APPROVED},
            after={"status": locked.status, "lines": len(rows)},
        )
    audit_view_personal_data(
        actor=actor,
        obj=locked,
        area_code=locked.area_code,
        fields=["bank_account"],
        reason=f"payment file {fmt}, {len(rows)} lines",
    )
    name = f"payroll-{locked.area_code}-{locked.programme}-{locked.period:%Y-%m}"
    if fmt == "csv":
        return PaymentFile(f"{name}.csv", CSV_TYPE, _csv(rows))
    stamp = locked.approved_at or timezone.now()
    return PaymentFile(f"{name}.xlsx", XLSX_TYPE, _xlsx(rows, stamp))


def _read_rows(filename: str, content: bytes) -> list[list[str]]:
    """The rows of a CSV (UTF-8, with or without BOM) or xlsx file, header included, as text."""
    if filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception:  # any unreadable workbook is the same error to the user
            raise ValidationError(_("The file is not a readable Excel workbook.")) from None
        sheet = book.active
        assert sheet is not None
        return [["" if v is None else str(v).strip() for v in row] for row in sheet.iter_rows(values_only=True)]
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(_("The file is not UTF-8 text.")) from None
    return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text))]


def _reference(value: str) -> int | None:
    """The line id a reference names, or None: ASCII digits within the database's integers (core.numbers.parse_id;
    ``²`` is a digit to ``str.isdigit`` but not to ``int``, and a longer number would overflow the query)."""
    text = value[:-2] if value.endswith(".0") else value  # Excel may turn the reference into a number
    return parse_id(text)


@transaction.atomic
def bank_return_import(*, actor: User, batch: PayrollBatch, filename: str, content: bytes) -> ReturnResult:
    """Settle the lines of an exported batch from the bank's return file; all or nothing."""
    _require_bank_right(actor, batch)
    # unscoped: the batch's county right is checked just above; re-read under lock
    locked = PayrollBatch.objects.unscoped().select_for_update().get(pk=batch.pk)
    if locked.status not in (PayrollBatch.Status.EXPORTED, PayrollBatch.Status.RECONCILED):
        raise ValidationError(_("The bank's answer can be imported only after the payment file was sent."))
    if len(content) > MAX_RETURN_BYTES:
        raise ValidationError(_("The file is too large for a bank's return file."))
    rows = _read_rows(filename, content)
    if not rows or [c.lower() for c in rows[0][:3]] != RETURN_HEADER:
        raise ValidationError(_("The first row must be: reference, result, failure_reason."))
    errors: list[tuple[int, str]] = []
    wanted: dict[int, tuple[str, str, int]] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(row):
            continue
        cells = [*row, "", "", ""][:3]
        # The reason is kept as it is stored (200 characters), so a file imported again compares equal.
        ref, result, reason = cells[0], cells[1].lower(), cells[2][:200]
        pk = _reference(ref)
        if pk is None:
            errors.append(
                (
                    number,
                    _("Row %(row)s: the reference %(ref)s is not a line number.") % {"row": number, "ref": ref[:30]},
                )
            )
            continue
        if result not in (PaymentLine.Status.PAID, PaymentLine.Status.FAILED):
            errors.append((number, _("Row %(row)s: the result must be paid or failed.") % {"row": number}))
            continue
        if result == PaymentLine.Status.FAILED and not reason:
            errors.append((number, _("Row %(row)s: a failed payment needs the bank's reason.") % {"row": number}))
            continue
        if pk in wanted and wanted[pk][:2] != (result, reason):
            errors.append(
                (number, _("Row %(row)s: the reference %(ref)s appears twice.") % {"row": number, "ref": ref[:30]})
            )
            continue
        wanted[pk] = (result, reason, number)
    # All lines named, wherever they are, locked: the checks below hold until the commit. In chunks, so that a
    # county's whole batch stays under the database's limit of query parameters.
    wanted_pks = sorted(wanted)
    lines: dict[int, PaymentLine] = {}
    for start in range(0, len(wanted_pks), CHUNK):
        chunk = wanted_pks[start : start + CHUNK]
        # unscoped: the lines the return file names, locked, of the checked batch only
        lines.update(
            (line.pk, line)
            for line in PaymentLine.objects.unscoped()
            .select_for_update()
            .filter(batch=locked, pk__in=chunk)  # lines of this batch only: nothing of another county is locked
            .only("id", "batch_id", "status", "failure_reason")  # not the encrypted account
            .order_by("pk")
        )
    changes: list[tuple[PaymentLine, str, str]] = []
    unchanged = 0
    for pk, (result, reason, number) in wanted.items():
        line = lines.get(pk)
        if line is None:
            errors.append(
                (
                    number,
                    _("Row %(row)s: the reference %(ref)s is not a line of this payroll.") % {"row": number, "ref": pk},
                )
            )
        elif line.status == PaymentLine.Status.HELD:
            errors.append(
                (
                    number,
                    _("Row %(row)s: the line %(ref)s was held back and not sent to the bank.")
                    % {"row": number, "ref": pk},
                )
            )
        elif line.status == PaymentLine.Status.PENDING:
            changes.append((line, result, reason))
        elif line.status == result and (result == PaymentLine.Status.PAID or line.failure_reason == reason):
            unchanged += 1
        else:
            errors.append(
                (
                    number,
                    _("Row %(row)s: the line %(ref)s is already settled as %(status)s.")
                    % {"row": number, "ref": pk, "status": line.get_status_display()},
                )
            )
    if errors:
        raise ValidationError([text for _number, text in sorted(errors, key=lambda e: e[0])])
    paid = [line.pk for line, result, _reason in changes if result == PaymentLine.Status.PAID]
    for start in range(0, len(paid), CHUNK):
        # unscoped: lines of the checked batch, locked just above, marked paid
        PaymentLine.objects.unscoped().filter(pk__in=paid[start : start + CHUNK]).update(status=PaymentLine.Status.PAID)
    failed = [(line, reason) for line, result, reason in changes if result == PaymentLine.Status.FAILED]
    for line, reason in failed:
        line.status = PaymentLine.Status.FAILED
        line.failure_reason = reason
    # unscoped: lines of the checked batch, locked just above, marked failed
    PaymentLine.objects.unscoped().bulk_update(
        [line for line, _r in failed], ["status", "failure_reason"], batch_size=CHUNK // 4
    )
    before = locked.status
    if changes:
        batch_totals_store(locked)  # its lines moved from pending to paid or failed
    if not locked.pending_count and locked.status != PayrollBatch.Status.RECONCILED:
        locked.status = PayrollBatch.Status.RECONCILED
        locked.save(update_fields=["status"])
    if changes or before != locked.status:
        audit_record(
            actor=actor,
            action="payments.bank_return_imported",
            obj=locked,
            area_code=locked.area_code,
            before={"status": before},
            after={"status": locked.status, "paid": len(paid), "failed": len(failed), "unchanged": unchanged},
            reason=filename[:200],
        )
    return ReturnResult(
        paid=len(paid),
        failed=len(failed),
        unchanged=unchanged,
        reconciled=locked.status == PayrollBatch.Status.RECONCILED,
    )
