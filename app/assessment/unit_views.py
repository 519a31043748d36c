"""单位考核 pages: the units' yearly board (departments, towns, stations: how they
handled what was dispatched to them, the unit rules' deductions and the manual
adjustments), and 人工加减分 — the list, the form, one record and its withdrawal.
A unit's row is seen by those who see the unit (departments: county-wide staff);
another unit's adjustment is a 404."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.assessment import adjustments, bp, units
from app.assessment.accountability_views import requested_year
from app.assessment.forms import AdjustmentForm, AdjustmentWithdrawForm
from app.assessment.models import ScoreAdjustment
from app.auth.roles import Permission
from app.core.forms import saving
from app.core.pagination import paginate
from app.core.scoping import get_visible_or_404, scoped_select
from app.core.timeutil import local_today
from app.extensions import db
from app.matters.indicators import percent
from app.org.models import Department, Division

UNIT_KINDS = {"department": _l("职能部门"), "town": _l("镇（街道）"), "community": _l("村（社区）工作站")}


def _unit_kind() -> str:
    """The kind asked for; by default the departments for county-wide staff, the
    stations for everyone else."""
    kind = request.args.get("kind", "")
    if kind in UNIT_KINDS:
        return kind
    return "department" if current_user.can(Permission.SEE_WHOLE_COUNTY) else "community"


@bp.route("/assessment/units")
@login_required
def unit_board():
    """The year's board of one kind of unit, best score first."""
    year, kind = requested_year(), _unit_kind()
    departments: list[Department] = []
    divisions: list[Division] = []
    if kind == "department":
        if current_user.can(Permission.SEE_WHOLE_COUNTY):
            departments = list(
                db.session.scalars(select(Department).where(Department.is_active).order_by(Department.name))
            )
    else:
        divisions = list(
            db.session.scalars(
                scoped_select(Division)
                .where(Division.level == kind, Division.status == "active")
                .order_by(Division.code)
            )
        )
    rows = sorted(units.board(year, departments, divisions), key=lambda r: (-r.score, r.name))
    return render_template(
        "assessment/unit_board.html",
        rows=rows,
        year=year,
        kind=kind,
        kinds=UNIT_KINDS,
        rules=units.unit_rules(),
        percent=percent,
        may_adjust=adjustments.may_adjust(current_user),
        years=range(local_today().year, local_today().year - 5, -1),
    )


@bp.route("/assessment/adjustments/")
@login_required
def adjustment_list():
    page = paginate(
        scoped_select(ScoreAdjustment)
        .options(selectinload(ScoreAdjustment.division), selectinload(ScoreAdjustment.department))
        .order_by(ScoreAdjustment.day.desc(), ScoreAdjustment.id.desc()),
        per_page=50,
    )
    return render_template(
        "assessment/adjustment_list.html", page=page, may_adjust=adjustments.may_adjust(current_user)
    )


@bp.route("/assessment/adjustments/new", methods=["GET", "POST"])
@login_required
def record_adjustment():
    if not adjustments.may_adjust(current_user):
        abort(403)
    form = AdjustmentForm()
    form.subject.choices = [("", _("请选择"))] + adjustments.subjects_for(current_user)
    if not form.is_submitted():
        form.day.data = local_today()
        wanted = request.args.get("subject", "")
        form.subject.data = wanted if wanted in dict(form.subject.choices) else ""
    if form.validate_on_submit():
        with saving(form) as saved:
            adjustment = adjustments.record_adjustment(
                adjustments.AdjustmentValues(
                    subject=form.subject.data or "",
                    day=form.day.data,
                    points=form.points.data,
                    reason=form.reason.data or "",
                    basis=form.basis.data or "",
                    matter_number=form.matter_number.data or "",
                ),
                current_user,
                local_today(),
            )
        if saved:
            flash(_("已记录加减分。"), "success")
            return redirect(url_for("assessment.adjustment_detail", adjustment_id=adjustment.id), 303)
    status = 400 if form.is_submitted() else 200
    return render_template("assessment/adjustment_form.html", form=form), status


def _render_detail(adjustment: ScoreAdjustment, form: AdjustmentWithdrawForm | None = None, status: int = 200):
    return render_template(
        "assessment/adjustment_detail.html",
        adjustment=adjustment,
        form=form or AdjustmentWithdrawForm(formdata=None),
        may_adjust=adjustments.may_adjust(current_user),
    ), status


@bp.route("/assessment/adjustments/<int:adjustment_id>")
@login_required
def adjustment_detail(adjustment_id: int):
    return _render_detail(get_visible_or_404(ScoreAdjustment, adjustment_id))


@bp.route("/assessment/adjustments/<int:adjustment_id>/withdraw", methods=["POST"])
@login_required
def withdraw_adjustment(adjustment_id: int):
    adjustment = get_visible_or_404(ScoreAdjustment, adjustment_id)
    if not adjustments.may_adjust(current_user):
        abort(403)
    form = AdjustmentWithdrawForm()
    if form.validate_on_submit():
        with saving(form) as saved:
            adjustments.withdraw_adjustment(adjustment, form.reason.data or "", current_user)
        if saved:
            flash(_("已撤销这条加减分。"), "success")
            return redirect(url_for("assessment.adjustment_detail", adjustment_id=adjustment.id), 303)
    return _render_detail(adjustment, form, 400)
