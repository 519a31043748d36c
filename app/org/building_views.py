"""Buildings (楼栋): created in a community, placed in one of its grids."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.auth import audit
from app.auth.roles import Permission
from app.core.scoping import get_visible_or_404, scoped_select
from app.extensions import db
from app.org import bp
from app.org.forms import BuildingForm
from app.org.models import Building, Division, Level, StaffAssignment, StaffMember, StaffRole
from app.org.ordering import people_in_order


def _fill_choices(form: BuildingForm, community: Division) -> None:
    grids = list(
        db.session.scalars(
            scoped_select(Division)
            .where(Division.parent_id == community.id, Division.level == Level.GRID.value, Division.status == "active")
            .order_by(Division.code)
        )
    )
    choices = [(g.id, f"{g.code} {g.name}") for g in grids]
    # Only those who may see the community itself may leave a building outside all grids.
    if db.session.scalar(scoped_select(Division).where(Division.id == community.id)) is not None:
        choices.insert(0, (0, _("（暂未入格）")))
    form.grid_id.choices = choices
    chiefs = people_in_order(
        db.session.scalars(
            scoped_select(StaffMember).where(
                StaffMember.id.in_(
                    select(StaffAssignment.staff_id)
                    .join(Division, Division.id == StaffAssignment.division_id)
                    .where(Division.parent_id == community.id, StaffAssignment.role == StaffRole.BUILDING_CHIEF.value)
                )
            )
        )
    )
    form.chief_staff_id.choices = [(0, _("（无）"))] + [(s.id, s.name) for s in chiefs]


def _apply(form: BuildingForm, building: Building) -> str | None:
    """Copy the form onto the building; a Chinese error for a choice that is not allowed."""
    allowed_grids = {value for value, _label in form.grid_id.choices}
    if form.grid_id.data not in allowed_grids:
        return _("请选择本社区（村）的在用网格。")
    allowed_chiefs = {value for value, _label in form.chief_staff_id.choices}
    if form.chief_staff_id.data not in allowed_chiefs:
        return _("请选择本社区（村）的楼栋长。")
    building.number = form.number.data.strip()
    building.name = (form.name.data or "").strip()
    building.address = form.address.data.strip()
    building.grid_id = form.grid_id.data or None
    building.floors = form.floors.data
    building.units = form.units.data
    building.chief_staff_id = form.chief_staff_id.data or None
    building.note = form.note.data or ""
    return None


def _number_taken(community_id: int, number: str, exclude_id: int | None = None) -> bool:
    statement = select(Building.id).where(Building.community_id == community_id, Building.number == number.strip())
    if exclude_id:
        statement = statement.where(Building.id != exclude_id)
    return db.session.scalar(statement) is not None


@bp.route("/divisions/<int:division_id>/buildings/new", methods=["GET", "POST"])
@login_required
def create_building(division_id: int):
    """A building in a community (or in a grid of it: ?grid=ID preselects)."""
    community = db.session.get(Division, division_id)
    if community is None or community.level != Level.COMMUNITY.value:
        abort(404)
    form = BuildingForm()
    _fill_choices(form, community)
    if not form.grid_id.choices:
        abort(404)  # the user sees neither the community nor any of its grids
    if not current_user.can(Permission.EDIT_BUILDINGS):
        abort(403)
    if request.method == "GET":
        preselect = request.args.get("grid", type=int)
        form.grid_id.data = preselect if preselect in dict(form.grid_id.choices) else form.grid_id.choices[0][0]
    if form.validate_on_submit():
        building = Building(community=community)
        problem = _apply(form, building)
        if problem:
            form.grid_id.errors = [problem]
        elif _number_taken(community.id, form.number.data):
            form.number.errors = [_("本社区（村）已有该编号的楼栋。")]
        else:
            db.session.add(building)
            db.session.flush()
            audit.record("building_created", target=building, summary=building.label)
            db.session.commit()
            flash(_("楼栋已保存。"), "success")
            return redirect(url_for("org.building_detail", building_id=building.id), code=303)
    return render_template("org/building_form.html", form=form, community=community, building=None)


@bp.route("/buildings/<int:building_id>")
@login_required
def building_detail(building_id: int):
    building = get_visible_or_404(Building, building_id)
    return render_template("org/building.html", building=building)


@bp.route("/buildings/<int:building_id>/edit", methods=["GET", "POST"])
@login_required
def edit_building(building_id: int):
    building = get_visible_or_404(Building, building_id)
    if not current_user.can(Permission.EDIT_BUILDINGS):
        abort(403)
    form = BuildingForm(obj=building)
    _fill_choices(form, building.community)
    if building.chief is not None and building.chief_staff_id not in dict(form.chief_staff_id.choices):
        # A chief the user does not otherwise see (say, of a neighbouring grid) stays
        # offered and selected, so saving the form does not drop them unseen.
        form.chief_staff_id.choices.append((building.chief_staff_id, building.chief.name))
    if request.method == "GET":
        form.grid_id.data = building.grid_id or 0
        form.chief_staff_id.data = building.chief_staff_id or 0
    if form.validate_on_submit():
        problem = _apply(form, building)
        if problem:
            db.session.rollback()
            form.grid_id.errors = [problem]
        elif _number_taken(building.community_id, form.number.data, building.id):
            db.session.rollback()
            form.number.errors = [_("本社区（村）已有该编号的楼栋。")]
        else:
            db.session.commit()
            flash(_("楼栋已保存。"), "success")
            return redirect(url_for("org.building_detail", building_id=building.id), code=303)
    return render_template("org/building_form.html", form=form, community=building.community, building=building)
