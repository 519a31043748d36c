"""The points register: a grid's points with this month's and last month's
supervisions (a month below the minimum flagged), a point's page with its 督导台帐 and
the form to add one. Scoped by grid like every register; grid staff and stations write."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from app.auth.decorators import require
from app.auth.roles import Permission
from app.core.forms import saving
from app.core.scoping import get_visible_or_404, scoped_select
from app.core.timeutil import local_today
from app.extensions import db
from app.org.services import chosen_grid, grid_label, visible_grids
from app.registry import bp
from app.registry.points import services
from app.registry.points.forms import PointForm, SupervisionForm
from app.registry.points.models import ResponsibilityPoint


@bp.route("/points/")
@login_required
def point_list():
    """The grid's points, with this month's supervisions and last month's (flagged
    under 每月督导 1 次)."""
    grids = visible_grids()
    grid = chosen_grid(grids, request.args.get("grid", type=int)) or (grids[0] if grids else None)
    today = local_today()
    this_first, this_last = services.month_bounds(today.year, today.month)
    last_first, last_last = services.month_bounds(*services.previous_month(today))
    points = []
    if grid is not None:
        points = list(
            db.session.scalars(
                scoped_select(ResponsibilityPoint)
                .where(ResponsibilityPoint.grid_id == grid.id)
                .order_by(ResponsibilityPoint.is_active.desc(), ResponsibilityPoint.kind, ResponsibilityPoint.name)
            )
        )
    ids = [p.id for p in points]
    this_month = services.supervision_counts(ids, this_first, this_last)
    last_month = services.supervision_counts(ids, last_first, last_last)
    short = [p for p in points if p.is_active and services.short_of_minimum(p, last_month.get(p.id, 0), last_first)]
    return render_template(
        "registry/point_list.html",
        grids=grids,
        grid=grid,
        points=points,
        this_month=this_month,
        last_month=last_month,
        short={p.id for p in short},
        last_label=last_first.strftime("%Y-%m"),
        kinds=services.POINT_KINDS,
        minimum=services.MONTHLY_MINIMUM,
        target=services.MONTHLY_TARGET,
        grid_label=grid_label,
        can_edit=current_user.can(Permission.EDIT_REGISTERS),
    )


def _values(form: PointForm) -> services.PointValues:
    return services.PointValues(
        form.kind.data,
        form.name.data or "",
        form.place.data or "",
        form.responsible_unit.data or "",
        form.responsible_person.data or "",
        form.note.data or "",
    )


@bp.route("/points/new", methods=["GET", "POST"])
@login_required
def create_point():
    require(Permission.EDIT_REGISTERS)
    grids = visible_grids()
    form = PointForm()
    form.grid_id.choices = [(g.id, grid_label(g)) for g in grids]
    if request.method == "GET":
        form.grid_id.data = request.args.get("grid", type=int) or (grids[0].id if grids else None)
    if form.validate_on_submit():
        grid = next((g for g in grids if g.id == form.grid_id.data), None)
        if grid is None:
            form.grid_id.errors = [_("请从列表中选择。")]
        else:
            with saving(form) as saved:
                point = services.create_point(grid, _values(form))
            if saved:
                flash(_("已登记点位：%(name)s", name=point.name), "success")
                return redirect(url_for("registry.point_detail", point_id=point.id), 303)
    status = 400 if request.method == "POST" else 200
    return render_template("registry/point_form.html", form=form, point=None), status


@bp.route("/points/<int:point_id>/edit", methods=["GET", "POST"])
@login_required
def edit_point(point_id: int):
    point = get_visible_or_404(ResponsibilityPoint, point_id)
    require(Permission.EDIT_REGISTERS)
    form = PointForm(obj=None if request.method == "POST" else point)
    del form.grid_id  # a point stays in its grid
    if form.validate_on_submit():
        with saving(form) as saved:
            changed = services.update_point(point, _values(form), bool(form.is_active.data))
        if saved:
            flash(_("已保存。") if changed else _("没有修改。"), "success")
            return redirect(url_for("registry.point_detail", point_id=point.id), 303)
    status = 400 if request.method == "POST" else 200
    return render_template("registry/point_form.html", form=form, point=point), status


def _render_point(point: ResponsibilityPoint, form: SupervisionForm | None = None, status: int = 200):
    if form is None:
        form = SupervisionForm(formdata=None)
        form.supervised_on.data = local_today()
        form.supervisors.data = current_user.display_name or current_user.username
    # Here: matters, patrols and supervision import this package's models.
    from app.matters.models import Matter
    from app.patrols.models import Patrol, PatrolFinding
    from app.supervision.access import may_supervise
    from app.supervision.inspections import inspections_of_place

    today = local_today()
    first, last = services.month_bounds(today.year, today.month)
    matters = db.session.scalars(
        scoped_select(Matter).where(Matter.point_id == point.id).order_by(Matter.created_at.desc()).limit(20)
    )
    findings = db.session.scalars(
        scoped_select(PatrolFinding)
        .join(Patrol, Patrol.id == PatrolFinding.patrol_id)
        .where(PatrolFinding.point_id == point.id)
        .options(selectinload(PatrolFinding.patrol))
        .order_by(Patrol.patrol_date.desc(), PatrolFinding.id.desc())
        .limit(20)
    )
    return render_template(
        "registry/point_detail.html",
        point=point,
        form=form,
        kinds=services.POINT_KINDS,
        this_month=services.supervision_counts([point.id], first, last).get(point.id, 0),
        matters=list(matters),
        findings=list(findings),
        inspections=inspections_of_place(point, current_user),
        can_edit=current_user.can(Permission.EDIT_REGISTERS),
        may_report=current_user.can(Permission.REPORT_MATTERS),
        may_inspect=may_supervise(current_user),
    ), status


@bp.route("/points/<int:point_id>")
@login_required
def point_detail(point_id: int):
    return _render_point(get_visible_or_404(ResponsibilityPoint, point_id))


@bp.route("/points/<int:point_id>/supervisions", methods=["POST"])
@login_required
def supervise_point(point_id: int):
    point = get_visible_or_404(ResponsibilityPoint, point_id)
    require(Permission.EDIT_REGISTERS)
    form = SupervisionForm()
    if form.validate_on_submit():
        with saving(form) as saved:
            services.record_supervision(
                point,
                form.supervised_on.data,
                form.supervisors.data or "",
                bool(form.found_problem.data),
                form.finding.data or "",
                current_user,
                local_today(),
            )
        if saved:
            flash(_("已记录督导。"), "success")
            return redirect(url_for("registry.point_detail", point_id=point.id), 303)
    return _render_point(point, form, 400)
