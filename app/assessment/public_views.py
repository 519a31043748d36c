"""The public satisfaction form of a grid (no login): one anonymous answer per
submission for the current half-year, with the intake form's honeypot and an
hourly limit per client (a salted hash of its address, never the address)."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.assessment import bp, surveys
from app.assessment.forms import PublicSurveyForm
from app.core.forms import RuleError, attach_error
from app.core.timeutil import local_today, utcnow
from app.extensions import db
from app.public import services as public


@bp.route("/public/grids/<grid_code>/survey", methods=["GET", "POST"])
def public_survey(grid_code: str):
    """满意度评价: how satisfied a resident is with the grid's service."""
    grid = public.active_division(grid_code, "grid")
    if grid is None:
        abort(404)
    form = PublicSurveyForm()
    status = 200
    if request.method == "POST":
        if form.website.data:
            form.form_errors.append(_("提交未成功：请清空“请勿填写此项”一栏后再提交。"))
            status = 400
        elif form.validate_on_submit():
            try:
                surveys.add_public_answer(
                    grid,
                    form.answer.data,
                    public.client_fingerprint(f"ip:{request.remote_addr}"),
                    utcnow(),
                    local_today(),
                )
            except RuleError as error:
                db.session.rollback()
                attach_error(form, error)
                status = 429 if isinstance(error, surveys.SurveyThrottled) else 400
            else:
                db.session.commit()
                return redirect(url_for("assessment.public_survey", grid_code=grid.code, thanks=1), 303)
        else:
            status = 400
    year, half = surveys.half_of(local_today())
    return render_template(
        "assessment/public_survey.html",
        form=form,
        grid=grid,
        year=year,
        half=surveys.half_label(half),
        thanks=request.args.get("thanks") == "1",
    ), status
