"""Patrol pages: the list, recording a patrol, its findings (add a row with htmx,
or as a plain form), a finding reported as a matter, and weekly compliance."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from app.auth.decorators import require
from app.auth.roles import Permission
from app.core.forms import attach_error
from app.core.location import from_form
from app.core.pagination import paginate
from app.core.rendering import private_photo, render_page, wants_fragment
from app.core.scoping import get_visible_or_404, scoped_select
from app.core.timeutil import local_today
from app.extensions import db
from app.org.models import Division
from app.org.services import chosen_grid, grid_label, visible_grids
from app.patrols import bp, compliance, photos, reference, services
from app.patrols.forms import FindingForm, FindingReportForm, PatrolForm, matter_class_choices
from app.patrols.models import FindingPhoto, Patrol, PatrolFinding
from app.patrols.picking import grid_ids_of, picked_unit, picked_week, unit_choices
from app.registry.points.forms import point_select_choices

PER_PAGE = 30
COMPLIANCE_WEEKS = 4


@bp.route("/patrols/")
@login_required
def patrol_list():
    """Patrols of the grids the user may see, newest first (one grid or community with ?division_id=)."""
    statement = scoped_select(Patrol)
    unit = None
    if request.args.get("division_id", type=int):
        unit = picked_unit()
        statement = statement.where(Patrol.grid_id.in_(grid_ids_of(unit)))
    # The rows show each patrol's grid, worker and number of findings: loaded with the
    # page, not one query per row.
    page = paginate(
        statement.options(
            selectinload(Patrol.grid), selectinload(Patrol.staff), selectinload(Patrol.findings)
        ).order_by(Patrol.patrol_date.desc(), Patrol.start_time.desc(), Patrol.id.desc()),
        per_page=PER_PAGE,
    )
    return render_page(
        "patrols/list.html",
        fragment="patrols/_rows.html",
        target_id="patrol-rows",
        page=page,
        unit=unit,
        units=unit_choices(),
        may_write=current_user.can(Permission.EDIT_REGISTERS),
    )


def _fill_patrol_choices(form: PatrolForm) -> list[Division]:
    grids = visible_grids()
    form.grid_id.choices = [(g.id, grid_label(g)) for g in grids]
    grid = chosen_grid(grids, form.grid_id.data) or (grids[0] if grids else None)
    day = form.patrol_date.data or local_today()
    workers = services.grid_workers(grid.id, day) if grid else []
    form.staff_id.choices = [(s.id, s.name) for s in workers]
    return grids


@bp.route("/patrols/new", methods=["GET", "POST"])
@login_required
def new_patrol():
    """Record a patrol; the findings follow on its page."""
    require(Permission.EDIT_REGISTERS)
    form = PatrolForm()
    if request.method == "GET":
        form.patrol_date.data = local_today()
        form.grid_id.data = request.args.get("grid_id", type=int)
    grids = _fill_patrol_choices(form)
    if request.method == "GET":
        own = services.own_staff(current_user)
        if own is not None and any(own.id == value for value, _label in form.staff_id.choices):
            form.staff_id.data = own.id
    if form.validate_on_submit():
        grid = chosen_grid(grids, form.grid_id.data)
        if grid is None:
            form.grid_id.errors.append(_("请选择网格。"))
        else:
            values = services.PatrolValues(
                grid=grid,
                staff_id=form.staff_id.data or 0,
                patrol_date=form.patrol_date.data,
                start_time=form.start_time.data,
                end_time=form.end_time.data,
                route=form.route.data or "",
                note=form.note.data or "",
                start_position=from_form(form, "start_"),
                end_position=from_form(form, "end_"),
            )
            try:
                patrol = services.record_patrol(values, current_user)
            except services.FieldworkError as error:
                db.session.rollback()
                attach_error(form, error)
            else:
                db.session.commit()
                flash(_("巡查已保存。"), "success")
                return redirect(url_for("patrols.patrol_detail", patrol_id=patrol.id), 303)
    return render_template("patrols/form.html", form=form)


def _finding_form(patrol: Patrol, *, empty: bool = False) -> FindingForm:
    """The add-a-finding form: bound to what was posted, or empty for the next
    finding (after an htmx add, so a second click does not file the same again)."""
    form = FindingForm(formdata=None) if empty else FindingForm()
    form.matter_class.choices = matter_class_choices(_("（不上报）"))
    form.point_id.choices = point_select_choices([patrol.grid_id])
    return form


def _detail(patrol: Patrol, form: FindingForm | None = None, notice: str = ""):
    return render_page(
        "patrols/detail.html",
        fragment="patrols/_findings.html",
        target_id="findings",
        patrol=patrol,
        form=form or _finding_form(patrol, empty=True),
        report_form=FindingReportForm(),
        notice=notice,
        may_write=current_user.can(Permission.EDIT_REGISTERS),
    )


@bp.route("/patrols/<int:patrol_id>")
@login_required
def patrol_detail(patrol_id: int):
    return _detail(get_visible_or_404(Patrol, patrol_id))


@bp.route("/patrols/<int:patrol_id>/findings", methods=["POST"])
@login_required
def add_finding(patrol_id: int):
    """Add a finding; with a matter class chosen it is reported as a matter at once."""
    patrol = get_visible_or_404(Patrol, patrol_id)
    require(Permission.EDIT_REGISTERS)
    form = _finding_form(patrol)
    if form.validate_on_submit():
        values = services.FindingValues(
            description=form.description.data,
            place=form.place.data or "",
            point_id=form.point_id.data or None,
            handled_on_spot=form.handled_on_spot.data,
            handling=form.handling.data or "",
            position=from_form(form),
        )
        try:
            jpegs = photos.read_all(form.photos.data)
            finding = services.add_finding(patrol, values, current_user)
            photos.attach(finding, jpegs)
            matter = None
            if form.matter_class.data and not values.handled_on_spot:
                matter = services.report_finding(finding, form.matter_class.data, current_user)
        except services.FieldworkError as error:
            db.session.rollback()
            attach_error(form, error)
            patrol = db.session.get(Patrol, patrol_id)
        else:
            db.session.commit()
            message = _("已上报，事件编号 %(number)s。", number=matter.number) if matter else _("已添加。")
            if wants_fragment("findings"):
                return _detail(db.session.get(Patrol, patrol_id), notice=message)
            flash(message, "success")
            return redirect(url_for("patrols.patrol_detail", patrol_id=patrol_id), 303)
    return _detail(patrol, form)


@bp.route("/patrols/<int:patrol_id>/findings/<int:finding_id>/photos/<int:photo_id>")
@login_required
def finding_photo(patrol_id: int, finding_id: int, photo_id: int):
    patrol = get_visible_or_404(Patrol, patrol_id)
    photo = db.session.get(FindingPhoto, photo_id)
    if photo is None or photo.finding_id != finding_id or photo.finding.patrol_id != patrol.id:
        abort(404)
    return private_photo(photos.path_of(photo, thumbnail=request.args.get("size") == "thumb"))


@bp.route("/patrols/<int:patrol_id>/findings/<int:finding_id>/matter", methods=["POST"])
@login_required
def report_finding(patrol_id: int, finding_id: int):
    """Open a matter from a finding in one step."""
    patrol = get_visible_or_404(Patrol, patrol_id)
    finding = get_visible_or_404(PatrolFinding, finding_id)
    if finding.patrol_id != patrol.id:
        abort(404)
    require(Permission.EDIT_REGISTERS)
    form = FindingReportForm()
    if not form.validate_on_submit():
        flash(_("请选择事件大类。"), "error")
        return redirect(url_for("patrols.patrol_detail", patrol_id=patrol.id), 303)
    try:
        matter = services.report_finding(finding, form.class_code.data, current_user)
    except services.FieldworkError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("patrols.patrol_detail", patrol_id=patrol.id), 303)
    db.session.commit()
    flash(_("已上报，事件编号 %(number)s。", number=matter.number), "success")
    return redirect(url_for("matters.matter_detail", matter_id=matter.id), 303)


@bp.route("/patrols/compliance")
@login_required
def patrol_compliance():
    """Each grid worker's patrols per week against the quota; behind ones flagged."""
    unit = picked_unit()
    last = picked_week()
    weeks = [last - timedelta(weeks=i) for i in reversed(range(COMPLIANCE_WEEKS))]
    rows = compliance.compliance_table(grid_ids_of(unit), weeks)
    return render_template(
        "patrols/compliance.html",
        unit=unit,
        units=unit_choices(),
        weeks=weeks,
        rows=rows,
        quota=reference.patrols_per_week(),
        previous=last - timedelta(weeks=COMPLIANCE_WEEKS),
        following=last + timedelta(weeks=COMPLIANCE_WEEKS),
    )
