"""The inspection binder from the web: choose a grid or community and a period, the
binder is queued for `flask worker` (app/printing/binder_jobs.py), its page shows the
progress (htmx polling, or a plain refresh without JavaScript) and ends in a download
link for its owner."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.core.rendering import pdf_download, render_page
from app.core.timeutil import local_today
from app.extensions import db
from app.org.services import division_choices
from app.printing import binder_jobs, bp
from app.printing.forms import BinderForm
from app.printing.views import printable_divisions


@bp.route("/binders/new", methods=["GET", "POST"])
@login_required
def binder_new():
    """The start form; POST starts the job and redirects to its page."""
    divisions = printable_divisions()
    form = BinderForm()
    form.division_id.choices = division_choices(divisions)
    if request.method == "GET":
        today = local_today()
        form.start.data, form.end.data = today.replace(day=1), today
        return render_template("printing/binder_new.html", form=form)
    if not form.validate():
        return render_template("printing/binder_new.html", form=form), 400
    division = next((d for d in divisions if d.id == form.division_id.data), None)
    if division is None:
        form.division_id.errors = [_("请选择您管辖范围内的网格或社区（村）。")]
        return render_template("printing/binder_new.html", form=form), 400
    if form.end.data < form.start.data:
        form.end.errors = [_("截止日期早于起始日期。")]
        return render_template("printing/binder_new.html", form=form), 400
    title = _("迎检包：%(unit)s", unit=division.full_name)
    job = binder_jobs.start(
        current_user, division.id, form.start.data, form.end.data, title, only_changed=form.only_changed.data
    )
    db.session.commit()
    return redirect(url_for("printing.binder_job", token=job.token), 303)


def _own_job(token: str):
    job = binder_jobs.get(token, current_user)
    if job is None:
        abort(404)
    return job


@bp.route("/binders/<token>")
@login_required
def binder_job(token: str):
    """The job's progress (the fragment alone when htmx polls it)."""
    job = _own_job(token)
    kept = binder_jobs.binder_path(current_app, job) is not None
    response = render_page(
        "printing/binder_job.html", "printing/_binder_progress.html", "binder-progress", job=job, kept=kept
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/binders/<token>.pdf")
@login_required
def binder_file(token: str):
    """The finished binder, for the job's owner only."""
    job = _own_job(token)
    path = binder_jobs.binder_path(current_app, job)
    if path is None:
        abort(404)
    return pdf_download(str(path), job.title)
