"""Background jobs as database rows (app/core/jobs.py): each queued job is run once
however many workers look at the same moment, a job whose worker died is queued again
(and failed after MAX_ATTEMPTS), and the worker's loop stops when told. On both
engines. Two `flask serve` processes sharing one worker are in test_processes.py."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import select

from app.core import jobs
from app.core.database import write_transactions
from app.core.timeutil import utcnow
from app.extensions import db
from tests.conftest import fresh

ECHO = "test-echo"
ran: list[int] = []
ran_lock = threading.Lock()


@jobs.handler(ECHO)
def _echo(job, progress):
    progress(1, 2, "half")
    with ran_lock:
        ran.append(job.id)
    if job.params.get("fail"):
        raise ValueError("坏数据")
    return {"echo": job.params.get("say")}


def _queue(count: int, **params) -> list[int]:
    with write_transactions():
        ids = [jobs.enqueue(ECHO, None, f"job {n}", dict(params, say=n)).id for n in range(count)]
        db.session.commit()
    return ids


def _job(job_id: int) -> jobs.BackgroundJob:
    fresh()
    return db.session.get(jobs.BackgroundJob, job_id)


def test_workers_looking_at_once_each_take_other_jobs_and_run_every_job_once(app):
    ids = _queue(12)
    ran.clear()
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def worker(n: int) -> None:
        try:
            start.wait()
            jobs.run_pending(app, name=f"worker-{n}")
        except BaseException as error:  # reported below: a thread's exception is lost otherwise
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    assert sorted(ran) == sorted(ids)  # every job once, none twice
    for job_id in ids:
        job = _job(job_id)
        assert job.status == jobs.DONE and job.attempts == 1 and job.worker.startswith("worker-")
        assert job.result == {"echo": ids.index(job_id)} and job.finished_at is not None


def test_a_failing_job_is_marked_failed_with_its_error(app):
    (job_id,) = _queue(1, fail=True)
    assert jobs.run_pending(app) == 1
    job = _job(job_id)
    assert job.status == jobs.FAILED and job.error == "坏数据" and job.result is None
    assert jobs.run_pending(app) == 0  # not tried again


def test_a_job_whose_worker_stopped_answering_is_queued_again_then_failed(app):
    (job_id,) = _queue(1)
    with write_transactions():
        job = db.session.get(jobs.BackgroundJob, job_id)
        job.status, job.attempts, job.worker = jobs.RUNNING, 1, "dead:1"
        job.heartbeat_at = utcnow() - jobs.STALE_AFTER - timedelta(seconds=1)
        db.session.commit()
    with write_transactions():
        alive = jobs.enqueue(ECHO, None, "alive", {})
        alive.status, alive.heartbeat_at, alive.attempts = jobs.RUNNING, utcnow(), 1
        alive_id = alive.id
        db.session.commit()

    assert jobs.requeue_stale() == 1
    job = _job(job_id)
    assert job.status == jobs.QUEUED and job.worker == ""
    assert _job(alive_id).status == jobs.RUNNING  # its worker is beating: left alone

    assert jobs.run_pending(app) == 1
    assert _job(job_id).status == jobs.DONE and _job(job_id).attempts == 2

    with write_transactions():
        job = db.session.get(jobs.BackgroundJob, job_id)
        job.status, job.attempts = jobs.RUNNING, jobs.MAX_ATTEMPTS
        job.heartbeat_at = utcnow() - timedelta(hours=1)
        db.session.commit()
    jobs.requeue_stale()
    job = _job(job_id)
    assert job.status == jobs.FAILED and "stopped answering" in job.error


def test_progress_reaches_the_row_while_the_job_runs(app):
    (job_id,) = _queue(1)
    seen: list[tuple[int, int, str]] = []

    @jobs.handler("test-progress")
    def _look(job, progress):
        progress(3, 7, "台账 3")
        with app.app_context():  # another process's view: a session of its own
            row = db.session.get(jobs.BackgroundJob, job.id)
            seen.append((row.done, row.total, row.label))
        return {}

    with write_transactions():
        db.session.get(jobs.BackgroundJob, job_id).kind = "test-progress"
        db.session.commit()
    assert jobs.run_pending(app) == 1
    assert seen == [(3, 7, "台账 3")]


def test_the_worker_loop_runs_what_is_queued_and_stops_when_told(app):
    stopping = threading.Event()
    loop = threading.Thread(target=jobs.work, args=(app, 0.05, None, stopping))
    loop.start()
    try:
        ids = _queue(2)
        for _ in range(200):
            fresh()
            statuses = set(db.session.scalars(select(jobs.BackgroundJob.status).where(jobs.BackgroundJob.id.in_(ids))))
            if statuses == {jobs.DONE}:
                break
            stopping.wait(0.05)
        assert statuses == {jobs.DONE}
    finally:
        stopping.set()
        loop.join(30)
    assert not loop.is_alive()
