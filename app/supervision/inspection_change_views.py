"""Correcting inspections after they were saved (the supervision group, as when
recording them): the inspection's facts, further problems, a problem's wording,
and the latest re-check, corrected or deleted after a confirmation page (a plain
POST form). Another grid's record is a 404; any other role gets 403."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.core.forms import saving
from app.core.scoping import get_visible_or_404
from app.core.timeutil import local_today
from app.supervision import access, bp, inspection_changes
from app.supervision import inspections as services
from app.supervision.forms import ConfirmForm, InspectionEditForm, ProblemForm, ProblemsForm, RecheckForm
from app.supervision.inspection_views import place_choices
from app.supervision.models import Inspection, Rectification


def _supervised_or_404(model, record_id: int):
    record = get_visible_or_404(model, record_id)
    if not access.may_supervise(current_user):
        abort(403)
    return record


def _back(inspection_id: int):
    return redirect(url_for("supervision.inspection_detail", inspection_id=inspection_id), 303)


@bp.route("/inspections/<int:inspection_id>/edit", methods=["GET", "POST"])
@login_required
def edit_inspection(inspection_id: int):
    """Correct an inspection's date, inspectors, items checked, point and note."""
    inspection = _supervised_or_404(Inspection, inspection_id)
    form = InspectionEditForm(obj=inspection)
    place_choices(form, inspection.grid, keep=inspection.place)
    if request.method == "GET":
        form.place.data = services.place_key(inspection.place) if inspection.place else ""
        form.point.data = "" if inspection.place else inspection.point
    if form.validate_on_submit():
        with saving(form) as saved:
            values = services.InspectionValues(
                inspected_on=form.inspected_on.data,
                inspectors=form.inspectors.data or "",
                items_checked=form.items_checked.data or "",
                point=form.point.data or "",
                note=form.note.data or "",
                place=services.place_from_key(form.place.data, current_user),
            )
            changed = inspection_changes.update_inspection(inspection, values, current_user, local_today())
        if saved:
            flash(_("已保存督查记录。") if changed else _("没有修改。"), "success")
            return _back(inspection_id)
    return render_template("supervision/inspection_form.html", form=form, inspection=inspection)


@bp.route("/inspections/<int:inspection_id>/problems", methods=["GET", "POST"])
@login_required
def add_problems(inspection_id: int):
    """Further problems found by the inspection, each a rectification with its deadline."""
    inspection = _supervised_or_404(Inspection, inspection_id)
    form = ProblemsForm()
    if form.validate_on_submit():
        with saving(form) as saved:
            inspection_changes.add_problems(inspection, form.problems.data or "", form.deadline.data, current_user)
        if saved:
            flash(_("已补充发现的问题。"), "success")
            return _back(inspection_id)
    return render_template("supervision/problems_form.html", form=form, inspection=inspection)


@bp.route("/rectifications/<int:rectification_id>/edit", methods=["GET", "POST"])
@login_required
def edit_rectification(rectification_id: int):
    """Correct how a problem was written down."""
    rectification = _supervised_or_404(Rectification, rectification_id)
    form = ProblemForm(obj=rectification)
    if form.validate_on_submit():
        with saving(form) as saved:
            changed = inspection_changes.update_problem(rectification, form.problem.data or "", current_user)
        if saved:
            flash(_("已更正问题。") if changed else _("没有修改。"), "success")
            return _back(rectification.inspection_id)
    return render_template("supervision/problem_form.html", form=form, rectification=rectification)


@bp.route("/rectifications/<int:rectification_id>/recheck/edit", methods=["GET", "POST"])
@login_required
def edit_recheck(rectification_id: int):
    """Correct the latest 回头看 of a rectification."""
    rectification = _supervised_or_404(Rectification, rectification_id)
    if not rectification.rechecks:
        abort(404)
    latest = rectification.rechecks[-1]
    form = RecheckForm(obj=latest)
    if request.method == "GET":
        form.result.data = "passed" if latest.passed else "failed"
    if form.validate_on_submit():
        with saving(form) as saved:
            changed = inspection_changes.update_latest_recheck(
                rectification,
                form.checked_on.data,
                form.result.data == "passed",
                form.note.data or "",
                form.new_deadline.data,
                current_user,
                local_today(),
            )
        if saved:
            flash(_("已更正回头看记录。") if changed else _("没有修改。"), "success")
            return _back(rectification.inspection_id)
    return render_template(
        "supervision/recheck_form.html",
        form=form,
        rectification=rectification,
        correcting=latest,
        today=local_today(),
        status_of=services.rectification_status,
        status_label=services.status_label,
    )


@bp.route("/rectifications/<int:rectification_id>/recheck/delete", methods=["GET", "POST"])
@login_required
def delete_recheck(rectification_id: int):
    """Delete the latest 回头看 entered by mistake, after confirming."""
    rectification = _supervised_or_404(Rectification, rectification_id)
    if not rectification.rechecks:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        with saving(form) as saved:
            inspection_changes.delete_latest_recheck(rectification, current_user)
        if saved:
            flash(_("已删除回头看记录。"), "success")
            return _back(rectification.inspection_id)
    return render_template(
        "supervision/recheck_delete.html", form=form, rectification=rectification, latest=rectification.rechecks[-1]
    )
