"""上岗公示 posters and duty rosters (值班表) for staff: the list of grids and
stations, the A3 poster per grid, the roster editor (dates × staff, a plain form of
checkboxes: Tab/Space with the keyboard, no JavaScript needed) and the A4 roster
notice. Posters and notices are made on demand from today's data, so a poster
printed after a staff change shows the new staff. Every PDF is audited as a print."""

from __future__ import annotations

from datetime import date, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.auth import audit
from app.auth.roles import Permission
from app.core import addresses
from app.core.rendering import pdf_download
from app.core.scoping import get_visible_or_404, scoped_select
from app.core.timeutil import local_today
from app.extensions import db
from app.org.models import Division
from app.printing import (
    bp,
    publicity,
    roster_models,  # noqa: F401  (the models, for Alembic and the app)
)
from app.printing.views import audit_print


def _pdf_response(pdf: bytes, name: str):
    return pdf_download(pdf, name)


def _visible(level: str) -> list[Division]:
    return list(
        db.session.scalars(
            scoped_select(Division).where(Division.level == level, Division.status == "active").order_by(Division.code)
        )
    )


@bp.route("/publicity/")
@login_required
def publicity_index():
    """Grids with their posters, stations with their rosters."""
    return render_template(
        "printing/publicity.html",
        grids=_visible("grid"),
        communities=_visible("community"),
        public_address_missing=addresses.configured_base_url() is None,
        fallback_address=addresses.DEVELOPMENT_BASE_URL,
    )


@bp.route("/grids/<int:division_id>/poster.pdf")
@login_required
def grid_poster(division_id: int):
    """The grid's A3 上岗公示 poster, from today's staff."""
    grid = get_visible_or_404(Division, division_id)
    if not grid.is_grid:
        abort(404)
    result, count = publicity.poster_pdf(grid)
    audit_print(_("上岗公示"), grid.full_name, count, result)
    return _pdf_response(result.pdf, _("上岗公示-%(grid)s", grid=grid.name))


def _community(division_id: int) -> Division:
    community = get_visible_or_404(Division, division_id)
    if community.level != "community":
        abort(404)
    return community


def _period() -> tuple[str, date]:
    kind = request.values.get("kind", "week")
    if kind not in publicity.PERIOD_KINDS:
        kind = "week"
    try:
        day = date.fromisoformat(request.values.get("start", ""))
    except ValueError:
        day = local_today()
    return kind, publicity.period_bounds(kind, day)[0]


def _selection(days: list[date]) -> tuple[dict[date, set[int]], dict[date, str]]:
    """From the form: checkbox values "2026-11-23:15" and text fields "note-2026-11-23"."""
    allowed = set(days)
    on_duty: dict[date, set[int]] = {}
    for value in request.form.getlist("duty"):
        try:
            day_text, staff_text = value.split(":", 1)
            day, staff_id = date.fromisoformat(day_text), int(staff_text)
        except ValueError:
            continue
        if day in allowed:
            on_duty.setdefault(day, set()).add(staff_id)
    notes = {day: request.form.get(f"note-{day.isoformat()}", "") for day in days}
    return on_duty, notes


@bp.route("/communities/<int:division_id>/roster", methods=["GET", "POST"])
@login_required
def roster_edit(division_id: int):
    """The station's duty roster for a week or a month: dates × staff."""
    community = _community(division_id)
    kind, start = _period()
    start, end = publicity.period_bounds(kind, start)
    days = publicity.days_of(start, end)
    roster = publicity.roster_for(community, kind, start)
    may_edit = current_user.can(Permission.EDIT_GRID_DATA)
    status = 200
    error = None
    if request.method == "POST":
        if not may_edit:
            abort(403)
        on_duty, notes = _selection(days)
        try:
            roster = publicity.save_roster(community, kind, start, on_duty, notes, current_user)
            audit.record(
                "roster_saved",
                target=community,
                summary=publicity.roster_title(roster) + " · " + _("%(n)d 人次", n=len(roster.shifts)),
            )
        except publicity.RosterError as exc:
            db.session.rollback()
            error, status = str(exc), 400
            roster = publicity.roster_for(community, kind, start)
        else:
            db.session.commit()
            flash(_("值班表已保存。"), "success")
            return redirect(
                url_for("printing.roster_edit", division_id=community.id, kind=kind, start=start.isoformat()), 303
            )
    candidates = publicity.roster_candidates(community, start, roster)
    chosen = {(s.day, s.staff_id) for s in roster.shifts} if roster else set()
    notes = {day: roster.note_on(day) for day in days} if roster else {}
    return render_template(
        "printing/roster.html",
        community=community,
        kind=kind,
        kinds=publicity.PERIOD_KINDS,
        start=start,
        end=end,
        days=days,
        candidates=candidates,
        chosen=chosen,
        notes=notes,
        roster=roster,
        may_edit=may_edit,
        error=error,
        weekday=publicity.weekday_label,
        previous=publicity.period_bounds(kind, start - timedelta(days=1))[0],
        following=end + timedelta(days=1),
    ), status


@bp.route("/communities/<int:division_id>/roster.pdf")
@login_required
def roster_pdf(division_id: int):
    """The roster as an A4 notice (names and work phones)."""
    community = _community(division_id)
    kind, start = _period()
    roster = publicity.roster_for(community, kind, start)
    if roster is None or roster.is_empty:
        abort(404)
    result = publicity.roster_pdf(roster)
    audit_print(_("值班表"), publicity.roster_title(roster), len(roster.shifts), result)
    return _pdf_response(result.pdf, _("值班表-%(community)s", community=community.name))
