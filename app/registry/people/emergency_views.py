"""应急疏散重点人员名册: whom to fetch first when a disaster strikes (002 篇一: 突发性灾害
应急处理纳入网格). For one grid, building by building, unit by unit, room by room, the
residents with a care tag (空巢老人, 残疾人, 留守儿童 …) with their age and their tags,
the household's head to contact, and — since a print masks every personal phone — the
work phones of the building chief and of the grid's staff, who can be called.

Internal (内部资料), scoped to what the user may see of the grid, audited as a print."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy.orm import selectinload

from app.core.identity import age_on
from app.core.rendering import pdf_download
from app.core.scoping import get_visible_or_404, scoped_select
from app.core.timeutil import local_today
from app.extensions import db
from app.org.models import Building, Division
from app.org.services import active_assignments
from app.printing.pdf import render_pdf
from app.printing.views import audit_print
from app.registry import bp
from app.registry.people.models import Household, HouseholdMember, Resident


@dataclass
class RollLine:
    household: Household
    resident: Resident
    age: int | None
    tags: str


def emergency_lines(grid: Division) -> list[tuple[Building | None, list[RollLine]]]:
    """The grid's residents with an active care tag, grouped by building in the route
    sheet's walking order."""
    from app.visits.schedule import walking_order  # (app.visits builds on the registry)

    households = db.session.scalars(
        scoped_select(Household)
        .where(Household.grid_id == grid.id, Household.status == "active")
        .options(
            selectinload(Household.building).selectinload(Building.chief),
            selectinload(Household.head),
            selectinload(Household.memberships).selectinload(HouseholdMember.resident).selectinload(Resident.tags),
        )
    )
    today = local_today()
    groups: list[tuple[Building | None, list[RollLine]]] = []
    for household in sorted(households, key=walking_order):
        lines = []
        for member in household.current_members:
            person = member.resident
            tags = [tag.name for tag in person.tags if tag.is_active]
            if person.status == "active" and tags:
                age = age_on(person.birth_date, today) if person.birth_date else None
                lines.append(RollLine(household, person, age, _("、").join(tags)))
        if not lines:
            continue
        if not groups or groups[-1][0] is not household.building:
            groups.append((household.building, []))
        groups[-1][1].extend(lines)
    return groups


@bp.route("/grids/<int:division_id>/emergency-roll.pdf")
@login_required
def emergency_roll(division_id: int):
    grid = get_visible_or_404(Division, division_id)
    if not grid.is_grid:
        abort(404)
    groups = emergency_lines(grid)
    count = sum(len(lines) for _building, lines in groups)
    title = _("应急疏散重点人员名册")
    result = render_pdf(
        "registry/emergency_roll.html",
        title=title,
        grid=grid,
        groups=groups,
        count=count,
        staff=active_assignments([grid.id]),
        today=local_today(),
    )
    audit_print(title, grid.full_name, count, result)
    return pdf_download(result.pdf, f"{title}-{grid.name}")
