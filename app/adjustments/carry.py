"""What a split or merge carries into the new grids, planned before anything is written
and applied in the transaction of the split or merge itself.

A record goes where its building goes: households, houses and open matters by their
building, residents with their household, key persons with their resident, rentals
with their house, shops with the house they trade from, a 十户联防 group where most of
its households go, inspections still to rectify with their shop or organisation. What
has no building — rural households at a free-text address, organisations, a shop
without a house, open task targets — is placed by the person doing the split, one by
one or all the rest at once (`placed_by_hand`). Nothing is left behind on a retired
grid except history: visits, patrols, closed matters, ended rentals, closed shops,
finished tasks, passed rectifications, people who died or moved away, and past
population events keep the grid they belonged to on their date. Households moved in
bulk to another grid of their community go the same way (app/adjustments/bulk.py).

Applying writes one 网格调整 population event per household (and per shop, and per
resident placed without a household) in the feeds of both grids, one CarriedRecord per
household, matter, task target and inspection (so that their past still counts for
the old grid: app/adjustments/history.py), and one audit entry per kind of record with the counts
per new grid."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.adjustments.models import CarriedRecord
from app.adjustments.open_work import open_matters, open_task_targets, rental_current_on
from app.auth import audit
from app.core.timeutil import local_day_start_utc
from app.extensions import db
from app.matters.models import Matter
from app.org.models import Division
from app.org.services import OrgError
from app.registry.housing.models import House, Rental, Shop
from app.registry.keypersons.models import KeyPerson
from app.registry.organisations.models import JointDefenceGroup, JointDefenceMember, Organisation
from app.registry.people.models import Household, HouseholdMember, PopulationEvent, Resident
from app.supervision.models import Inspection, Rectification, TaskTarget

KINDS = {
    "household": _l("住户"),
    "resident": _l("实有人口"),
    "key_person": _l("重点人员"),
    "house": _l("房屋"),
    "rental": _l("出租房屋"),
    "shop": _l("商铺"),
    "organisation": _l("组织"),
    "group": _l("十户联防组"),
    "matter": _l("未办结事件"),
    "task": _l("未完成的交办任务"),
    "inspection": _l("待整改的督查"),
}
ADJUSTED = "grid_adjusted"  # the population event's kind: 网格调整
# Records whose past is counted by date — a household's quarter of key-group visits,
# open work fallen overdue, urged, late, screened or inspected: where each was before
# the adjustment is kept (CarriedRecord, app/adjustments/history.py).
KEPT_WHERE_THEY_WERE = ("household", "matter", "task", "inspection")


@dataclass
class Placement:
    """A record without a building: the person says which new grid it goes to."""

    kind: str
    record: Any
    label: str
    target: int | None

    @property
    def key(self) -> str:
        return placement_key(self.kind, self.record.id)


def placement_key(kind: str, record_id: int) -> str:
    return f"place-{kind}-{record_id}"


@dataclass
class Plan:
    parts: int
    moves: dict[str, list[tuple[Any, int]]] = field(default_factory=lambda: {kind: [] for kind in KINDS})
    placed_by_hand: list[Placement] = field(default_factory=list)
    # Households that go to another grid than their 十户联防 group: they leave it.
    leaving_groups: list[JointDefenceMember] = field(default_factory=list)
    # A task given to two of the merged grids: the new grid takes it once.
    duplicate_targets: list[TaskTarget] = field(default_factory=list)

    @property
    def unplaced(self) -> list[Placement]:
        return [placement for placement in self.placed_by_hand if placement.target is None]

    def digest(self, *also: object) -> str:
        """A short fingerprint of where every record goes (and of `also`: the new grids'
        names and the date): the preview carries it, so that a confirmation applies
        what was previewed — a record added or a choice changed since asks for a new look."""
        text = repr(
            (
                sorted((kind, record.id, target) for kind, moves in self.moves.items() for record, target in moves),
                sorted(member.id for member in self.leaving_groups),
                sorted(task_target.id for task_target in self.duplicate_targets),
                also,
            )
        )
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def counts(self) -> dict[str, list[int]]:
        """Per kind of record, how many go to each new grid."""
        result = {}
        for kind, moves in self.moves.items():
            per_part = [0] * self.parts
            for _record, target in moves:
                per_part[target] += 1
            result[kind] = per_part
        return result


def plan(
    old_grids: list[Division],
    parts: int,
    building_part: dict[int, int],
    chosen: dict[str, int],
    rest: int | None,
    effective_date: date,
) -> Plan:
    """Where each record of `old_grids` goes: `building_part` maps each building to a
    new grid's index; `chosen` maps placement keys (`placement_key`) of records
    without a building to an index, and `rest` is the index for those not chosen (or
    None: they stay unplaced, and applying refuses)."""
    grid_ids = [grid.id for grid in old_grids]
    result = Plan(parts)
    target: int | None  # a new grid's index, None while unplaced

    def by_hand(kind: str, record, label: str) -> int | None:
        target = chosen.get(placement_key(kind, record.id), rest)
        result.placed_by_hand.append(Placement(kind, record, label, target))
        return target

    def by_building(kind: str, record, building_id: int | None, label: str) -> int | None:
        if building_id in building_part:
            return building_part[building_id]
        return by_hand(kind, record, label)

    def move(kind: str, record, target: int | None) -> None:
        if target is not None:
            result.moves[kind].append((record, target))

    household_target: dict[int, int | None] = {}
    for household in db.session.scalars(
        select(Household)
        .where(Household.grid_id.in_(grid_ids), Household.status == "active")
        .order_by(Household.household_number, Household.id)
    ):
        target = by_building(
            "household", household, household.building_id, household.address or household.household_number
        )
        household_target[household.id] = target
        move("household", household, target)

    resident_target: dict[int, int | None] = {}
    for member in db.session.scalars(
        select(HouseholdMember).where(
            HouseholdMember.household_id.in_(household_target), HouseholdMember.end_date.is_(None)
        )
    ):
        resident_target[member.resident_id] = household_target[member.household_id]
    for resident in db.session.scalars(
        select(Resident)
        .where(Resident.grid_id.in_(grid_ids), Resident.status == "active")
        .order_by(Resident.name, Resident.id)
    ):
        if resident.id not in resident_target:
            resident_target[resident.id] = by_hand("resident", resident, resident.name)
        move("resident", resident, resident_target[resident.id])

    for key_person in db.session.scalars(
        select(KeyPerson).where(KeyPerson.grid_id.in_(grid_ids), KeyPerson.status == "active").order_by(KeyPerson.id)
    ):
        if key_person.resident_id in resident_target:
            target = resident_target[key_person.resident_id]
        else:
            # Listed under a resident registered elsewhere: it goes with the rest, and
            # is never named on the form — not everyone who may split grids may see
            # who is a key person.
            target = rest
            if target is None:
                result.placed_by_hand.append(Placement("key_person", key_person, "", None))
        move("key_person", key_person, target)

    house_target: dict[int, int | None] = {}
    for house in db.session.scalars(select(House).where(House.grid_id.in_(grid_ids)).order_by(House.id)):
        target = by_building("house", house, house.building_id, house.address_text or house.owner_name)
        house_target[house.id] = target
        move("house", house, target)

    # Rentals that ended before the change stay with the retired grid, as history.
    for rental in db.session.scalars(
        select(Rental).where(Rental.grid_id.in_(grid_ids), rental_current_on(effective_date)).order_by(Rental.id)
    ):
        move("rental", rental, house_target.get(rental.house_id))

    for shop in db.session.scalars(
        select(Shop).where(Shop.grid_id.in_(grid_ids), Shop.status == "open").order_by(Shop.name, Shop.id)
    ):
        if shop.house_id in house_target:
            target = house_target[shop.house_id]
        else:
            target = by_hand("shop", shop, shop.name)
        move("shop", shop, target)

    for organisation in db.session.scalars(
        select(Organisation).where(Organisation.grid_id.in_(grid_ids)).order_by(Organisation.name, Organisation.id)
    ):
        move("organisation", organisation, by_hand("organisation", organisation, organisation.name))

    for group in db.session.scalars(
        select(JointDefenceGroup).where(JointDefenceGroup.grid_id.in_(grid_ids)).order_by(JointDefenceGroup.id)
    ):
        going = Counter(
            household_target[m.household_id] for m in group.members if household_target.get(m.household_id) is not None
        )
        if going:
            # Where most of its households go (the lower number on a tie).
            target = min(going, key=lambda part: (-going[part], part))
        else:
            target = by_hand("group", group, group.name)
        move("group", group, target)
        result.leaving_groups.extend(
            m for m in group.members if target is not None and household_target.get(m.household_id, target) != target
        )

    for matter in db.session.scalars(open_matters(grid_ids).order_by(Matter.number)):
        move(
            "matter",
            matter,
            by_building("matter", matter, matter.building_id, f"{matter.number} {matter.address}".strip()),
        )

    # Open work of the grids themselves: tasks not yet reported done, and inspections
    # with problems still to rectify (the inspection goes along, to be re-checked there).
    tasks_taken: set[int] = set()
    for task_target in db.session.scalars(open_task_targets(grid_ids).order_by(TaskTarget.id)):
        if parts == 1 and task_target.task_id in tasks_taken:
            result.duplicate_targets.append(task_target)
            continue
        tasks_taken.add(task_target.task_id)
        move("task", task_target, by_hand("task", task_target, task_target.task.title))
    shop_target = {shop.id: target for shop, target in result.moves["shop"]}
    organisation_target = {organisation.id: target for organisation, target in result.moves["organisation"]}
    for inspection in db.session.scalars(
        select(Inspection)
        .where(
            Inspection.grid_id.in_(grid_ids),
            Inspection.id.in_(select(Rectification.inspection_id).where(Rectification.status == "open")),
        )
        .order_by(Inspection.inspected_on, Inspection.id)
    ):
        if inspection.shop_id in shop_target:
            target = shop_target[inspection.shop_id]
        elif inspection.organisation_id in organisation_target:
            target = organisation_target[inspection.organisation_id]
        else:
            label = f"{inspection.inspected_on.isoformat()} {inspection.point or inspection.items_checked}"
            target = by_hand("inspection", inspection, label[:80])
        move("inspection", inspection, target)
    return result


def require_placed(plan: Plan) -> None:
    """Refuses (OrgError at "placements") while a record without a building has no new grid."""
    if plan.unplaced:
        raise OrgError(
            _("还有 %(n)d 条没有楼栋的记录未指定新网格，请逐条选择或统一指定。", n=len(plan.unplaced)), "placements"
        )


def apply(
    plan: Plan, old_grids: list[Division], new_grids: list[Division], effective_date: date, reason: str, user=None
) -> None:
    """Move every planned record into its new grid, in the caller's transaction."""
    require_placed(plan)
    old_names = {grid.id: grid.name for grid in old_grids}
    moved_alone = {placement.record.id for placement in plan.placed_by_hand if placement.kind == "resident"}
    for kind, moves in plan.moves.items():
        if not moves:
            continue
        column = "division_id" if kind == "task" else "grid_id"
        for record, target in moves:
            new_grid = new_grids[target]
            old_grid_id = getattr(record, column)
            setattr(record, column, new_grid.id)
            if isinstance(record, Matter):
                # A matter owned or handled at the grid level follows it there.
                if record.owner_division_id == old_grid_id:
                    record.owner_division_id = new_grid.id
                if record.handler_division_id == old_grid_id:
                    record.handler_division_id = new_grid.id
            if kind in KEPT_WHERE_THEY_WERE:
                db.session.add(
                    CarriedRecord(
                        kind=kind,
                        record_id=record.id,
                        from_grid_id=old_grid_id,
                        to_grid_id=new_grid.id,
                        effective_on=effective_date,
                        effective_from=local_day_start_utc(effective_date),
                    )
                )
            if kind in ("household", "shop") or (kind == "resident" and record.id in moved_alone):
                db.session.add(
                    PopulationEvent(
                        kind=ADJUSTED,
                        occurred_on=effective_date,
                        grid_id=new_grid.id,
                        from_grid_id=old_grid_id,
                        household_id=record.id if kind == "household" else None,
                        shop_id=record.id if kind == "shop" else None,
                        resident_id=record.id if kind == "resident" else None,
                        recorded_by_id=getattr(user, "id", None),
                        before={"grid_id": old_grid_id},
                        after={"grid_id": new_grid.id},
                        note=reason,
                    )
                )
        per_grid = Counter(new_grids[target].code for _record, target in moves)
        audit.record(
            "grid_records_moved",
            summary=_(
                "网格调整：%(kind)s %(n)d 条，自 %(old)s",
                kind=KINDS[kind],
                n=len(moves),
                old=_("、").join(old_names.values()),
            ),
            detail={"kind": kind, "from": [grid.code for grid in old_grids], "to": dict(per_grid)},
        )
    for member in plan.leaving_groups:
        db.session.delete(member)
    for task_target in plan.duplicate_targets:
        db.session.delete(task_target)
    db.session.flush()
