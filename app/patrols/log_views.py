"""民情日志 pages: quick entry (a row added with htmx, or a plain form), an entry,
the weekly summary per grid, the community's weekly check of each grid's log, and the
reports to the grid chief with their punctuality and the chief's 已阅."""

from __future__ import annotations

from datetime import date, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from app.auth.decorators import require
from app.auth.roles import Permission
from app.core import circumstances, offline
from app.core.forms import attach_error
from app.core.pagination import paginate
from app.core.rendering import render_page, wants_fragment
from app.core.scoping import get_visible_or_404, scoped_select
from app.core.timeutil import local_today
from app.extensions import db
from app.matters import services as matters
from app.matters import workdays
from app.org.models import Division
from app.org.services import chosen_grid, grid_label, visible_grids
from app.patrols import bp, compliance, reference, services
from app.patrols.forms import ChiefReportForm, EntryForm, LogCheckForm, matter_class_choices
from app.patrols.models import ChiefReport, OpinionEntry, OpinionLogCheck
from app.patrols.picking import grid_ids_of, picked_unit, picked_week, unit_choices

PER_PAGE = 30
PUNCTUALITY_WEEKS = 4


def _entry_form(grids: list[Division]) -> EntryForm:
    form = EntryForm()
    form.grid_id.choices = [(g.id, grid_label(g)) for g in grids]
    form.matter_class.choices = matter_class_choices(_("（按类别默认）"))
    if request.method == "GET":
        form.said_on.data = local_today()
        form.grid_id.data = request.args.get("grid_id", type=int) or (grids[0].id if grids else None)
    return form


def _log_page(form: EntryForm, notice: str = ""):
    # Each line shows its grid, its matter (number, deadline, light) and its report:
    # loaded with the page, not one query per line.
    page = paginate(
        scoped_select(OpinionEntry)
        .options(
            selectinload(OpinionEntry.grid), selectinload(OpinionEntry.matter), selectinload(OpinionEntry.chief_report)
        )
        .order_by(OpinionEntry.said_on.desc(), OpinionEntry.id.desc()),
        per_page=PER_PAGE,
    )
    calendar = workdays.load_calendar()
    lights = {e.id: matters.light(e.matter, calendar=calendar) for e in page.items if e.matter is not None}
    return render_page(
        "patrols/log.html",
        fragment="patrols/_log.html",
        target_id="opinion-log",
        form=form,
        page=page,
        lights=lights,
        notice=notice,
        may_write=current_user.can(Permission.EDIT_REGISTERS),
    )


@bp.route("/opinions/", methods=["GET", "POST"])
@login_required
def opinion_log():
    """The log with its quick-entry row on top. Enter saves; the new line appears
    at once (htmx) or after a redirect (plain form)."""
    grids = visible_grids()
    form = _entry_form(grids)
    if request.method == "POST":
        require(Permission.EDIT_REGISTERS)
        if form.validate_on_submit():
            grid = chosen_grid(grids, form.grid_id.data)
            if grid is None:
                form.grid_id.errors.append(_("请选择网格。"))
            else:
                values = services.EntryValues(
                    grid=grid,
                    said_on=form.said_on.data,
                    category=form.category.data,
                    content=form.content.data,
                    disposition=form.disposition.data,
                    resident_name=form.resident_name.data or "",
                    place=form.place.data or "",
                    settled_note=form.settled_note.data or "",
                    matter_class=form.matter_class.data or "",
                    **circumstances.values_of(form),
                )
                try:
                    entry = services.record_entry(values, current_user)
                except services.FieldworkError as error:
                    db.session.rollback()
                    attach_error(form, error)
                else:
                    db.session.commit()
                    message = (
                        _("已记下，并上报为事件 %(number)s。", number=entry.matter.number)
                        if entry.matter
                        else _("已记下。")
                    )
                    if not wants_fragment("opinion-log"):
                        flash(message, "success")
                        return redirect(url_for("patrols.opinion_log", grid_id=grid.id), 303)
                    return _log_page(_fresh_form(grids, grid.id, entry.said_on), notice=message)
    return _log_page(form)


def _fresh_form(grids: list[Division], grid_id: int, said_on: date) -> EntryForm:
    """An empty row for the next entry, keeping the grid and date just used."""
    form = EntryForm(formdata=None)
    form.grid_id.choices = [(g.id, grid_label(g)) for g in grids]
    form.matter_class.choices = matter_class_choices(_("（按类别默认）"))
    form.grid_id.data, form.said_on.data = grid_id, said_on
    return form


@bp.route("/opinions/<int:opinion_id>")
@login_required
def opinion_detail(opinion_id: int):
    entry = get_visible_or_404(OpinionEntry, opinion_id)
    light = matters.light(entry.matter) if entry.matter is not None else None
    return render_template(
        "patrols/opinion.html", entry=entry, light=light, may_write=current_user.can(Permission.EDIT_REGISTERS)
    )


@bp.route("/opinions/summary")
@login_required
def opinion_summary():
    """A week of the log for a grid or community: counts by category and
    disposition, and the entries."""
    unit = picked_unit()
    monday = picked_week()
    summary = compliance.weekly_summary(grid_ids_of(unit), monday)
    return render_template(
        "patrols/summary.html",
        unit=unit,
        units=unit_choices(),
        summary=summary,
        categories=reference.CATEGORIES,
        dispositions=reference.DISPOSITIONS,
        previous=monday - timedelta(weeks=1),
        following=monday + timedelta(weeks=1),
    )


@bp.route("/opinions/reports")
@login_required
def chief_reports():
    """Report days of the last weeks per grid (up to the week of ?week=, e.g. from an
    assessment breakdown): reported on time, late, missing."""
    unit = picked_unit()
    last = min(local_today(), picked_week() + timedelta(days=6))
    first = compliance.week_start(last) - timedelta(weeks=PUNCTUALITY_WEEKS - 1)
    calendar = workdays.load_calendar()
    grids = list(
        db.session.scalars(
            scoped_select(Division)
            .where(Division.id.in_(grid_ids_of(unit)), Division.status == "active")
            .order_by(Division.code)
        )
    )
    rows = [(grid, compliance.report_punctuality(grid.id, first, last, calendar=calendar)) for grid in grids]
    return render_template(
        "patrols/reports.html",
        unit=unit,
        units=unit_choices(),
        rows=rows,
        statuses=compliance.REPORT_STATUSES,
        may_write=current_user.can(Permission.EDIT_REGISTERS),
    )


def _chosen_report_day(form: ChiefReportForm) -> tuple[date | None, str]:
    """The report day asked for and the field it came from: an older day typed in
    其他报告日 wins over the list of recent open days."""
    if form.other_day.data is not None:
        return form.other_day.data, "other_day"
    if not form.report_day.choices:  # no recent open day: only 其他报告日 is shown
        form.other_day.errors.append(_("请填写其他报告日。"))
        return None, "other_day"
    try:
        return date.fromisoformat(form.report_day.data or ""), "report_day"
    except ValueError:
        form.report_day.errors.append(_("请选择报告日，或填写其他报告日。"))
        return None, "report_day"


@bp.route("/opinions/reports/new", methods=["GET", "POST"])
@login_required
def new_chief_report():
    """Record that ordinary information was reported to the grid chief: for one of
    the recent report days without a report, or an older one entered late (补录)."""
    require(Permission.EDIT_REGISTERS)
    grid = get_visible_or_404(Division, request.args.get("grid_id", type=int) or 0)
    if not grid.is_grid:
        return redirect(url_for("patrols.chief_reports", division_id=grid.id))
    form = ChiefReportForm()
    open_days = compliance.open_report_days(grid.id, local_today())
    form.report_day.choices = [(d.isoformat(), d.isoformat()) for d in reversed(open_days)]
    entries = services.unreported_entries(grid.id)
    chosen = {int(v) for v in request.form.getlist("entry_ids") if v.isdigit()}
    if request.method == "GET":
        chosen = {e.id for e in entries}
    status = 400 if request.method == "POST" else 200
    if form.validate_on_submit():
        report_day, field_name = _chosen_report_day(form)
        if report_day is not None:
            try:
                services.record_chief_report(
                    grid,
                    report_day,
                    sorted(chosen),
                    form.note.data or "",
                    current_user,
                    # Entered on a phone without signal: on time if it was entered in time.
                    now=offline.entered_at(),
                )
            except services.FieldworkError as error:
                db.session.rollback()
                if error.field == "report_day":
                    # The refusal belongs to the field the day was taken from.
                    error.field = field_name
                attach_error(form, error)
            else:
                db.session.commit()
                flash(_("已记录向网格长报告。"), "success")
                return redirect(url_for("patrols.chief_reports", division_id=grid.id), 303)
    return render_template(
        "patrols/report_form.html", grid=grid, form=form, entries=entries, chosen=chosen, open_days=open_days
    ), status


@bp.route("/opinions/reports/<int:chief_report_id>")
@login_required
def chief_report_detail(chief_report_id: int):
    report = get_visible_or_404(ChiefReport, chief_report_id)
    slot = compliance.report_punctuality(report.grid_id, report.report_day, report.report_day)[0]
    return render_template(
        "patrols/report.html",
        report=report,
        slot=slot,
        statuses=compliance.REPORT_STATUSES,
        may_acknowledge=report.acknowledged_at is None and services.may_acknowledge(current_user, report),
    )


@bp.route("/opinions/reports/<int:chief_report_id>/acknowledge", methods=["POST"])
@login_required
def acknowledge_chief_report(chief_report_id: int):
    """网格长已阅: the chief (or the station for them) has read the report."""
    report = get_visible_or_404(ChiefReport, chief_report_id)
    if not services.may_acknowledge(current_user, report):
        abort(403)
    try:
        services.acknowledge_report(report, current_user)
    except services.FieldworkError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("已阅。"), "success")
    return redirect(url_for("patrols.chief_report_detail", chief_report_id=report.id), 303)


def _check_forms(grids: list[Division], checks: dict[int, OpinionLogCheck], posted_id: int | None):
    forms = {}
    for grid in grids:
        posted = grid.id == posted_id
        form = LogCheckForm(prefix=f"g{grid.id}", formdata=None if not posted else request.form)
        if not posted and grid.id in checks:
            form.result.data = checks[grid.id].result if checks[grid.id].result != "empty" else None
            form.comment.data = checks[grid.id].comment
        forms[grid.id] = form
    return forms


@bp.route("/opinions/checks", methods=["GET", "POST"])
@login_required
def log_checks():
    """The community's weekly check of each grid's 民情日志: the week's entries, the
    result and who checked; a week without entries is 空岗, criticised in words."""
    unit = picked_unit()
    monday = picked_week()
    grids = list(
        db.session.scalars(
            scoped_select(Division)
            .where(Division.id.in_(grid_ids_of(unit)), Division.status == "active")
            .order_by(Division.code)
        )
    )
    ids = [g.id for g in grids]
    checks = {
        c.grid_id: c
        for c in db.session.scalars(
            scoped_select(OpinionLogCheck).where(OpinionLogCheck.grid_id.in_(ids), OpinionLogCheck.week_start == monday)
        )
    }
    may_check = services.may_check_logs(current_user)
    posted_id = request.form.get("grid_id", type=int) if request.method == "POST" else None
    if request.method == "POST" and (not may_check or posted_id not in ids):
        abort(403 if not may_check else 404)
    forms = _check_forms(grids, checks, posted_id)
    status = 200
    if posted_id is not None:
        form = forms[posted_id]
        if form.validate():
            grid = next(g for g in grids if g.id == posted_id)
            try:
                services.record_log_check(
                    grid, monday, form.result.data or "", form.comment.data or "", current_user, local_today()
                )
            except services.FieldworkError as error:
                db.session.rollback()
                attach_error(form, error)
            else:
                db.session.commit()
                flash(_("已保存%(grid)s的检查。", grid=grid.name), "success")
                return redirect(url_for("patrols.log_checks", division_id=unit.id, week=monday.isoformat()), 303)
        status = 400
    return render_template(
        "patrols/checks.html",
        unit=unit,
        units=unit_choices(),
        week=monday,
        grids=grids,
        entries=services.entries_in_week(ids, monday),
        checks=checks,
        forms=forms,
        may_check=may_check,
        results=reference.CHECK_RESULTS,
        previous=monday - timedelta(weeks=1),
        following=monday + timedelta(weeks=1),
        started=monday <= local_today(),
    ), status
