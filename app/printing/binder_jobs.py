"""Binder jobs: a binder takes longer than a request may (WeasyPrint lays out about
0.15 s a page on these machines), so starting one queues a background job
(app/core/jobs.py) that `flask worker` builds. The job's row holds its progress and
result, so its page can be shown by any server process and survives restarts. The
finished file is kept in the print folder's binders/ (PRINT_FOLDER: the instance
folder unless set; shared by every machine that serves) for BINDER_KEEP_DAYS, laid-out
parts in its print-cache/ for PRINT_CACHE_KEEP_DAYS after their last use (both pruned
when a binder starts). A job is shown only to the user who started it."""

from __future__ import annotations

import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from flask_babel import force_locale, get_locale
from sqlalchemy import delete

from app.core import jobs
from app.core.private_files import private_folder, write_private
from app.core.timeutil import utcnow
from app.extensions import db
from app.printing.assembly import PrintCache, print_folder

KIND = "binder"


def binder_folder(app: Flask) -> Path:
    return private_folder(print_folder(app) / "binders")


def binder_path(app: Flask, job: jobs.BackgroundJob) -> Path | None:
    """The finished binder's file, if the job is done and the file still kept."""
    if job.status != jobs.DONE or not job.result:
        return None
    path = binder_folder(app) / f"{job.token}.pdf"
    return path if path.is_file() else None


def prune_old_files(app: Flask) -> None:
    """Binders past BINDER_KEEP_DAYS (their job rows too) and cached parts unused for
    PRINT_CACHE_KEEP_DAYS."""
    keep_days = app.config["BINDER_KEEP_DAYS"]
    cutoff = time.time() - keep_days * 86400
    for path in binder_folder(app).glob("*.pdf"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            pass
    db.session.execute(
        delete(jobs.BackgroundJob).where(
            jobs.BackgroundJob.kind == KIND,
            jobs.BackgroundJob.status.in_((jobs.DONE, jobs.FAILED)),
            jobs.BackgroundJob.created_at < utcnow() - timedelta(days=keep_days),
        )
    )
    PrintCache(print_folder(app) / "print-cache").prune(app.config["PRINT_CACHE_KEEP_DAYS"])


def start(
    user, division_id: int, start_day: date, end_day: date, title: str, only_changed: bool = False
) -> jobs.BackgroundJob:
    """Queue the binder, in the caller's transaction; the caller commits."""
    prune_old_files(current_app._get_current_object())
    params = {
        "division_id": division_id,
        "start": start_day.isoformat(),
        "end": end_day.isoformat(),
        "only_changed": only_changed,
        "locale": str(get_locale() or "zh_CN"),
    }
    return jobs.enqueue(KIND, user.id, title, params)


def get(token: str, user) -> jobs.BackgroundJob | None:
    """The job, only for its owner (anyone else: as if it did not exist)."""
    return jobs.find(token, getattr(user, "id", None))


@jobs.handler(KIND)
def build(job: jobs.BackgroundJob, progress: jobs.Progress) -> dict[str, Any]:
    from app.auth import audit
    from app.auth.models import User
    from app.core.database import write_transactions
    from app.org.models import Division
    from app.printing.binder import build_binder
    from app.printing.views import print_detail, print_summary

    app = current_app._get_current_object()
    params = job.params
    start_day, end_day = date.fromisoformat(params["start"]), date.fromisoformat(params["end"])
    only_changed = bool(params.get("only_changed"))
    token, title = job.token, job.title
    with force_locale(params.get("locale") or "zh_CN"):
        user = db.session.get(User, job.owner_id)
        division = db.session.get(Division, params["division_id"])
        if user is None or division is None:
            raise LookupError("the account or the unit no longer exists")
        result = build_binder(division, start_day, end_day, user, progress=progress, only_changed=only_changed)
        write_private(binder_folder(app) / f"{token}.pdf", result.pdf)
        detail = print_detail(
            f"{title} (binder)", f"{division.full_name} {start_day} — {end_day}", result.records, result
        )
        detail["sections"] = len(result.included)
        if only_changed:
            detail["only_changed"] = True
        db.session.rollback()
        with write_transactions():
            audit.record("printed", summary=print_summary(detail), detail=detail, actor=db.session.get(User, user.id))
            db.session.commit()
    return {
        "pages": result.pages,
        "reused_parts": result.reused_parts,
        "laid_out_parts": result.laid_out_parts,
        "changed_sections": sum(1 for s in result.sections if s.changed),
        "only_changed": only_changed,
    }
