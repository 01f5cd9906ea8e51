"""The one job runner (core/jobs.py), on a policy simulation's row: a claim is taken once, a redelivery takes over a
job its dead worker left running, progress is written at once, a failure is recorded with a sentence for the user
and raised again, and a failed job is retried as a new attempt."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from minsheng.accounts.roles import Role
from minsheng.assistance.means.models import Simulation
from minsheng.core.jobs import job_claim, job_progress, job_retry, job_run, redelivered
from minsheng.testing import Personas

pytestmark = pytest.mark.django_db

FALLBACK = "server error (%(kind)s)"


def _job(p: Personas) -> Simulation:
    return Simulation.objects.create(
        area_code=p.county.code, from_month=dt.date(2026, 1, 1), standard_fen=95_000, created_by=p[Role.COUNTY_APPROVER]
    )


def _row(job: Simulation) -> Simulation:
    return Simulation.objects.unscoped().get(pk=job.pk)


def test_a_job_is_claimed_once(personas: Personas) -> None:
    job = _job(personas)
    first = job_claim(Simulation, job.pk)
    assert first is not None and (first.status, first.attempts) == ("running", 1)
    assert first.claimed_at is not None and first.started_at == first.claimed_at
    assert job_claim(Simulation, job.pk) is None
    assert _row(job).attempts == 1


def test_a_redelivery_takes_over_the_running_job_as_a_second_attempt(personas: Personas) -> None:
    job = _job(personas)
    first = job_claim(Simulation, job.pk)
    assert first is not None
    again = job_claim(Simulation, job.pk, redelivered=True)
    assert again is not None and (again.status, again.attempts, again.started_at) == ("running", 2, first.started_at)
    assert job_run(Simulation, job.pk, lambda j: None, fallback=FALLBACK).status == "running"  # not this one's
    assert job_run(Simulation, job.pk, lambda j: None, fallback=FALLBACK, redelivered=True).attempts == 3
    assert job_claim(Simulation, job.pk, redelivered=True) is None  # done: nobody takes it again


def test_the_work_runs_once_and_its_progress_is_written_at_once(personas: Personas) -> None:
    job = _job(personas)
    seen: list[tuple[int, int, int]] = []

    def work(j: Simulation) -> None:
        job_progress(j, 1, 4)
        row = _row(j)
        seen.append((row.progress_done, row.progress_total, j.percent))
        job_progress(j, 3)
        seen.append((_row(j).progress_done, _row(j).progress_total, j.percent))

    done = job_run(Simulation, job.pk, work, fallback=FALLBACK)
    assert seen == [(1, 4, 25), (3, 4, 75)]
    assert (done.status, _row(job).status, _row(job).finished_at is not None) == ("done", "done", True)
    assert job_run(Simulation, job.pk, work, fallback=FALLBACK).status == "done" and len(seen) == 2


def test_a_refusal_is_recorded_in_its_own_words_and_raised_again(personas: Personas) -> None:
    job = _job(personas)

    def refuse(j: Simulation) -> None:
        raise ValidationError("这个月的数据尚未齐全。")

    with pytest.raises(ValidationError):
        job_run(Simulation, job.pk, refuse, fallback=FALLBACK)
    row = _row(job)
    assert (row.status, row.error, row.finished_at is not None) == ("failed", "这个月的数据尚未齐全。", True)


def test_an_error_is_recorded_as_a_plain_sentence_naming_its_kind(personas: Personas) -> None:
    job = _job(personas)

    def crash(j: Simulation) -> None:
        raise ZeroDivisionError("secret detail")

    with pytest.raises(ZeroDivisionError):
        job_run(Simulation, job.pk, crash, fallback=FALLBACK)
    assert (_row(job).status, _row(job).error) == ("failed", "server error (ZeroDivisionError)")


def test_a_failed_job_is_retried_as_a_new_attempt(personas: Personas) -> None:
    job = _job(personas)
    with pytest.raises(RuntimeError):
        job_run(Simulation, job.pk, lambda j: (_ for _ in ()).throw(RuntimeError()), fallback=FALLBACK)
    retried = job_retry(Simulation, job.pk)
    assert retried is not None and (retried.status, retried.error, retried.finished_at) == ("queued", "", None)
    done = job_run(Simulation, job.pk, lambda j: None, fallback=FALLBACK)
    assert (done.status, done.attempts) == ("done", 2)
    assert job_retry(Simulation, job.pk) is None  # only a failed job is retried


def test_a_redelivered_message_is_read_from_the_task_request() -> None:
    assert redelivered(SimpleNamespace(request=SimpleNamespace(delivery_info={"redelivered": True})))
    assert not redelivered(SimpleNamespace(request=SimpleNamespace(delivery_info=None)))
