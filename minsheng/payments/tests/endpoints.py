"""Permission-matrix registrations of the payroll pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from minsheng.accounts.roles import Role
from minsheng.testing import Endpoint, Personas, register

VIEW_PAYROLL = frozenset({Role.COUNTY_PAYMENT_OFFICER, Role.COUNTY_APPROVER})
PREPARE = frozenset({Role.COUNTY_PAYMENT_OFFICER})
APPROVE = frozenset({Role.COUNTY_APPROVER})


def _batch(p: Personas) -> Any:
    """January 2026's 低保 payroll of the reference county, prepared by the payment officer: one line."""
    if "payroll_batch" not in p.extra:
        from minsheng.payments.services import payroll_generate
        from minsheng.payments.tests.factories import enrol, payee

        enrol(payee(p.village, "赵敏"), first_month=dt.date(2026, 1, 1))
        p.extra["payroll_batch"] = payroll_generate(
            actor=p[Role.COUNTY_PAYMENT_OFFICER], county=p.county, programme="dibao", period=dt.date(2026, 1, 1)
        )
    return p.extra["payroll_batch"]


def _pk(p: Personas) -> dict[str, Any]:
    return {"pk": _batch(p).pk}


def _approved_pk(p: Personas) -> dict[str, Any]:
    """March 2026's 低保 payroll of the reference county, prepared and approved: ready for the bank."""
    if "payroll_approved" not in p.extra:
        from minsheng.payments.services import payroll_approve, payroll_generate
        from minsheng.payments.tests.factories import approval, enrol, payee

        enrol(payee(p.village, "钱芳"), first_month=dt.date(2026, 3, 1))
        batch = payroll_generate(
            actor=p[Role.COUNTY_PAYMENT_OFFICER], county=p.county, programme="dibao", period=dt.date(2026, 3, 1)
        )
        p.extra["payroll_approved"] = payroll_approve(actor=p[Role.COUNTY_APPROVER], batch=batch, **approval(batch))
    return {"pk": p.extra["payroll_approved"].pk}


def _job_pk(p: Personas) -> dict[str, Any]:
    """The job that prepared April 2026's 低保 payroll of the reference county (run here: no broker in tests)."""
    if "payroll_job" not in p.extra:
        from minsheng.payments.jobs import payroll_job_start
        from minsheng.payments.tests.factories import enrol, payee

        enrol(payee(p.village, "孙丽"), first_month=dt.date(2026, 4, 1))
        job, _ = payroll_job_start(
            actor=p[Role.COUNTY_PAYMENT_OFFICER], county=p.county, programme="dibao", period=dt.date(2026, 4, 1)
        )
        p.extra["payroll_job"] = job
    return {"pk": p.extra["payroll_job"].pk}


register(
    Endpoint("payments:batch_list", VIEW_PAYROLL),
    Endpoint("payments:job_detail", VIEW_PAYROLL, kwargs=_job_pk, object_level=True),
    Endpoint("payments:batch_detail", VIEW_PAYROLL, kwargs=_pk, object_level=True),
    Endpoint(
        "payments:batch_prepare",
        PREPARE,
        method="post",
        data=lambda p: {"prepare-county": p.county.code, "prepare-programme": "dibao", "prepare-period": "2026-02"},
        success=302,
    ),
    Endpoint("payments:batch_regenerate", PREPARE, method="post", kwargs=_pk, object_level=True, success=302),
    Endpoint(
        "payments:batch_approve",
        APPROVE,
        method="post",
        kwargs=_pk,
        data=lambda p: {
            "approve-opinion": "同意发放",
            "approve-confirm": "on",
            "approve-count": _batch(p).payable_count,
            "approve-total_fen": _batch(p).payable_fen,
        },
        object_level=True,
        success=302,
    ),
    Endpoint(
        "payments:batch_export",
        PREPARE,
        method="post",
        kwargs=_approved_pk,
        data=lambda p: {"format": "csv"},
        object_level=True,
    ),
    # Without a file the page answers with a message (the import itself is tested in test_bankfiles).
    Endpoint("payments:batch_import", PREPARE, method="post", kwargs=_approved_pk, object_level=True, success=302),
)

from minsheng.payments.tests import endpoints_api  # noqa: E402,F401  (the API's registrations)
