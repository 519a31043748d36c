"""Background jobs as rows in the database, run by `flask worker`.

Work that takes longer than a request may (an inspection binder: WeasyPrint lays out
about 0.15 s a page) is queued as a row of background_job and run by a worker process.
The row is the job: its progress, its result and its error are written there, so any
server process on any machine can show the job's page, a restart of the server loses
nothing, and several workers can share one queue.

A worker takes the oldest queued job with one conditional UPDATE (… WHERE id = ? AND
status = 'queued'): of two workers that chose the same row, the database lets one
change it, and the other sees no row changed and looks again. While a job runs, its
worker touches heartbeat_at every HEARTBEAT_SECONDS from a thread of its own, so a long
step does not look like a dead worker. A job whose heartbeat is older than STALE_AFTER
(its worker was killed, the machine lost power) is queued again, up to MAX_ATTEMPTS
times, then marked failed; a job is never run by two workers at once as long as
heartbeats arrive.

Progress and heartbeats are written on connections of their own, in short
transactions, never in the session the job reads its data with: the job sees one
consistent snapshot and the progress is visible at once.

A kind of job is a function registered with `handler(kind)`; it receives the job's
params and a Progress to report to, and returns the result to keep (JSON).
"""

from __future__ import annotations

import logging
import os
import secrets
import signal
import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import JSON, ForeignKey, String, Text, select, update
from sqlalchemy.orm import Mapped, mapped_column

from app.core.database import write_transactions
from app.core.timeutil import utcnow
from app.extensions import db

log = logging.getLogger(__name__)

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
HEARTBEAT_SECONDS = 10.0
STALE_AFTER = timedelta(seconds=90)
MAX_ATTEMPTS = 3
# Progress is written at most this often; a binder reports every part it lays out.
PROGRESS_EVERY_SECONDS = 0.5


class BackgroundJob(db.Model):  # type: ignore[name-defined]
    __tablename__ = "background_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    # What a job's page is found by: random, never the id (a URL must not be guessable).
    token: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default=QUEUED, index=True)
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    label: Mapped[str] = mapped_column(String(200), default="")
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(default=0)
    worker: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def waiting(self) -> bool:
        """Queued or running: its page keeps refreshing."""
        return self.status in (QUEUED, RUNNING)


class Progress:
    """What a running job reports: written to its row now and then, not on every call."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self._last_written = float("-inf")

    def __call__(self, done: int, total: int, label: str) -> None:
        now = time.monotonic()
        if now - self._last_written < PROGRESS_EVERY_SECONDS and done < total:
            return
        self._last_written = now
        _write(self.job_id, done=done, total=total, label=label[:200], heartbeat_at=utcnow())


Handler = Callable[[BackgroundJob, Progress], dict[str, Any]]
_handlers: dict[str, Handler] = {}


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that runs jobs of this kind."""

    def register(function: Handler) -> Handler:
        _handlers[kind] = function
        return function

    return register


def enqueue(kind: str, owner_id: int | None, title: str, params: dict[str, Any]) -> BackgroundJob:
    """Queue a job in the caller's transaction (it runs once the caller commits)."""
    job = BackgroundJob(
        token=secrets.token_urlsafe(24), kind=kind, owner_id=owner_id, title=title[:200], params=params, status=QUEUED
    )
    db.session.add(job)
    db.session.flush()
    return job


def find(token: str, owner_id: int | None) -> BackgroundJob | None:
    """The job, only for its owner (anyone else: as if it did not exist)."""
    if owner_id is None:
        return None
    return db.session.scalar(
        select(BackgroundJob).where(BackgroundJob.token == token, BackgroundJob.owner_id == owner_id)
    )


def _write(job_id: int, **values: Any) -> int:
    """Change a job's row in a short transaction of its own; the rows changed."""
    with write_transactions(), db.engine.begin() as connection:
        return connection.execute(update(BackgroundJob).where(BackgroundJob.id == job_id).values(**values)).rowcount


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def requeue_stale(now: datetime | None = None) -> int:
    """Jobs whose worker stopped answering: queued again, or failed after MAX_ATTEMPTS."""
    cutoff = (now or utcnow()) - STALE_AFTER
    stale = BackgroundJob.status == RUNNING, BackgroundJob.heartbeat_at < cutoff
    with write_transactions(), db.engine.begin() as connection:
        failed = connection.execute(
            update(BackgroundJob)
            .where(*stale, BackgroundJob.attempts >= MAX_ATTEMPTS)
            .values(status=FAILED, finished_at=utcnow(), error="worker stopped answering")
        ).rowcount
        queued = connection.execute(update(BackgroundJob).where(*stale).values(status=QUEUED, worker="")).rowcount
    if failed or queued:
        log.warning("background jobs of a stopped worker: %d queued again, %d failed", queued, failed)
    return queued + failed


def claim(name: str) -> int | None:
    """Take the oldest queued job for this worker; its id, or None if there is none."""
    for _attempt in range(5):
        candidate = db.session.scalar(
            select(BackgroundJob.id)
            .where(BackgroundJob.status == QUEUED, BackgroundJob.kind.in_(list(_handlers)))
            .order_by(BackgroundJob.id)
            .limit(1)
        )
        db.session.rollback()  # end the read; the claim below is its own transaction
        if candidate is None:
            return None
        now = utcnow()
        with write_transactions(), db.engine.begin() as connection:
            taken = connection.execute(
                update(BackgroundJob)
                .where(BackgroundJob.id == candidate, BackgroundJob.status == QUEUED)
                .values(
                    status=RUNNING,
                    worker=name,
                    started_at=now,
                    heartbeat_at=now,
                    attempts=BackgroundJob.attempts + 1,
                )
            ).rowcount
        if taken == 1:
            return candidate
        # Another worker took it between the look and the update: look again.
    return None


class _Heartbeat(threading.Thread):
    def __init__(self, app: Flask, job_id: int):
        super().__init__(name=f"heartbeat-{job_id}", daemon=True)
        self.app, self.job_id, self.stopped = app, job_id, threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(HEARTBEAT_SECONDS):
            try:
                with self.app.app_context():
                    _write(self.job_id, heartbeat_at=utcnow())
            except Exception:  # a missed beat is not fatal; the next one may get through
                log.exception("heartbeat of background job %d failed", self.job_id)


def run_one(app: Flask, job_id: int) -> str:
    """Run a claimed job to its end; its final status."""
    heartbeat = _Heartbeat(app, job_id)
    heartbeat.start()
    try:
        job = db.session.get(BackgroundJob, job_id)
        assert job is not None
        try:
            result = _handlers[job.kind](job, Progress(job_id))
        except Exception as error:  # the job's page must say it failed rather than wait forever
            log.exception("background job %d (%s) failed", job_id, job.kind)
            db.session.rollback()
            _write(job_id, status=FAILED, finished_at=utcnow(), error=(str(error) or type(error).__name__)[:300])
            return FAILED
        db.session.rollback()
        _write(job_id, status=DONE, finished_at=utcnow(), result=result, done=job.total or 1, total=job.total or 1)
        return DONE
    finally:
        heartbeat.stopped.set()
        heartbeat.join()
        db.session.remove()


def run_pending(app: Flask, name: str | None = None, limit: int | None = None, requeue: bool = True) -> int:
    """Run queued jobs until none is left (or `limit` have run); how many ran."""
    name = name or worker_name()
    ran = 0
    with app.app_context():
        if requeue:
            requeue_stale()
        while limit is None or ran < limit:
            job_id = claim(name)
            if job_id is None:
                break
            run_one(app, job_id)
            ran += 1
    return ran


def work(
    app: Flask, poll_seconds: float = 2.0, parent_pid: int | None = None, stopping: threading.Event | None = None
) -> None:
    """The worker's loop: run what is queued, wait, look again; until `stopping` is set
    (the command sets it on SIGTERM/SIGINT) or the process that started it (`flask
    serve`, --parent-pid) is gone. A job already running is finished first."""
    stopping = stopping or threading.Event()
    name = worker_name()
    log.info("worker %s started", name)
    last_requeue = float("-inf")
    while not stopping.is_set():
        if parent_pid is not None and os.getppid() != parent_pid:
            break
        try:
            # Looking for stale jobs is a write; every half-minute is soon enough.
            requeue = time.monotonic() - last_requeue > 30
            if requeue:
                last_requeue = time.monotonic()
            ran = run_pending(app, name, limit=1, requeue=requeue)
        except Exception:  # the database restarting must not end the worker
            log.exception("worker %s: looking for jobs failed", name)
            ran = 0
        if not ran:  # nothing was queued: wait before looking again
            stopping.wait(poll_seconds)
    log.info("worker %s stopped", name)


def stop_on_signals() -> threading.Event:
    """An event set by SIGTERM or SIGINT (systemd stopping the unit, Ctrl-C)."""
    stopping = threading.Event()

    def stop(_signum: int, _frame: object) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    return stopping
