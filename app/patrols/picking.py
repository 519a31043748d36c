"""Choosing the grid or community a page is about, among those the user may see."""

from __future__ import annotations

from datetime import date

from flask import abort, request
from flask_login import current_user
from sqlalchemy import select

from app.core.scoping import get_visible_or_404, scoped_select
from app.core.timeutil import local_today
from app.extensions import db
from app.org.models import Division
from app.org.services import grid_label, visible_grids
from app.patrols.compliance import week_start


def unit_choices() -> list[tuple[int, str]]:
    """Visible communities and grids, communities first (for page pickers)."""
    units = list(
        db.session.scalars(
            scoped_select(Division)
            .where(Division.level.in_(("community", "grid")), Division.status == "active")
            .order_by(Division.code)
        )
    )
    return [(d.id, grid_label(d) if d.level == "grid" else d.name) for d in units]


def picked_unit() -> Division:
    """The grid or community named by ?division_id=, else the user's own unit or first
    visible grid; 404 for one out of scope."""
    division_id = request.args.get("division_id", type=int)
    if division_id:
        unit = get_visible_or_404(Division, division_id)
        if unit.level not in ("community", "grid"):
            abort(404)
        return unit
    own = current_user.scope_division
    if own is not None and own.level in ("community", "grid"):
        return own
    grids = visible_grids()
    if not grids:
        abort(404)
    return grids[0]


def grid_ids_of(unit: Division):
    """The grids under a community (or the grid itself)."""
    return select(Division.id).where(Division.level == "grid", Division.code.startswith(unit.code, autoescape=True))


def picked_week(name: str = "week") -> date:
    """The Monday of ?week=YYYY-MM-DD (any day of that week), else this week's."""
    try:
        return week_start(date.fromisoformat(request.args.get(name, "")))
    except ValueError:
        return week_start(local_today())
