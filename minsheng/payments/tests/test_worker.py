"""The payroll on real Celery workers (Redis, PostgreSQL). A worker killed inside the batch's transaction leaves no
line: killed whole, a new worker gets the message again after Redis's visibility timeout; its pool process killed,
the worker itself puts the message back; either way the retry writes the whole batch once. Two workers given the same
batch twice write each line once; the page queues one job for two clicks and follows it to the end. Skipped without
Redis and PostgreSQL, run by .ci/run; they pass on RabbitMQ too (CELERY_BROKER_URL=amqp://…/<vhost of their own>),
where a killed worker's message comes back as soon as its connection closes."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest
from django.test import Client
from django.urls import reverse

from minsheng.accounts.roles import Role
from minsheng.audit.models import AuditEvent
from minsheng.payments.jobs import payroll_job_start
from minsheng.payments.models import PaymentLine, PayrollBatch, PayrollJob
from minsheng.payments.tasks import generate_payroll
from minsheng.payments.tests.conftest import Workers
from minsheng.payments.tests.factories import enrol, payee
from minsheng.testing import Personas

if TYPE_CHECKING:
    from minsheng.accounts.models import User

pytestmark = pytest.mark.django_db(transaction=True)

APR = dt.date(2026, 4, 1)


def _benefits(p: Personas, count: int) -> dict[int, int]:
    """``count`` running 低保 benefits in the reference village, each a different amount: benefit id → fen."""
    return {
        enrol(payee(p.village, f"工{i:03d}"), monthly_fen=100_000 + 100 * i).pk: 100_000 + 100 * i for i in range(count)
    }


def _lines() -> dict[int, int]:
    """The April lines: benefit id → amount; a second line of a benefit would fail the length check."""
    lines = list(PaymentLine.objects.unscoped().filter(period=APR).values_list("benefit_id", "amount_fen"))
    assert len(lines) == len({benefit for benefit, _ in lines})
    return dict(lines)


def _generated() -> int:
    return AuditEvent.objects.unscoped().filter(action="payments.payroll_generated").count()


def _job(pk: int) -> PayrollJob:
    return PayrollJob.objects.unscoped().get(pk=pk)


def test_a_worker_killed_inside_the_transaction_leaves_no_line_and_the_redelivery_completes_the_batch(
    personas: Personas, workers: Workers
) -> None:
    p = personas
    expected = _benefits(p, 60)
    workers.hold()
    job, created = payroll_job_start(
        actor=p[Role.COUNTY_PAYMENT_OFFICER], county=p.county, programme="dibao", period=APR
    )
    assert created and job.status == "queued" and workers.queued() == 1

    workers.start("first")
    backend, inserted = workers.held()
    # The worker's transaction holds every line of the batch, and nobody else sees one of them.
    assert inserted == 60
    assert _lines() == {} and (_job(job.pk).status, _job(job.pk).attempts) == ("running", 1)

    workers.kill("first")
    workers.gone(backend)
    assert _lines() == {}
    assert not PayrollBatch.objects.unscoped().exists()  # created in the same transaction, rolled back with it
    assert _generated() == 0

    # A new worker gets the message again once Redis's visibility timeout has passed (acks late: it was never
    # acknowledged) and prepares the batch from the start.
    workers.release()
    workers.start("second", visibility_timeout=1)
    done = workers.wait(lambda: _job(job.pk) if _job(job.pk).status == "done" else None, "the redelivered job")
    assert done.attempts == 2 and done.error == ""
    assert _lines() == expected
    batch = PayrollBatch.objects.unscoped().get()
    total = sum(expected.values())
    assert (batch.line_count, batch.total_fen, batch.held_count, batch.held_fen) == (60, total, 0, 0)
    assert done.batch_id == batch.pk
    assert done.result == {"batch": batch.pk, "lines": 60, "total_fen": total, "held": 0, "held_fen": 0}
    assert _generated() == 1
    assert "succeeded" in workers.log("second")


def test_a_pool_process_killed_inside_the_transaction_is_replaced_and_the_task_run_again(
    personas: Personas, workers: Workers
) -> None:
    p = personas
    expected = _benefits(p, 30)
    workers.hold()
    job, _ = payroll_job_start(actor=p[Role.COUNTY_PAYMENT_OFFICER], county=p.county, programme="dibao", period=APR)
    workers.start("oom")  # Redis's visibility timeout stays at an hour: the task comes back another way
    backend, inserted = workers.held()
    assert inserted == 30

    workers.kill_pool_process("oom")
    workers.gone(backend)
    assert _lines() == {} and not PayrollBatch.objects.unscoped().exists()
    # The main process saw its pool process die and put the message back (reject on worker lost); it runs again.
    workers.release()
    done = workers.wait(lambda: _job(job.pk) if _job(job.pk).status == "done" else None, "the requeued job")
    assert done.attempts == 2 and _lines() == expected and _generated() == 1
    assert "WorkerLostError" in workers.log("oom")


def test_two_workers_given_the_same_batch_twice_write_each_line_once(personas: Personas, workers: Workers) -> None:
    p = personas
    expected = _benefits(p, 20)
    officer = p[Role.COUNTY_PAYMENT_OFFICER]
    workers.hold()
    for _ in range(2):  # a message delivered twice, or asked for twice: generation is idempotent either way
        generate_payroll.delay(p.county.code, "dibao", APR.isoformat(), officer.pk)
    assert workers.queued() == 2

    workers.start("one", pool="solo")
    workers.held()
    workers.start("two", pool="solo")
    workers.blocked()  # the second worker waits for the first one's batch
    workers.release()
    workers.wait(lambda: True if _generated() == 2 else None, "both deliveries to finish")

    assert _lines() == expected
    batch = PayrollBatch.objects.unscoped().get()
    assert (batch.line_count, batch.total_fen) == (20, sum(expected.values()))
    assert "succeeded" in workers.log("one") and "succeeded" in workers.log("two")


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_page_queues_one_job_for_two_clicks_and_follows_it_until_done(personas: Personas, workers: Workers) -> None:
    p = personas
    enrol(payee(p.village, "张一"), monthly_fen=156_000)
    enrol(payee(p.village, "张二", account=""), monthly_fen=88_000)
    officer = _client(p[Role.COUNTY_PAYMENT_OFFICER])
    form = {"prepare-county": p.county.code, "prepare-programme": "dibao", "prepare-period": "2026-04"}

    first = officer.post(reverse("payments:batch_prepare"), form)
    job = PayrollJob.objects.unscoped().get()
    page = reverse("payments:job_detail", args=[job.pk])
    assert first.status_code == 302 and first["Location"] == page
    second = officer.post(reverse("payments:batch_prepare"), form, follow=True)
    assert second.redirect_chain == [(page, 302)]
    assert PayrollJob.objects.unscoped().count() == 1 and workers.queued() == 1
    html = second.content.decode()
    assert 'data-status="queued"' in html and 'hx-trigger="every 2s"' in html

    workers.start("web")
    workers.wait(lambda: True if _job(job.pk).status == "done" else None, "the job")
    fragment = officer.get(page, headers={"HX-Request": "true"})
    html = fragment.content.decode()
    batch = PayrollBatch.objects.unscoped().get()
    assert html.lstrip().startswith('<div id="payroll-job" data-status="done"') and "hx-trigger" not in html
    assert reverse("payments:batch_detail", args=[batch.pk]) in html
    assert (batch.line_count, batch.total_fen, batch.held_count, batch.held_fen) == (2, 244_000, 1, 88_000)
