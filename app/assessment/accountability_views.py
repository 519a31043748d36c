"""跟踪问效 pages: the yearly board of grid chiefs with the rules that ask the town to
move them off the post, each count opening the records behind it; and residents'
complaints about a chief's first contact (首问), which stations record and check.
Scoped like the scoreboards: a grid worker sees only a row of their own; another
grid's complaint is a 404."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from app.assessment import accountability, bp, reference, services
from app.assessment.card_views import offered_grid
from app.assessment.forms import ComplaintForm
from app.assessment.models import FirstContactComplaint
from app.assessment.views import own_staff_ids
from app.core.forms import saving
from app.core.pagination import paginate
from app.core.scoping import get_visible_or_404, scoped_select
from app.core.timeutil import local_today
from app.extensions import db
from app.matters.models import Matter
from app.org.models import Division
from app.org.services import grid_label


def requested_year() -> int:
    """The ?year= asked for (2000–2100), else this year: the yearly boards' year."""
    today = local_today()
    year = request.args.get("year", type=int) or today.year
    return year if 2000 <= year <= 2100 else today.year


def _grids(unit: Division | None) -> list[Division]:
    statement = scoped_select(Division).where(Division.level == "grid")
    if unit is not None:
        statement = statement.where(Division.code.startswith(unit.code, autoescape=True))
    return list(db.session.scalars(statement.order_by(Division.code)))


@bp.route("/assessment/accountability")
@login_required
def accountability_board():
    """Each grid chief's year: 首问 complaints that held, 不满意 ratings, the two
    half-yearly surveys; a chief meeting any rule is flagged 劝退和调离."""
    year = requested_year()
    division_id = request.args.get("division_id", type=int)
    unit = get_visible_or_404(Division, division_id) if division_id else None
    staff_id = request.args.get("staff_id", type=int)
    own = own_staff_ids()
    wanted = own if own is not None else None
    if staff_id:
        wanted = [staff_id] if wanted is None or staff_id in wanted else []
    rows = accountability.chief_years(_grids(unit), year, staff_ids=wanted)
    counted_from = accountability.counted_from(year)
    today = local_today()
    return render_template(
        "assessment/accountability.html",
        rows=rows,
        year=year,
        years=range(today.year, today.year - 5, -1),
        unit=unit,
        units=list(
            db.session.scalars(
                scoped_select(Division)
                .where(Division.level.in_(("town", "community")), Division.status == "active")
                .order_by(Division.code)
            )
        ),
        one_chief=bool(staff_id),
        counted_from=counted_from,
        partial_year=counted_from is not None and counted_from > date(year, 1, 1),
        limit=accountability.REPEAT_LIMIT,
        criticised_below=reference.satisfaction_criticised_below(),
        half_labels=reference.HALVES,
        may_record=services.may_record_complaints(current_user),
        grid_label=grid_label,
    )


def _visible_complaints():
    statement = scoped_select(FirstContactComplaint)
    own = own_staff_ids()
    if own is not None:
        statement = statement.where(FirstContactComplaint.staff_id.in_(own or [0]))
    return statement


@bp.route("/assessment/complaints/")
@login_required
def complaint_list():
    page = paginate(
        _visible_complaints()
        .options(selectinload(FirstContactComplaint.grid), selectinload(FirstContactComplaint.staff))
        .order_by(FirstContactComplaint.received_on.desc(), FirstContactComplaint.id.desc()),
        per_page=30,
    )
    return render_template(
        "assessment/complaints.html",
        page=page,
        may_record=services.may_record_complaints(current_user),
        grid_label=grid_label,
        upheld_labels=reference.UPHELD,
    )


def _matter_in_scope(number: str) -> Matter | None:
    return db.session.scalar(scoped_select(Matter).where(Matter.number == number.strip()))


@bp.route("/assessment/complaints/new", methods=["GET", "POST"])
@login_required
def record_complaint():
    """A resident's complaint about a grid chief's first contact: the grid first, then
    its chief on the day (a plain button lists them without JavaScript)."""
    if not services.may_record_complaints(current_user):
        abort(403)
    form = ComplaintForm()
    grid, chosen_id = offered_grid(form)
    if request.method == "GET":
        form.received_on.data = local_today()
        form.upheld.data = "yes"
    day = form.received_on.data or local_today()
    form.staff_id.choices = [(s.id, s.name) for s in services.chiefs_of(grid, day)]
    status = 200
    if request.method == "POST" and "refresh" in request.form:
        pass  # only the grid or the day changed: list that day's chiefs
    elif request.method == "POST" and grid.id != chosen_id:
        form.validate()
        form.grid_id.errors = list(form.grid_id.errors) + [_("请从列表中选择。")]
        status = 400
    elif form.validate_on_submit():
        matter = None
        if form.matter_number.data:
            matter = _matter_in_scope(form.matter_number.data)
            if matter is None:
                form.matter_number.errors = list(form.matter_number.errors) + [
                    _("没有找到这个事件编号（或不在您的管辖范围内）。")
                ]
        if not form.matter_number.errors:
            with saving(form) as saved:
                complaint = services.record_complaint(
                    grid,
                    services.ComplaintValues(
                        form.staff_id.data,
                        form.received_on.data,
                        form.content.data or "",
                        matter,
                        form.upheld.data == "yes",
                        form.finding.data or "",
                        form.training_note.data or "",
                    ),
                    current_user,
                    local_today(),
                )
            if saved:
                flash(_("已登记。"), "success")
                return redirect(url_for("assessment.complaint_detail", complaint_id=complaint.id), 303)
        status = 400
    elif request.method == "POST":
        status = 400
    return render_template("assessment/complaint_form.html", form=form, grid=grid), status


@bp.route("/assessment/complaints/<int:complaint_id>", methods=["GET", "POST"])
@login_required
def complaint_detail(complaint_id: int):
    """The complaint; those who record them may correct the finding and add the
    chief's training note later."""
    complaint = get_visible_or_404(FirstContactComplaint, complaint_id)
    own = own_staff_ids()
    if own is not None and complaint.staff_id not in own:
        abort(404)
    may_edit = services.may_record_complaints(current_user)
    form = ComplaintForm(obj=None if request.method == "POST" else complaint)
    if request.method == "GET":
        form.upheld.data = "yes" if complaint.upheld else "no"
    status = 200
    if request.method == "POST":
        if not may_edit:
            abort(403)
        # Only the finding and the note are edited here: the facts of the complaint stay.
        for name in ("grid_id", "staff_id", "received_on", "content", "matter_number"):
            del form[name]
        if form.validate_on_submit():
            with saving(form) as saved:
                changed = services.update_complaint(
                    complaint, form.upheld.data == "yes", form.finding.data, form.training_note.data, current_user
                )
            if saved:
                flash(_("已保存。") if changed else _("没有修改。"), "success")
                return redirect(url_for("assessment.complaint_detail", complaint_id=complaint.id), 303)
        status = 400
    return render_template(
        "assessment/complaint.html",
        complaint=complaint,
        form=form,
        may_edit=may_edit,
        grid_label=grid_label,
        upheld_labels=reference.UPHELD,
    ), status
