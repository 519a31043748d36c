"""动态信息: the feed of population changes, with corrections and moves shown as
before → after (personal numbers masked). A move between grids (a shop's) shows in
the feed of the grid left as well as the grid reached."""

from __future__ import annotations

from datetime import date

from flask import request
from flask_login import login_required
from sqlalchemy import or_
from sqlalchemy.orm import selectinload

from app.core.pagination import paginate
from app.core.rendering import render_page
from app.core.scoping import scoped_select
from app.extensions import db
from app.org.services import visible_grids
from app.registry import bp
from app.registry.people import reference
from app.registry.people.changes import correction_summaries
from app.registry.people.models import PopulationEvent, Shop


def _parse_day(text: str | None) -> date | None:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        return None


@bp.route("/population-changes/")
@login_required
def change_feed():
    """动态信息: population changes in the user's grids, newest first."""
    grid_id = request.args.get("grid", type=int)
    kind = request.args.get("kind", "")
    date_from = _parse_day(request.args.get("from"))
    date_to = _parse_day(request.args.get("to"))
    statement = scoped_select(PopulationEvent)
    if grid_id:
        statement = statement.where(or_(PopulationEvent.grid_id == grid_id, PopulationEvent.from_grid_id == grid_id))
    if kind in reference.EVENT_KINDS:
        statement = statement.where(PopulationEvent.kind == kind)
    else:
        kind = ""
    if date_from:
        statement = statement.where(PopulationEvent.occurred_on >= date_from)
    if date_to:
        statement = statement.where(PopulationEvent.occurred_on <= date_to)
    statement = statement.options(
        selectinload(PopulationEvent.grid),
        selectinload(PopulationEvent.from_grid),
        selectinload(PopulationEvent.household),
        selectinload(PopulationEvent.resident),
        selectinload(PopulationEvent.shop),
        selectinload(PopulationEvent.recorded_by),
    )
    page = paginate(statement.order_by(PopulationEvent.occurred_on.desc(), PopulationEvent.id.desc()), per_page=30)
    # A shop that moved out of the user's grids is named but not linked (its page is 404).
    shop_ids = {e.shop_id for e in page.items if e.shop_id}
    linked_shops = (
        set(db.session.scalars(scoped_select(Shop).with_only_columns(Shop.id).where(Shop.id.in_(shop_ids))))
        if shop_ids
        else set()
    )
    return render_page(
        "registry/changes.html",
        fragment="registry/_change_rows.html",
        target_id="change-rows",
        page=page,
        summaries=correction_summaries(page.items),
        linked_shops=linked_shops,
        grid_id=grid_id,
        kind=kind,
        date_from=date_from,
        date_to=date_to,
        grids=visible_grids(),
        kinds=reference.EVENT_KINDS,
    )
