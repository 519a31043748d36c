"""片区 pages: a community's areas (each with its grids and its 片区网格长 now), the form
to add one, and an area's page to rename it, set its grids or stop it. Stations,
towns and the county (EDIT_GRID_DATA) write; anyone who sees the community reads."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.auth.decorators import require
from app.auth.roles import Permission
from app.core.forms import saving
from app.core.scoping import get_visible_or_404, scoped_select, visible_ids
from app.extensions import db
from app.org import areas, bp
from app.org.models import Division, GridArea, Level, StaffMember, StaffRole
from app.org.services import active_assignments
from app.org.staff_forms import AreaForm


def _chiefs(area_ids: list[int]) -> dict[int, list]:
    found: dict[int, list] = {}
    communities = list(db.session.scalars(select(GridArea.community_id).where(GridArea.id.in_(area_ids))))
    for a in active_assignments(communities):
        if a.area_id in area_ids and a.role == StaffRole.AREA_CHIEF.value:
            found.setdefault(a.area_id, []).append(a.staff)
    return found


@bp.route("/divisions/<int:division_id>/areas", methods=["GET", "POST"])
@login_required
def community_areas(division_id: int):
    community = get_visible_or_404(Division, division_id)
    if community.level != Level.COMMUNITY.value:
        abort(404)
    form = AreaForm()
    del form.grid_ids, form.is_active
    if request.method == "POST":
        require(Permission.EDIT_GRID_DATA)
        if form.validate_on_submit():
            with saving(form) as saved:
                area = areas.create_area(community, form.name.data or "", form.note.data or "")
            if saved:
                flash(_("已添加片区：%(name)s", name=area.name), "success")
                return redirect(url_for("org.area_detail", area_id=area.id), 303)
    found = list(
        db.session.scalars(
            scoped_select(GridArea)
            .where(GridArea.community_id == community.id)
            .order_by(GridArea.is_active.desc(), GridArea.name)
        )
    )
    status = 400 if form.is_submitted() else 200
    return render_template(
        "org/areas.html",
        community=community,
        areas=found,
        chiefs=_chiefs([a.id for a in found]),
        form=form,
        can_edit=current_user.can(Permission.EDIT_GRID_DATA),
    ), status


@bp.route("/areas/<int:area_id>", methods=["GET", "POST"])
@login_required
def area_detail(area_id: int):
    area = get_visible_or_404(GridArea, area_id)
    grids = [g for g in area.community.children if g.is_grid and g.is_active]
    form = AreaForm(obj=None if request.method == "POST" else area)
    form.grid_ids.choices = [
        (g.id, g.name + (_("（现属%(area)s）", area=g.area.name) if g.area and g.area_id != area.id else ""))
        for g in grids
    ]
    if request.method == "GET":
        form.grid_ids.data = [g.id for g in area.grids]
    if request.method == "POST":
        require(Permission.EDIT_GRID_DATA)
        if form.validate_on_submit():
            chosen = set(form.grid_ids.data or [])
            with saving(form) as saved:
                changed = areas.update_area(
                    area,
                    form.name.data or "",
                    form.note.data or "",
                    bool(form.is_active.data),
                    [g for g in grids if g.id in chosen],
                )
            if saved:
                flash(_("已保存。") if changed else _("没有修改。"), "success")
                return redirect(url_for("org.area_detail", area_id=area.id), 303)
    status = 400 if form.is_submitted() else 200
    posts = [a for a in active_assignments([area.community_id]) if a.area_id == area.id]
    return render_template(
        "org/area.html",
        area=area,
        form=form,
        chiefs=_chiefs([area.id]).get(area.id, []),
        posts=posts,
        seen_staff=visible_ids(StaffMember, [a.staff_id for a in posts]),
        can_edit=current_user.can(Permission.EDIT_GRID_DATA),
    ), status
