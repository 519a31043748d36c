"""Supervision (督查): inspections of grids recorded by town and county staff, the
rectifications they open, re-checks (回头看), and the hub page of the package. The
inspected grid's station and workers see them; another grid's record is a 404."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.core.forms import saving
from app.core.pagination import paginate
from app.core.scoping import get_visible_or_404, scoped_select, visible_division_ids
from app.core.timeutil import local_today
from app.extensions import db
from app.org.services import chosen_grid, grid_label, visible_grids
from app.supervision import access, bp, tasks
from app.supervision import inspections as services
from app.supervision.forms import InspectionForm, RecheckForm
from app.supervision.models import AssignedTask, Inspection, Rectification

PER_PAGE = 30


@bp.route("/supervision/")
@login_required
def hub():
    """Meetings, trainings, tasks and inspections, with what is overdue in the user's scope."""
    today = local_today()
    ids = visible_division_ids(current_user)
    # Overdue targets of tasks from above (not those this level gave itself).
    overdue_targets = db.session.scalar(
        select(func.count()).select_from(
            tasks.overdue_targets(today, ids).where(AssignedTask.issuing_division_id.not_in(ids)).subquery()
        )
    )
    # Overdue targets of the tasks this level gave.
    overdue_given = db.session.scalar(
        select(func.count()).select_from(
            tasks.overdue_targets(today).where(AssignedTask.issuing_division_id.in_(ids)).subquery()
        )
    )
    overdue_rectifications = db.session.scalar(
        select(func.count()).select_from(services.overdue_rectifications(today, ids).subquery())
    )
    return render_template(
        "supervision/hub.html",
        overdue_targets=overdue_targets,
        overdue_given=overdue_given,
        overdue_rectifications=overdue_rectifications,
        may_assign=access.may_assign_tasks(current_user),
        may_give=access.may_task_from_meeting(current_user),
        may_supervise=access.may_supervise(current_user),
        may_record=access.may_record_meetings(current_user),
    )


@bp.route("/inspections/")
@login_required
def inspection_list():
    """Inspections of the grids in scope, newest first; ?grid= filters."""
    grid_id = request.args.get("grid", type=int)
    statement = scoped_select(Inspection)
    if grid_id:
        statement = statement.where(Inspection.grid_id == grid_id)
    # The point column names the registered shop or organisation: loaded with the page, not one a row.
    page = paginate(
        statement.options(
            selectinload(Inspection.grid),
            selectinload(Inspection.rectifications),
            selectinload(Inspection.shop),
            selectinload(Inspection.organisation),
        ).order_by(Inspection.inspected_on.desc(), Inspection.id.desc()),
        per_page=PER_PAGE,
    )
    return render_template(
        "supervision/inspection_list.html",
        page=page,
        grids=visible_grids(),
        grid_id=grid_id,
        today=local_today(),
        status_of=services.rectification_status,
        may_supervise=access.may_supervise(current_user),
    )


@bp.route("/rectifications/")
@login_required
def rectification_list():
    """Rectifications in scope: ?status=open (default, overdue first), overdue, passed or all."""
    status = request.args.get("status", "open")
    today = local_today()
    statement = scoped_select(Rectification).join(Inspection, Inspection.id == Rectification.inspection_id)
    if status == "overdue":
        statement = statement.where(Rectification.status == "open", Rectification.deadline < today)
    elif status in ("open", "passed"):
        statement = statement.where(Rectification.status == status)
    else:
        status = "all"
    page = paginate(
        statement.options(
            selectinload(Rectification.inspection).selectinload(Inspection.grid), selectinload(Rectification.rechecks)
        ).order_by(Rectification.deadline, Rectification.id),
        per_page=PER_PAGE,
    )
    return render_template(
        "supervision/rectification_list.html",
        page=page,
        status=status,
        today=today,
        status_of=services.rectification_status,
        status_label=services.status_label,
    )


def place_choices(form, grid, keep=None) -> None:
    """The place select: nothing (the whole grid, or a point typed below), then the
    grid's registered shops and organisations."""
    form.place.choices = [("", _("（不选）"))] + [
        (services.place_key(p), services.place_label(p)) for p in (services.places_of(grid, keep) if grid else [])
    ]


@bp.route("/inspections/new", methods=["GET", "POST"])
@login_required
def create_inspection():
    """Record an inspection of a grid in scope (?grid=ID; asked for first, so that the
    grid's registered places can be offered as the point)."""
    if not access.may_supervise(current_user):
        abort(403)
    grids = visible_grids()
    form = InspectionForm()
    if request.method == "GET":
        form.grid_id.data = request.args.get("grid", type=int)
        form.place.data = request.args.get("place", "")  # from a point's or a place's page
        form.inspected_on.data = local_today()
    grid = chosen_grid(grids, form.grid_id.data)
    if grid is None and request.method == "GET":
        return render_template("supervision/pick_grid.html", grids=grids)
    form.grid_id.choices = [(0, _("（请选择）"))] + [(g.id, grid_label(g)) for g in grids]
    place_choices(form, grid)
    if form.validate_on_submit():
        with saving(form) as saved:
            values = services.InspectionValues(
                inspected_on=form.inspected_on.data,
                inspectors=form.inspectors.data or "",
                items_checked=form.items_checked.data or "",
                problems=form.problems.data or "",
                deadline=form.deadline.data,
                point=form.point.data or "",
                note=form.note.data or "",
                place=services.place_from_key(form.place.data, current_user),
            )
            inspection = services.record_inspection(values, grid, current_user, local_today())
        if saved:
            flash(_("已保存督查记录。"), "success")
            return redirect(url_for("supervision.inspection_detail", inspection_id=inspection.id), 303)
    return render_template("supervision/inspection_form.html", form=form, inspection=None)


@bp.route("/inspections/<int:inspection_id>")
@login_required
def inspection_detail(inspection_id: int):
    """An inspection, its place (linked to the place's page) and its problems."""
    inspection = get_visible_or_404(Inspection, inspection_id)
    return render_template(
        "supervision/inspection_detail.html",
        inspection=inspection,
        today=local_today(),
        status_of=services.rectification_status,
        status_label=services.status_label,
        may_supervise=access.may_supervise(current_user),
    )


@bp.route("/rectifications/<int:rectification_id>/recheck", methods=["GET", "POST"])
@login_required
def recheck(rectification_id: int):
    """回头看 of one rectification: passed closes it; not passed keeps it open."""
    rectification = get_visible_or_404(Rectification, rectification_id)
    if not access.may_supervise(current_user):
        abort(403)
    form = RecheckForm()
    if request.method == "GET":
        form.checked_on.data = local_today()
    if form.validate_on_submit():
        with saving(form) as saved:
            services.record_recheck(
                rectification,
                form.checked_on.data,
                form.result.data == "passed",
                form.note.data or "",
                form.new_deadline.data,
                current_user,
                local_today(),
            )
        if saved:
            flash(_("已保存回头看记录。"), "success")
            return redirect(url_for("supervision.inspection_detail", inspection_id=rectification.inspection_id), 303)
    return render_template(
        "supervision/recheck_form.html",
        form=form,
        rectification=rectification,
        today=local_today(),
        status_of=services.rectification_status,
        status_label=services.status_label,
    )
