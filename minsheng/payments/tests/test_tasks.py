"""The payroll task run eagerly (in the test process), twice, with the same outcome; the jobs the pages start and
show (queued once after the commit with a broker, run here without one, failed with the reason in Chinese)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from kombu.exceptions import OperationalError

from minsheng.accounts.roles import Role
from minsheng.audit.models import AuditEvent
from minsheng.celery import app
from minsheng.payments import tasks
from minsheng.payments.jobs import ABANDONED_AFTER, payroll_job_start
from minsheng.payments.models import PaymentLine, PayrollBatch, PayrollJob
from minsheng.payments.services import payroll_approve
from minsheng.payments.tests.factories import approval, enrol, payee
from minsheng.testing import Personas

pytestmark = pytest.mark.django_db

FEB = dt.date(2026, 2, 1)


def run(p: Personas) -> dict[str, int]:
    officer = p[Role.COUNTY_PAYMENT_OFFICER]
    result = tasks.generate_payroll.delay(p.county.code, "dibao", "2026-02-01", officer.pk)
    return dict(result.get())


def test_the_task_generates_the_batch_and_a_second_run_adds_nothing(personas: Personas) -> None:
    p = personas
    enrol(payee(p.village, "张一"), monthly_fen=156_000)
    enrol(payee(p.village, "张二"), monthly_fen=88_000)
    enrol(payee(p.village, "张三", account=""), monthly_fen=50_000)
    first = run(p)
    ids = list(PaymentLine.objects.unscoped().order_by("id").values_list("id", flat=True))
    second = run(p)
    batch = PayrollBatch.objects.unscoped().get()
    expected = {"batch": batch.pk, "lines": 3, "total_fen": 294_000, "held": 1, "held_fen": 50_000}
    assert first == second == expected
    assert list(PaymentLine.objects.unscoped().order_by("id").values_list("id", flat=True)) == ids
    assert PaymentLine.objects.unscoped().filter(status="pending").count() == 2
    assert PaymentLine.objects.unscoped().filter(status="held", hold_reason="no_account").count() == 1


def test_a_retry_after_the_approval_does_nothing(personas: Personas) -> None:
    p = personas
    enrol(payee(p.village, "张一"), monthly_fen=156_000)
    run(p)
    payroll_approve(
        actor=p[Role.COUNTY_APPROVER],
        batch=PayrollBatch.objects.unscoped().get(),
        **approval(PayrollBatch.objects.unscoped().get()),
    )
    enrol(payee(p.village, "张二"), monthly_fen=88_000)  # would be a new line if the retry generated again
    again = run(p)
    assert (again["lines"], again["total_fen"], again["held"]) == (1, 156_000, 0)
    assert PaymentLine.objects.unscoped().count() == 1
    assert PayrollBatch.objects.unscoped().get().status == "approved"


def test_an_actor_without_the_right_is_refused(personas: Personas) -> None:
    from django.core.exceptions import PermissionDenied

    p = personas
    enrol(payee(p.village, "张一"))
    with pytest.raises(PermissionDenied):
        tasks.generate_payroll.delay(p.county.code, "dibao", "2026-02-01", p[Role.COUNTY_APPROVER].pk).get()
    assert not PaymentLine.objects.unscoped().exists()


# --- Jobs: what the pages ask for and show ------------------------------------------------------------------------

APR = dt.date(2026, 4, 1)


def _start(p: Personas, programme: str = "dibao") -> tuple[PayrollJob, bool]:
    return payroll_job_start(actor=p[Role.COUNTY_PAYMENT_OFFICER], county=p.county, programme=programme, period=APR)


def _zh(text: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(text)


def test_without_a_broker_the_job_runs_here_and_records_the_batch(personas: Personas) -> None:
    p = personas
    enrol(payee(p.village, "张一"), monthly_fen=156_000)
    enrol(payee(p.village, "张二", account=""), monthly_fen=88_000)
    job, created = _start(p)
    batch = PayrollBatch.objects.unscoped().get()
    assert created and (job.status, job.attempts, job.batch_id, job.error) == ("done", 1, batch.pk, "")
    assert job.result == {"batch": batch.pk, "lines": 2, "total_fen": 244_000, "held": 1, "held_fen": 88_000}
    assert job.started_at is not None and job.finished_at is not None


def test_with_a_broker_the_job_is_queued_once_after_the_commit_and_a_second_click_gets_the_same_job(
    personas: Personas, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    p = personas
    enrol(payee(p.village, "张一"))
    sent: list[tuple[Any, Any]] = []
    app.conf.task_always_eager = False  # a broker is configured (conftest puts the setting back)
    monkeypatch.setattr(tasks.generate_payroll, "apply_async", lambda args, kwargs: sent.append((args, kwargs)))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job, created = _start(p)
        assert sent == []  # nothing leaves before the job row is committed
    again, created_again = _start(p)
    officer = p[Role.COUNTY_PAYMENT_OFFICER]
    assert len(callbacks) == 1 and sent == [((p.county.code, "dibao", "2026-04-01", officer.pk), {"job_id": job.pk})]
    assert created and not created_again and again.pk == job.pk and again.status == "queued"
    assert PayrollJob.objects.unscoped().count() == 1 and not PayrollBatch.objects.unscoped().exists()


def test_a_broker_out_of_reach_fails_the_job_at_once(
    personas: Personas, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    def unreachable(args: Any, kwargs: Any) -> None:
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    app.conf.task_always_eager = False  # a broker is configured (conftest puts the setting back)
    monkeypatch.setattr(tasks.generate_payroll, "apply_async", unreachable)
    with django_capture_on_commit_callbacks(execute=True):
        job, _ = _start(personas)
    job.refresh_from_db()
    text = "The payroll could not be prepared because of an error on the server (%(kind)s). Try again later."
    assert (job.status, job.error) == ("failed", _zh(text) % {"kind": "OperationalError"})


def test_a_refusal_of_the_generation_fails_the_job_with_the_reason_in_chinese(personas: Personas) -> None:
    job, _ = _start(personas, programme="linshi")  # temporary assistance has no monthly payroll
    assert (job.status, job.error) == ("failed", _zh("Choose a programme paid every month."))
    assert job.error == "请选择按月发放的救助项目。" and not PaymentLine.objects.unscoped().exists()


def test_an_error_fails_the_job_with_a_plain_chinese_sentence(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**kwargs: Any) -> Any:
        raise RuntimeError("connection reset")

    monkeypatch.setattr("minsheng.payments.services.payroll_generate", broken)
    with pytest.raises(RuntimeError):
        _start(personas)
    job = PayrollJob.objects.unscoped().get()
    text = "The payroll could not be prepared because of an error on the server (%(kind)s). Try again later."
    assert (job.status, job.error) == ("failed", _zh(text) % {"kind": "RuntimeError"})


def test_an_approved_payroll_is_refused_before_a_job_is_made(personas: Personas) -> None:
    p = personas
    enrol(payee(p.village, "张一"))
    job, _ = _start(p)
    payroll_approve(
        actor=p[Role.COUNTY_APPROVER],
        batch=PayrollBatch.objects.unscoped().get(),
        **approval(PayrollBatch.objects.unscoped().get()),
    )
    with pytest.raises(ValidationError):
        _start(p)
    assert list(PayrollJob.objects.unscoped().values_list("pk", flat=True)) == [job.pk]


def test_a_job_open_for_hours_is_given_up_when_the_month_is_asked_for_again(personas: Personas) -> None:
    p = personas
    enrol(payee(p.village, "张一"))
    officer = p[Role.COUNTY_PAYMENT_OFFICER]
    lost = PayrollJob.objects.create(
        area_code=p.county.code,
        programme="dibao",
        period=APR,
        status="running",
        created_by=officer,
        created_at=timezone.now() - ABANDONED_AFTER - dt.timedelta(minutes=1),
    )
    job, created = _start(p)
    lost.refresh_from_db()
    assert created and job.pk != lost.pk and job.status == "done"
    assert lost.status == "failed" and lost.error == _zh(
        "No worker finished this preparation; it was given up. Prepare the payroll again."
    )
    # Its message, should it come after all, leaves the job and the batch alone.
    assert tasks.generate_payroll.delay(p.county.code, "dibao", "2026-04-01", officer.pk, job_id=lost.pk).get() == {}
    assert PayrollJob.objects.unscoped().get(pk=lost.pk).status == "failed"


def test_a_redelivery_after_the_job_is_done_does_not_run_again(personas: Personas) -> None:
    p = personas
    enrol(payee(p.village, "张一"))
    job, _ = _start(p)
    audit = AuditEvent.objects.unscoped().filter(action="payments.payroll_generated")
    assert audit.count() == 1
    again = tasks.generate_payroll.delay(p.county.code, "dibao", "2026-04-01", job.created_by_id, job_id=job.pk)
    assert again.get() == job.result and audit.count() == 1
    assert PayrollJob.objects.unscoped().get(pk=job.pk).attempts == 1


def test_the_job_page_polls_while_the_job_is_open_and_shows_the_outcome(personas: Personas) -> None:
    p = personas
    officer = p[Role.COUNTY_PAYMENT_OFFICER]
    queued = PayrollJob.objects.create(area_code=p.county.code, programme="dibao", period=APR, created_by=officer)
    client = Client()
    client.force_login(p[Role.COUNTY_APPROVER])
    url = reverse("payments:job_detail", args=[queued.pk])
    page = client.get(url).content.decode()
    assert 'data-status="queued"' in page and f'hx-get="{url}"' in page and 'hx-trigger="every 2s"' in page

    PayrollJob.objects.unscoped().filter(pk=queued.pk).update(status="failed", error="请选择按月发放的救助项目。")
    fragment = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert fragment.lstrip().startswith('<div id="payroll-job" data-status="failed"')
    assert "hx-get" not in fragment and "请选择按月发放的救助项目。" in fragment
    outsider = Client()
    outsider.force_login(p.outsider(Role.COUNTY_APPROVER))
    assert outsider.get(url).status_code == 404


def test_the_batch_page_shows_the_preparation_under_way(personas: Personas) -> None:
    p = personas
    enrol(payee(p.village, "张一"))
    job, _ = _start(p)
    officer = Client()
    officer.force_login(p[Role.COUNTY_PAYMENT_OFFICER])
    batch_url = reverse("payments:batch_detail", args=[job.batch_id])
    assert 'id="payroll-job"' not in officer.get(batch_url).content.decode()  # done: the batch speaks for itself
    again = PayrollJob.objects.create(
        area_code=p.county.code, programme="dibao", period=APR, created_by=job.created_by, status="running"
    )
    page = officer.get(batch_url).content.decode()
    assert 'id="payroll-job" data-status="running"' in page
    assert f'hx-get="{reverse("payments:job_detail", args=[again.pk])}"' in page
    # Prepare again while it runs: the running job is shown, nothing is started.
    response = officer.post(reverse("payments:batch_regenerate", args=[job.batch_id]))
    assert response["Location"] == reverse("payments:job_detail", args=[again.pk])
    assert PayrollJob.objects.unscoped().count() == 2
