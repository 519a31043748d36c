"""批量调整: households of one grid moved together to another grid of the same community,
without moving house — planned and applied as a split is (app/adjustments/carry.py)."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from app.adjustments.carry import Plan, apply
from app.adjustments.open_work import rental_current_on
from app.extensions import db
from app.org.models import Building, Division
from app.org.services import OrgError
from app.registry.housing.models import House, Rental, Shop
from app.registry.keypersons.models import KeyPerson
from app.registry.organisations.models import JointDefenceGroup, JointDefenceMember
from app.registry.people.models import Household, HouseholdMember


def move_households(households: list[Household], to_grid: Division, day: date, reason: str, user=None) -> int:
    """批量调整: households of one grid go to another grid of the same community without
    moving house — a 网格调整, with the same events and audit as a split: their current
    members and those members' key-person listings go with them, and a household whose
    十户联防 group stays behind leaves it. Returns how many households moved."""
    if not households:
        raise OrgError(_("请至少选择一户。"), "households")
    if not to_grid.is_grid or not to_grid.is_active:
        raise OrgError(_("请选择在用的网格。"), "to_grid")
    sources = {household.grid_id for household in households}
    source = db.session.get(Division, next(iter(sources)))
    if len(sources) != 1 or source is None:
        raise OrgError(_("一次只能调整同一网格的住户。"), "households")
    if source.id == to_grid.id:
        raise OrgError(_("目标网格与原网格相同。"), "to_grid")
    if source.parent_id != to_grid.parent_id:
        raise OrgError(_("只能调整到同一社区（村）的另一网格。"), "to_grid")
    if any(household.status != "active" for household in households):
        raise OrgError(_("已销户的住户不能调整。"), "households")
    if day < to_grid.valid_from:
        raise OrgError(_("日期不能早于目标网格的设立日期。"), "day")
    plan = Plan(1)
    ids = [household.id for household in households]
    plan.moves["household"] = [(household, 0) for household in households]
    members = list(
        db.session.scalars(
            select(HouseholdMember).where(HouseholdMember.household_id.in_(ids), HouseholdMember.end_date.is_(None))
        )
    )
    residents = [member.resident for member in members if member.resident.grid_id == source.id]
    plan.moves["resident"] = [(resident, 0) for resident in residents]
    plan.moves["key_person"] = [
        (key_person, 0)
        for key_person in db.session.scalars(
            select(KeyPerson).where(
                KeyPerson.resident_id.in_([resident.id for resident in residents]),
                KeyPerson.grid_id == source.id,
                KeyPerson.status == "active",
            )
        )
    ]
    plan.leaving_groups = list(
        db.session.scalars(
            select(JointDefenceMember)
            .join(JointDefenceGroup)
            .where(JointDefenceMember.household_id.in_(ids), JointDefenceGroup.grid_id != to_grid.id)
        )
    )
    _take_emptied_buildings(plan, source, to_grid, ids, day)
    apply(plan, [source], [to_grid], day, reason, user)
    return len(households)


def _take_emptied_buildings(plan: Plan, source: Division, to_grid: Division, moved: list[int], day: date) -> None:
    """A building all of whose households move goes along — the building itself, its
    houses, their current rentals and open shops — so the grids' buildings keep
    covering their households (无缝覆盖)."""
    building_ids = {
        building_id
        for building_id in db.session.scalars(select(Household.building_id).where(Household.id.in_(moved)))
        if building_id is not None
    }
    staying = set(
        db.session.scalars(
            select(Household.building_id).where(
                Household.building_id.in_(building_ids),
                Household.status == "active",
                Household.id.not_in(moved),
            )
        )
    )
    emptied = [
        building
        for building in db.session.scalars(select(Building).where(Building.id.in_(building_ids - staying)))
        if building.grid_id == source.id
    ]
    if not emptied:
        return
    for building in emptied:
        building.grid_id = to_grid.id
    houses = list(
        db.session.scalars(
            select(House).where(House.building_id.in_([b.id for b in emptied]), House.grid_id == source.id)
        )
    )
    house_ids = [house.id for house in houses]
    plan.moves["house"] = [(house, 0) for house in houses]
    plan.moves["rental"] = [
        (rental, 0)
        for rental in db.session.scalars(select(Rental).where(Rental.house_id.in_(house_ids), rental_current_on(day)))
    ]
    plan.moves["shop"] = [
        (shop, 0)
        for shop in db.session.scalars(select(Shop).where(Shop.house_id.in_(house_ids), Shop.status == "open"))
    ]
