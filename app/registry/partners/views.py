"""The partner units register (共建单位): the units paired with the grids in scope, each
with its duties and activities, the form to add or change one and to record an
activity. Scoped by grid: a unit is seen by those who see one of its grids, and only
the activities in those grids; stations, towns and the county write."""

from __future__ import annotations

from datetime import timedelta

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
from app.registry.partners import services
from app.registry.partners.forms import ActivityForm, PartnerForm
from app.registry.partners.models import PartnerActivity, PartnerUnit, partner_unit_grid

# A unit with nothing recorded for this long is shown as 近期无活动.
QUIET_AFTER = timedelta(days=90)


@bp.route("/partners/")
@login_required
def partner_list():
    """The units paired with a grid (or with any grid in scope), with this year's
    activities and the last one."""
    grids = visible_grids()
    grid = chosen_grid(grids, request.args.get("grid", type=int))
    statement = scoped_select(PartnerUnit).options(selectinload(PartnerUnit.grids))
    if grid is not None:
        statement = statement.where(
            PartnerUnit.id.in_(
                db.select(partner_unit_grid.c.partner_unit_id).where(partner_unit_grid.c.grid_id == grid.id)
            )
        )
    units = list(
        db.session.scalars(statement.order_by(PartnerUnit.is_active.desc(), PartnerUnit.kind, PartnerUnit.name))
    )
    today = local_today()
    ids = [u.id for u in units]
    grid_ids = [g.id for g in grids]
    this_year = services.activity_counts(ids, grid_ids, today.replace(month=1, day=1), today)
    last = services.last_activities(ids, grid_ids)
    return render_template(
        "registry/partner_list.html",
        grids=grids,
        grid=grid,
        units=units,
        visible_grid_ids={g.id for g in grids},
        this_year=this_year,
        last=last,
        quiet_since=today - QUIET_AFTER,
        kinds=services.PARTNER_KINDS,
        grid_label=grid_label,
        can_edit=current_user.can(Permission.EDIT_REGISTERS),
    )


def _values(form: PartnerForm, grids) -> services.PartnerValues:
    chosen = set(form.grid_ids.data or [])
    return services.PartnerValues(
        kind=form.kind.data,
        name=form.name.data or "",
        grids=[g for g in grids if g.id in chosen],
        contact_name=form.contact_name.data or "",
        contact_phone=form.contact_phone.data or "",
        duties=form.duties.data or "",
    )


@bp.route("/partners/new", methods=["GET", "POST"])
@login_required
def create_partner():
    require(Permission.EDIT_REGISTERS)
    grids = visible_grids()
    form = PartnerForm()
    form.grid_ids.choices = [(g.id, grid_label(g)) for g in grids]
    if not form.is_submitted():
        wanted = request.args.get("grid", type=int)
        form.grid_ids.data = [wanted] if wanted in {g.id for g in grids} else []
    if form.validate_on_submit():
        with saving(form) as saved:
            unit = services.create_unit(_values(form, grids))
        if saved:
            flash(_("已登记：%(name)s", name=unit.name), "success")
            return redirect(url_for("registry.partner_detail", partner_id=unit.id), 303)
    status = 400 if form.is_submitted() else 200
    return render_template("registry/partner_form.html", form=form, unit=None), status


@bp.route("/partners/<int:partner_id>/edit", methods=["GET", "POST"])
@login_required
def edit_partner(partner_id: int):
    unit = get_visible_or_404(PartnerUnit, partner_id)
    require(Permission.EDIT_REGISTERS)
    grids = visible_grids()
    visible_ids = {g.id for g in grids}
    form = PartnerForm(obj=None if request.method == "POST" else unit)
    form.grid_ids.choices = [(g.id, grid_label(g)) for g in grids]
    if not form.is_submitted():
        form.grid_ids.data = [g.id for g in unit.grids if g.id in visible_ids]
    if form.validate_on_submit():
        kept = [g for g in unit.grids if g.id not in visible_ids]
        with saving(form) as saved:
            changed = services.update_unit(unit, _values(form, grids), bool(form.is_active.data), kept)
        if saved:
            flash(_("已保存。") if changed else _("没有修改。"), "success")
            return redirect(url_for("registry.partner_detail", partner_id=unit.id), 303)
    status = 400 if form.is_submitted() else 200
    return render_template("registry/partner_form.html", form=form, unit=unit), status


def _activity_form(unit: PartnerUnit, visible_ids: set[int], posted: bool) -> ActivityForm:
    form = ActivityForm() if posted else ActivityForm(formdata=None)
    form.grid_id.choices = [(g.id, grid_label(g)) for g in unit.grids if g.id in visible_ids]
    if not posted:
        form.held_on.data = local_today()
    return form


def _render(unit: PartnerUnit, form: ActivityForm | None = None, status: int = 200):
    visible_ids = {g.id for g in visible_grids()}
    activities = list(
        db.session.scalars(
            scoped_select(PartnerActivity)
            .where(PartnerActivity.partner_unit_id == unit.id)
            .options(selectinload(PartnerActivity.grid))
            .order_by(PartnerActivity.held_on.desc(), PartnerActivity.id.desc())
        )
    )
    return render_template(
        "registry/partner_detail.html",
        unit=unit,
        grids=[g for g in unit.grids if g.id in visible_ids],
        activities=activities,
        form=form or _activity_form(unit, visible_ids, posted=False),
        kinds=services.PARTNER_KINDS,
        can_edit=current_user.can(Permission.EDIT_REGISTERS),
    ), status


@bp.route("/partners/<int:partner_id>")
@login_required
def partner_detail(partner_id: int):
    return _render(get_visible_or_404(PartnerUnit, partner_id))


@bp.route("/partners/<int:partner_id>/activities", methods=["POST"])
@login_required
def record_partner_activity(partner_id: int):
    unit = get_visible_or_404(PartnerUnit, partner_id)
    require(Permission.EDIT_REGISTERS)
    visible = {g.id: g for g in visible_grids()}
    form = _activity_form(unit, set(visible), posted=True)
    if form.validate_on_submit():
        with saving(form) as saved:
            services.record_activity(
                unit,
                visible.get(form.grid_id.data),
                form.held_on.data,
                form.content.data or "",
                form.participants.data or "",
                current_user,
                local_today(),
            )
        if saved:
            flash(_("已记录活动。"), "success")
            return redirect(url_for("registry.partner_detail", partner_id=unit.id), 303)
    return _render(unit, form, 400)
