"""Permission-matrix registrations of the payroll API (imported by ``endpoints``)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from minsheng.payments.tests.endpoints import APPROVE, PREPARE, VIEW_PAYROLL, _batch, _pk
from minsheng.testing import Endpoint, Personas, register


def _key(p: Personas) -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


def _exported(p: Personas) -> Any:
    """April 2026's 低保 payroll of the reference county: prepared, approved and sent to the bank; one line."""
    if "payroll_exported" not in p.extra:
        from minsheng.accounts.roles import Role
        from minsheng.payments.bankfiles import payment_file_export
        from minsheng.payments.services import payroll_approve, payroll_generate
        from minsheng.payments.tests.factories import approval, enrol, payee

        enrol(payee(p.village, "孙丽"), first_month=dt.date(2026, 4, 1))
        batch = payroll_generate(
            actor=p[Role.COUNTY_PAYMENT_OFFICER], county=p.county, programme="dibao", period=dt.date(2026, 4, 1)
        )
        batch = payroll_approve(actor=p[Role.COUNTY_APPROVER], batch=batch, **approval(batch))
        payment_file_export(actor=p[Role.COUNTY_PAYMENT_OFFICER], batch=batch)
        p.extra["payroll_exported"] = batch
    return p.extra["payroll_exported"]


def _approval(batch: Any) -> dict[str, Any]:
    return {"opinion": "同意发放", "payable_count": batch.payable_count, "payable_fen": batch.payable_fen}


def _return_file(p: Personas) -> dict[str, Any]:
    line = _exported(p).lines.unscoped().get()
    content = f"reference,result,failure_reason\n{line.pk},paid,\n".encode()
    return {"file": SimpleUploadedFile("return.csv", content, content_type="text/csv")}


register(
    Endpoint("api:payroll-batch-list", VIEW_PAYROLL, api=True),
    Endpoint("api:payroll-batch-detail", VIEW_PAYROLL, kwargs=_pk, api=True, object_level=True),
    Endpoint(
        "api:payroll-batch-generate",
        PREPARE,
        method="post",
        data=lambda p: {"county": p.county.code, "programme": "dibao", "period": "2026-02"},
        headers=_key,
        api=True,
        success=201,
    ),
    Endpoint(
        "api:payroll-batch-approve",
        APPROVE,
        method="post",
        kwargs=_pk,
        data=lambda p: _approval(_batch(p)),
        headers=_key,
        api=True,
        object_level=True,
    ),
    Endpoint(
        "api:payroll-batch-return-file",
        PREPARE,
        method="post",
        kwargs=lambda p: {"pk": _exported(p).pk},
        data=_return_file,
        headers=_key,
        api=True,
        object_level=True,
    ),
)
