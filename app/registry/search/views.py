"""One box for the whole register: residents, households and organisations that
match, within the user's scope, with numbers masked."""

from __future__ import annotations

from flask import request
from flask_login import login_required
from sqlalchemy import or_
from sqlalchemy.orm import selectinload

from app.core.identity import normalise_text_digits
from app.core.rendering import render_page
from app.core.scoping import scoped_select
from app.extensions import db
from app.registry import bp
from app.registry.people.models import Household, HouseholdMember, Organisation, Resident
from app.registry.search.filters import filter_households, filter_residents

LIMIT = 20


def _first(statement, limit: int = LIMIT) -> tuple[list, bool]:
    """Up to `limit` rows, and whether there are more. Not how many more: counting
    every household whose address mentions 王萍 reads the whole county, and the
    "see all" link leads to the list, which counts (up to its cap)."""
    rows = list(db.session.scalars(statement.limit(limit + 1)))
    return rows[:limit], len(rows) > limit


def _organisations(query: str):
    code = normalise_text_digits(query).upper()
    return (
        scoped_select(Organisation)
        .where(
            or_(
                Organisation.name.icontains(query, autoescape=True),
                Organisation.credit_code.icontains(code, autoescape=True),
            )
        )
        .order_by(Organisation.name)
    )


@bp.route("/search")
@login_required
def search():
    """Residents by name, pinyin initials or ID/phone fragment; households by number,
    address or head; organisations by name or credit-code fragment."""
    query = request.args.get("q", "").strip()
    results = {}
    if query:
        results["residents"] = _first(
            filter_residents(scoped_select(Resident), query=query).options(
                selectinload(Resident.grid), selectinload(Resident.memberships).selectinload(HouseholdMember.household)
            )
        )
        results["households"] = _first(
            filter_households(scoped_select(Household), query=query).options(
                selectinload(Household.grid), selectinload(Household.head), selectinload(Household.building)
            )
        )
        results["organisations"] = _first(_organisations(query).options(selectinload(Organisation.grid)))
    return render_page(
        "registry/search.html",
        fragment="registry/_search_results.html",
        target_id="search-results",
        query=query,
        results=results,
        limit=LIMIT,
    )
