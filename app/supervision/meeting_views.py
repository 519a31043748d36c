"""Meetings (例会, 调度会) and trainings: scoped lists, recording one for a division
chosen first (its staff become the attendee choices), a record's page, and the
training hours per person in a period. Records are looked up through
app.core.scoping, so another division's record is a 404."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from app.core.forms import saving
from app.core.pagination import paginate
from app.core.rendering import render_page
from app.core.scoping import get_visible_or_404, scoped_select
from app.core.timeutil import local_today
from app.org.models import Division
from app.supervision import access, bp
from app.supervision import meetings as services
from app.supervision.forms import MeetingForm, TrainingForm
from app.supervision.models import Meeting, Training

PER_PAGE = 30


def _holding_division(divisions: list[Division]) -> Division | None:
    division_id = request.args.get("division", type=int)
    return next((d for d in divisions if d.id == division_id), None)


def _attendee_choices(form, division: Division, current=()) -> dict:
    """The division's staff (and, when correcting a record, those already on it)."""
    staff = services.staff_of(division, current_user)
    staff += [s for s in current if s not in staff]
    form.attendee_ids.choices = [(s.id, s.name) for s in staff]
    return {s.id: s for s in staff}


def _meeting_values(form: MeetingForm) -> services.MeetingValues:
    return services.MeetingValues(
        kind=form.kind.data,
        held_on=form.held_on.data,
        minutes=form.minutes.data or "",
        place=form.place.data or "",
        host=form.host.data or "",
        decisions=form.decisions.data or "",
    )


def _training_values(form: TrainingForm) -> services.TrainingValues:
    return services.TrainingValues(
        held_on=form.held_on.data,
        topic=form.topic.data or "",
        trainer=form.trainer.data or "",
        hours=form.hours.data,
        place=form.place.data or "",
        content=form.content.data or "",
    )


def _record_or_404(model, record_id: int):
    """A record in scope (else 404) that the user may correct (else 403)."""
    record = get_visible_or_404(model, record_id)
    if not access.may_record_meetings(current_user):
        abort(403)
    return record


# --- Meetings ------------------------------------------------------------------------------


@bp.route("/meetings/")
@login_required
def meeting_list():
    """Meetings held in the user's scope, newest first; ?kind= filters."""
    kind = request.args.get("kind", "")
    statement = scoped_select(Meeting)
    if kind in services.MEETING_KINDS:
        statement = statement.where(Meeting.kind == kind)
    else:
        kind = ""
    page = paginate(
        statement.options(
            selectinload(Meeting.division), selectinload(Meeting.attendees), selectinload(Meeting.decisions)
        ).order_by(Meeting.held_on.desc(), Meeting.id.desc()),
        per_page=PER_PAGE,
    )
    return render_page(
        "supervision/meeting_list.html",
        fragment="supervision/_meeting_rows.html",
        target_id="meeting-rows",
        page=page,
        kind=kind,
        kinds=services.MEETING_KINDS,
        kind_label=services.kind_label,
        may_record=access.may_record_meetings(current_user),
    )


@bp.route("/meetings/new", methods=["GET", "POST"])
@login_required
def create_meeting():
    """Record a meeting of a division in scope (?division=ID; asked for first)."""
    if not access.may_record_meetings(current_user):
        abort(403)
    divisions = services.holding_divisions(current_user)
    division = _holding_division(divisions)
    if division is None:
        return render_template(
            "supervision/pick_division.html",
            divisions=divisions,
            endpoint="supervision.create_meeting",
            title=_("记录会议"),
        )
    form = MeetingForm()
    staff = _attendee_choices(form, division)
    if request.method == "GET":
        form.held_on.data = local_today()
        form.kind.data = "scheduling" if division.level == "town" else "regular"
    if form.validate_on_submit():
        attendees = [staff[i] for i in form.attendee_ids.data or [] if i in staff]
        with saving(form) as saved:
            meeting = services.record_meeting(_meeting_values(form), division, attendees, current_user, local_today())
        if saved:
            flash(_("已保存会议记录。"), "success")
            return redirect(url_for("supervision.meeting_detail", meeting_id=meeting.id), 303)
    return render_template("supervision/meeting_form.html", form=form, division=division)


@bp.route("/meetings/<int:meeting_id>")
@login_required
def meeting_detail(meeting_id: int):
    meeting = get_visible_or_404(Meeting, meeting_id)
    may_task = access.may_task_from_meeting(current_user) and meeting.division.level in ("town", "community")
    return render_template(
        "supervision/meeting_detail.html",
        meeting=meeting,
        kind_label=services.kind_label,
        may_task=may_task,
        may_edit=access.may_record_meetings(current_user),
    )


@bp.route("/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
@login_required
def edit_meeting(meeting_id: int):
    """Correct a meeting's record; new decisions may be added, existing ones stay."""
    meeting = _record_or_404(Meeting, meeting_id)
    form = MeetingForm(obj=meeting)
    staff = _attendee_choices(form, meeting.division, meeting.attendees)
    if request.method == "GET":
        form.attendee_ids.data = [s.id for s in meeting.attendees]
        form.decisions.data = ""
    form.decisions.label.text = _("补充会议决定")
    if form.validate_on_submit():
        attendees = [staff[i] for i in form.attendee_ids.data or [] if i in staff]
        with saving(form) as saved:
            services.update_meeting(meeting, _meeting_values(form), attendees, current_user, local_today())
        if saved:
            flash(_("已保存会议记录。"), "success")
            return redirect(url_for("supervision.meeting_detail", meeting_id=meeting.id), 303)
    return render_template("supervision/meeting_form.html", form=form, division=meeting.division, meeting=meeting)


# --- Trainings -----------------------------------------------------------------------------


@bp.route("/trainings/")
@login_required
def training_list():
    page = paginate(
        scoped_select(Training)
        .options(selectinload(Training.division), selectinload(Training.attendees))
        .order_by(Training.held_on.desc(), Training.id.desc()),
        per_page=PER_PAGE,
    )
    return render_template(
        "supervision/training_list.html", page=page, may_record=access.may_record_meetings(current_user)
    )


@bp.route("/trainings/new", methods=["GET", "POST"])
@login_required
def create_training():
    """Record a training of a division in scope (?division=ID; asked for first)."""
    if not access.may_record_meetings(current_user):
        abort(403)
    divisions = services.holding_divisions(current_user)
    division = _holding_division(divisions)
    if division is None:
        return render_template(
            "supervision/pick_division.html",
            divisions=divisions,
            endpoint="supervision.create_training",
            title=_("记录培训"),
        )
    form = TrainingForm()
    staff = _attendee_choices(form, division)
    if request.method == "GET":
        form.held_on.data = local_today()
    if form.validate_on_submit():
        attendees = [staff[i] for i in form.attendee_ids.data or [] if i in staff]
        with saving(form) as saved:
            training = services.record_training(
                _training_values(form), division, attendees, current_user, local_today()
            )
        if saved:
            flash(_("已保存培训记录。"), "success")
            return redirect(url_for("supervision.training_detail", training_id=training.id), 303)
    return render_template("supervision/training_form.html", form=form, division=division)


@bp.route("/trainings/<int:training_id>")
@login_required
def training_detail(training_id: int):
    training = get_visible_or_404(Training, training_id)
    return render_template(
        "supervision/training_detail.html", training=training, may_edit=access.may_record_meetings(current_user)
    )


@bp.route("/trainings/<int:training_id>/edit", methods=["GET", "POST"])
@login_required
def edit_training(training_id: int):
    training = _record_or_404(Training, training_id)
    form = TrainingForm(obj=training)
    staff = _attendee_choices(form, training.division, training.attendees)
    if request.method == "GET":
        form.attendee_ids.data = [s.id for s in training.attendees]
    if form.validate_on_submit():
        attendees = [staff[i] for i in form.attendee_ids.data or [] if i in staff]
        with saving(form) as saved:
            services.update_training(training, _training_values(form), attendees, current_user, local_today())
        if saved:
            flash(_("已保存培训记录。"), "success")
            return redirect(url_for("supervision.training_detail", training_id=training.id), 303)
    return render_template("supervision/training_form.html", form=form, division=training.division, training=training)


def _period() -> tuple[date, date]:
    """?start=&end=, by default this calendar year up to today."""
    today = local_today()
    try:
        start = date.fromisoformat(request.args.get("start", "") or f"{today.year}-01-01")
        end = date.fromisoformat(request.args.get("end", "") or today.isoformat())
    except ValueError:
        start, end = date(today.year, 1, 1), today
    return (start, end) if start <= end else (end, start)


@bp.route("/trainings/hours")
@login_required
def training_hours():
    """Training hours per person of a division in scope, in a period."""
    divisions = services.holding_divisions(current_user)
    division = _holding_division(divisions) or (divisions[0] if divisions else None)
    start, end = _period()
    report = services.training_hours(services.staff_of(division, current_user) if division else [], start, end)
    return render_template(
        "supervision/training_hours.html", divisions=divisions, division=division, start=start, end=end, report=report
    )
