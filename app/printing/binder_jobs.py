"""Binder jobs: a binder takes longer than a request may (WeasyPrint lays out about
0.15 s a page on these machines), so it is built in a background thread of the server
process and its progress kept in memory here. A restart loses running jobs; finished
files stay on disk under instance/binders/ for BINDER_KEEP_DAYS, and laid-out parts in
the print cache for PRINT_CACHE_KEEP_DAYS after their last use (both pruned when a
binder starts). Tokens are random (secrets.token_urlsafe) and a job is shown only to
the user who started it."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from flask import Flask, current_app
from flask_babel import force_locale, get_locale

from app.core.private_files import private_folder, write_private
from app.extensions import db


@dataclass
class BinderJob:
    token: str
    owner_id: int
    title: str
    status: str = "running"  # running, done, failed
    done: int = 0
    total: int = 0
    label: str = ""
    path: str | None = None
    pages: int = 0
    reused_parts: int = 0
    laid_out_parts: int = 0
    changed_sections: int = 0
    only_changed: bool = False
    error: str = ""
    thread: threading.Thread | None = field(default=None, repr=False)

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0


_jobs: dict[str, BinderJob] = {}
_lock = threading.Lock()


def binder_folder(app: Flask) -> Path:
    return private_folder(Path(app.instance_path) / "binders")


def prune_old_files(app: Flask) -> None:
    """Binders past BINDER_KEEP_DAYS and cached parts unused for PRINT_CACHE_KEEP_DAYS."""
    from app.printing.assembly import PrintCache

    cutoff = time.time() - app.config["BINDER_KEEP_DAYS"] * 86400
    for path in binder_folder(app).glob("*.pdf"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            pass
    PrintCache(Path(app.instance_path) / "print-cache").prune(app.config["PRINT_CACHE_KEEP_DAYS"])


def start(user, division_id: int, start_day: date, end_day: date, title: str, only_changed: bool = False) -> BinderJob:
    """Start building the binder in a thread; the job is the caller's to watch."""
    app = current_app._get_current_object()
    locale = str(get_locale() or "zh_CN")
    prune_old_files(app)
    job = BinderJob(token=secrets.token_urlsafe(24), owner_id=user.id, title=title, only_changed=only_changed)
    with _lock:
        _jobs[job.token] = job
    job.thread = threading.Thread(
        target=_run,
        args=(app, job, user.id, division_id, start_day, end_day, locale),
        name=f"binder-{job.token[:6]}",
        daemon=True,
    )
    job.thread.start()
    return job


def get(token: str, user) -> BinderJob | None:
    """The job, only for its owner (anyone else: as if it did not exist)."""
    job = _jobs.get(token)
    if job is None or user is None or job.owner_id != getattr(user, "id", None):
        return None
    return job


def wait(token: str, timeout: float | None = None) -> BinderJob | None:
    """Block until the job ends (tests, the command line)."""
    job = _jobs.get(token)
    if job is not None and job.thread is not None:
        job.thread.join(timeout)
    return job


def _run(
    app: Flask, job: BinderJob, user_id: int, division_id: int, start_day: date, end_day: date, locale: str
) -> None:
    from app.auth import audit
    from app.auth.models import User
    from app.core.database import write_transactions
    from app.org.models import Division
    from app.printing.binder import build_binder
    from app.printing.views import print_detail, print_summary

    def progress(done: int, total: int, label: str) -> None:
        job.done, job.total, job.label = done, total, label

    with app.app_context(), force_locale(locale):
        try:
            user = db.session.get(User, user_id)
            division = db.session.get(Division, division_id)
            result = build_binder(division, start_day, end_day, user, progress=progress, only_changed=job.only_changed)
            path = binder_folder(app) / f"{job.token}.pdf"
            write_private(path, result.pdf)
            detail = print_detail(
                f"{job.title} (binder)", f"{division.full_name} {start_day} — {end_day}", result.records, result
            )
            detail["sections"] = len(result.included)
            if job.only_changed:
                detail["only_changed"] = True
            db.session.rollback()
            with write_transactions():
                audit.record("printed", summary=print_summary(detail), detail=detail, actor=user)
                db.session.commit()
            job.reused_parts, job.laid_out_parts = result.reused_parts, result.laid_out_parts
            job.changed_sections = sum(1 for s in result.sections if s.changed)
            job.path, job.pages, job.status = str(path), result.pages, "done"
        except Exception as error:  # the page must say it failed rather than spin forever
            app.logger.exception("binder %s failed", job.token[:6])
            job.status, job.error = "failed", str(error)[:200] or type(error).__name__
        finally:
            db.session.remove()
