"""The payroll API: calls that move money take an Idempotency-Key; the same call sent again changes nothing."""

from __future__ import annotations

import datetime as dt
import json
import threading
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.urls import reverse
from rest_framework.test import APIClient

from minsheng.accounts.roles import Role
from minsheng.audit.models import AuditEvent
from minsheng.core.models import IdempotencyKey
from minsheng.payments.bankfiles import payment_file_export
from minsheng.payments.models import PaymentLine, PayrollBatch
from minsheng.payments.services import payroll_approve, payroll_generate
from minsheng.payments.tests.factories import approval, enrol, payee
from minsheng.testing import Personas, build_personas

pytestmark = pytest.mark.django_db

FEB = dt.date(2026, 2, 1)
GENERATE = {"county": "321302000000", "programme": "dibao", "period": "2026-02"}


def client_for(p: Personas, role: str) -> APIClient:
    client = APIClient()
    client.force_authenticate(p[role])
    return client


def generate(client: APIClient, key: str | None, data: dict[str, str] = GENERATE) -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(reverse("api:payroll-batch-generate"), data, format="json", headers=headers)


def generated_events() -> int:
    return AuditEvent.objects.unscoped().filter(action="payments.payroll_generated").count()


def test_generating_with_a_key_and_sending_it_again_answers_the_same_and_changes_nothing(personas: Personas) -> None:
    p = personas
    enrol(payee(p.village, "张一"), monthly_fen=156_000)
    enrol(payee(p.village, "张二", account=""), monthly_fen=88_000)
    client = client_for(p, Role.COUNTY_PAYMENT_OFFICER)

    first = generate(client, "key-0001-generate")
    assert first.status_code == 201
    batch = PayrollBatch.objects.unscoped().get()
    assert first.json() | {"prepared_at": None} == {
        "id": batch.pk,
        "area_code": "321302000000",
        "programme": "dibao",
        "period": "2026-02-01",
        "status": "draft",
        "line_count": 2,
        "total_fen": 244_000,
        "held_count": 1,
        "held_fen": 88_000,
        "held_by_reason": {"no_account": {"count": 1, "fen": 88_000}},
        "pending_count": 1,
        "pending_fen": 156_000,
        "paid_count": 0,
        "paid_fen": 0,
        "failed_count": 0,
        "failed_fen": 0,
        "payable_count": 1,
        "payable_fen": 156_000,
        "prepared_by": p[Role.COUNTY_PAYMENT_OFFICER].pk,
        "prepared_at": None,
        "approved_by": None,
        "approved_at": None,
        "approval_opinion": "",
    }
    assert "Idempotent-Replayed" not in first.headers

    again = generate(client, "key-0001-generate")
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert generated_events() == 1  # the second call did not run the generation
    assert PaymentLine.objects.unscoped().count() == 2
    assert IdempotencyKey.objects.get().status_code == 201


def test_a_call_that_moves_money_without_a_key_or_with_a_bad_one_is_refused(personas: Personas) -> None:
    client = client_for(personas, Role.COUNTY_PAYMENT_OFFICER)
    missing = generate(client, None)
    assert missing.status_code == 400
    assert missing.json() == {"detail": "此请求涉及资金：请随请求发送 Idempotency-Key 请求头。"}
    short = generate(client, "abc")
    assert short.status_code == 400
    assert short.json() == {"detail": "Idempotency-Key 须为 8 至 100 个可见 ASCII 字符。"}
    assert not PayrollBatch.objects.unscoped().exists()
    assert not IdempotencyKey.objects.exists()


def test_the_same_key_for_a_different_request_is_refused(personas: Personas) -> None:
    p = personas
    enrol(payee(p.village, "张一"))
    client = client_for(p, Role.COUNTY_PAYMENT_OFFICER)
    assert generate(client, "key-0002-generate").status_code == 201
    other = generate(client, "key-0002-generate", {**GENERATE, "programme": "tekun"})
    assert other.status_code == 422
    assert other.json() == {"detail": "此 Idempotency-Key 已用于另一个请求。"}
    assert PayrollBatch.objects.unscoped().count() == 1
    # Keys are per user: another officer's identical key is a different key.
    colleague = APIClient()
    from minsheng.testing import make_user

    colleague.force_authenticate(make_user("officer_b", Role.COUNTY_PAYMENT_OFFICER, p.county))
    assert generate(colleague, "key-0002-generate", {**GENERATE, "programme": "tekun"}).status_code == 201
    assert PayrollBatch.objects.unscoped().count() == 2


def test_a_refused_call_keeps_no_key_so_it_can_be_sent_again_once_fixed(personas: Personas) -> None:
    p = personas
    enrol(payee(p.village, "张一"))
    officer = client_for(p, Role.COUNTY_PAYMENT_OFFICER)
    assert generate(officer, "key-0003-generate").status_code == 201
    approver = client_for(p, Role.COUNTY_APPROVER)
    batch = PayrollBatch.objects.unscoped().get()
    url = reverse("api:payroll-batch-approve", kwargs={"pk": batch.pk})
    body = {"opinion": "同意发放", "payable_count": batch.payable_count, "payable_fen": batch.payable_fen}
    # The officer cannot approve their own batch: refused, and the key is not kept.
    officer_approval = officer.post(url, headers={"Idempotency-Key": "key-0004-approve"})
    assert officer_approval.status_code == 403
    assert IdempotencyKey.objects.filter(key="key-0004-approve").count() == 0
    bad_period = generate(officer, "key-0005-generate", {**GENERATE, "period": "2026-13"})
    assert bad_period.status_code == 400
    assert not IdempotencyKey.objects.filter(key="key-0005-generate").exists()

    approved = approver.post(url, body, format="json", headers={"Idempotency-Key": "key-0004-approve"})
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    replayed = approver.post(url, body, format="json", headers={"Idempotency-Key": "key-0004-approve"})
    assert replayed.status_code == 200 and replayed.json() == approved.json()
    assert AuditEvent.objects.unscoped().filter(action="payments.payroll_approved").count() == 1
    # A new key for the same approval: the service refuses it (approved already), with its message.
    second = approver.post(url, body, format="json", headers={"Idempotency-Key": "key-0006-approve"})
    assert second.status_code == 400
    assert second.json() == {"detail": "该发放批次已审核。"}


def test_the_return_file_sent_twice_with_its_key_settles_once(personas: Personas) -> None:
    p = personas
    enrol(payee(p.village, "张一"), monthly_fen=156_000)
    enrol(payee(p.village, "张二"), monthly_fen=88_000)
    batch = payroll_generate(actor=p[Role.COUNTY_PAYMENT_OFFICER], county=p.county, programme="dibao", period=FEB)
    batch = payroll_approve(actor=p[Role.COUNTY_APPROVER], batch=batch, **approval(batch))
    payment_file_export(actor=p[Role.COUNTY_PAYMENT_OFFICER], batch=batch)
    one, two = PaymentLine.objects.unscoped().order_by("id")
    content = f"reference,result,failure_reason\n{one.pk},paid,\n{two.pk},failed,账户已销户\n".encode()
    client = client_for(p, Role.COUNTY_PAYMENT_OFFICER)
    url = reverse("api:payroll-batch-return-file", kwargs={"pk": batch.pk})

    def send(key: str, body: bytes = content) -> Any:
        upload = SimpleUploadedFile("return.csv", body, content_type="text/csv")
        return client.post(url, {"file": upload}, format="multipart", headers={"Idempotency-Key": key})

    first = send("key-0007-return")
    assert (first.status_code, first.json()) == (200, {"paid": 1, "failed": 1, "unchanged": 0, "reconciled": True})
    again = send("key-0007-return")
    assert (again.status_code, again.json()) == (200, first.json())
    assert again.headers["Idempotent-Replayed"] == "true"
    assert AuditEvent.objects.unscoped().filter(action="payments.bank_return_imported").count() == 1
    # Another file under the same key is another request.
    other = send("key-0007-return", content.replace(b"failed", b"paid"))
    assert other.status_code == 422
    assert list(PaymentLine.objects.unscoped().order_by("id").values_list("status", flat=True)) == ["paid", "failed"]
    # The batch as the API reads it: the lines per status, settled once.
    read = client.get(reverse("api:payroll-batch-detail", kwargs={"pk": batch.pk})).json()
    figures = ("status", "pending_count", "paid_count", "paid_fen", "failed_count", "failed_fen")
    assert {k: read[k] for k in figures} == {
        "status": "reconciled",
        "pending_count": 0,
        "paid_count": 1,
        "paid_fen": 156_000,
        "failed_count": 1,
        "failed_fen": 88_000,
    }


def test_the_api_lists_only_the_callers_counties(personas: Personas) -> None:
    p = personas
    enrol(payee(p.village, "张一"))
    enrol(payee(p.other_village, "李二"))
    mine = payroll_generate(actor=p[Role.COUNTY_PAYMENT_OFFICER], county=p.county, programme="dibao", period=FEB)
    payroll_generate(
        actor=p.outsider(Role.COUNTY_PAYMENT_OFFICER), county=p.other_county, programme="dibao", period=FEB
    )
    response = client_for(p, Role.COUNTY_PAYMENT_OFFICER).get(reverse("api:payroll-batch-list"))
    assert [row["id"] for row in response.json()["results"]] == [mine.pk]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs a server database with real row locks")
def test_the_same_key_sent_from_several_threads_at_once_generates_once_on_postgresql() -> None:
    p = build_personas()
    for index in range(10):
        enrol(payee(p.village, f"张{index}"), monthly_fen=100_000 + index)
    officer = p[Role.COUNTY_PAYMENT_OFFICER]
    barrier = threading.Barrier(4)
    answers: list[tuple[int, Any, str]] = []

    def send() -> None:
        try:
            client = APIClient()
            client.force_authenticate(officer)
            barrier.wait()
            response = generate(client, "key-0008-concurrent")
            answers.append((response.status_code, response.json(), response.headers.get("Idempotent-Replayed", "")))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(code for code, _body, _replayed in answers) == [201, 201, 201, 201]
    # The same answer to each (the stored one is read back from jsonb, whose key order differs).
    assert len({json.dumps(body, sort_keys=True) for _code, body, _replayed in answers}) == 1
    assert sorted(replayed for _code, _body, replayed in answers) == ["", "true", "true", "true"]
    assert generated_events() == 1
    assert PaymentLine.objects.unscoped().count() == 10
