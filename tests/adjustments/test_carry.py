"""A split or merge carries the registers and the open work into the new grids, and
leaves history where it was (app/adjustments/carry.py)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.adjustments import carry
from app.auth.models import AuditEvent
from app.extensions import db
from app.matters import reporting
from app.org import boundaries
from app.org.models import Building, Division
from app.org.services import OrgError
from app.registry.housing.models import House, Rental, Shop
from app.registry.keypersons.models import KeyPerson
from app.registry.organisations.models import JointDefenceGroup, JointDefenceMember, Organisation
from app.registry.people.models import Household, PopulationEvent, Resident
from app.visits.models import Visit
from tests.conftest import fresh

DAY = date(2025, 7, 1)


def _split(world, building_part, chosen=None, rest=None):
    """Split grid A in two, its first building (building_a) as the plan says."""
    grid = world.grid_a
    buildings = list(db.session.scalars(select(Building).where(Building.grid_id == grid.id)))
    specs = [
        boundaries.NewGridSpec("010", "甲网格", boundaries.ProfileValues(), []),
        boundaries.NewGridSpec("011", "乙网格", boundaries.ProfileValues(), []),
    ]
    for building in buildings:
        specs[building_part[building.id]].building_ids.append(building.id)
    plan = carry.plan([grid], 2, building_part, chosen or {}, rest, DAY)
    change = boundaries.split_grid(grid, specs, DAY, "人口增长", None)
    carry.apply(plan, [grid], change.grids("after"), DAY, "人口增长")
    db.session.commit()
    return change.grids("after")


def test_a_split_carries_every_register_into_the_new_grids(world):
    records = world.records["a"]
    household, resident = world.households["a"], world.residents["a"]
    matter_building = Building(community=world.community_a, grid=world.grid_a, number="9号楼", address="东关路9号")
    db.session.add(matter_building)
    db.session.flush()
    records["matter"].building_id = matter_building.id
    visits_before = db.session.scalar(select(db.func.count(Visit.id)).where(Visit.grid_id == world.grid_a.id))
    db.session.commit()
    plan = carry.plan([world.grid_a], 2, {world.building_a.id: 0, matter_building.id: 1}, {}, None, DAY)
    # The shop has no house and the organisation no building: they wait to be placed.
    assert {(p.kind, p.record.id) for p in plan.unplaced} >= {
        ("shop", records["shop"].id),
        ("organisation", records["organisation"].id),
    }
    chosen = {carry.placement_key("shop", records["shop"].id): 1}
    first, second = _split(world, {world.building_a.id: 0, matter_building.id: 1}, chosen, rest=0)
    fresh()
    assert db.session.get(Household, household.id).grid_id == first.id
    assert db.session.get(Resident, resident.id).grid_id == first.id
    assert db.session.get(KeyPerson, records["key_person"].id).grid_id == first.id
    assert db.session.get(House, records["house"].id).grid_id == first.id
    assert db.session.get(Rental, records["rental"].id).grid_id == first.id
    assert db.session.get(Shop, records["shop"].id).grid_id == second.id  # placed by hand
    assert db.session.get(Organisation, records["organisation"].id).grid_id == first.id  # all the rest
    assert db.session.get(JointDefenceGroup, records["group"].id).grid_id == first.id
    matter = db.session.get(type(records["matter"]), records["matter"].id)
    assert matter.grid_id == second.id  # by its building
    # History stays: the visits made before count for the retired grid.
    assert (
        db.session.scalar(select(db.func.count(Visit.id)).where(Visit.grid_id == world.grid_a.id)) == visits_before > 0
    )
    # A 网格调整 event in both grids' feeds, never a 住户搬迁.
    events = list(db.session.scalars(select(PopulationEvent).where(PopulationEvent.household_id == household.id)))
    adjusted = [e for e in events if e.kind == "grid_adjusted"]
    assert len(adjusted) == 1 and adjusted[0].from_grid_id == world.grid_a.id and adjusted[0].grid_id == first.id
    assert adjusted[0].occurred_on == DAY and not [e for e in events if e.kind == "household_moved"]
    audited = {
        e.detail["kind"]: e.detail["to"]
        for e in db.session.scalars(select(AuditEvent))
        if e.action == "grid_records_moved"
    }
    assert audited["household"] == {first.code: 1} and audited["shop"] == {second.code: 1}


def test_a_split_with_records_left_unplaced_changes_nothing(world):
    with pytest.raises(OrgError) as refused:
        _split(world, {world.building_a.id: 0})
    assert refused.value.field == "placements" and "未指定新网格" in str(refused.value)
    db.session.rollback()
    fresh()
    assert db.session.get(Division, world.grid_a.id).status == "active"
    assert db.session.get(Organisation, world.records["a"]["organisation"].id).grid_id == world.grid_a.id


def test_closed_and_ended_records_stay_with_the_retired_grid(world):
    records = world.records["a"]
    records["rental"].end_date = date(2025, 3, 31)
    records["shop"].status = "closed"
    reporting_matter = records["matter"]
    reporting_matter.status = "closed"
    db.session.commit()
    first, _second = _split(world, {world.building_a.id: 0}, rest=0)
    fresh()
    assert db.session.get(Rental, records["rental"].id).grid_id == world.grid_a.id
    assert db.session.get(Shop, records["shop"].id).grid_id == world.grid_a.id
    assert db.session.get(type(reporting_matter), reporting_matter.id).grid_id == world.grid_a.id
    assert db.session.get(House, records["house"].id).grid_id == first.id


def test_a_household_going_elsewhere_than_its_group_leaves_the_group(world):
    second_building = Building(community=world.community_a, grid=world.grid_a, number="2号楼", address="东关路2号")
    db.session.add(second_building)
    db.session.flush()
    neighbour = Household(grid_id=world.grid_a.id, building_id=second_building.id, household_number="A-9")
    db.session.add(neighbour)
    db.session.flush()
    records = world.records["a"]
    records["group"].members.append(JointDefenceMember(household_id=neighbour.id))
    db.session.commit()
    first, second = _split(world, {world.building_a.id: 0, second_building.id: 1}, rest=0)
    fresh()
    group = db.session.get(JointDefenceGroup, records["group"].id)
    # One household each way: the tie goes to the first new grid, and the other leaves.
    assert group.grid_id == first.id
    assert [m.household_id for m in group.members] == [world.households["a"].id]
    assert db.session.get(Household, neighbour.id).grid_id == second.id


def test_a_merge_carries_everything_of_every_grid(world):
    grids = [world.grid_a, world.grid_a2]
    plan = carry.plan(grids, 1, {}, {}, 0, DAY)
    assert not plan.unplaced
    change = boundaries.merge_grids(
        grids, boundaries.NewGridSpec("012", "合并网格", boundaries.ProfileValues()), DAY, "精简", None
    )
    merged = change.grids("after")[0]
    carry.apply(plan, grids, [merged], DAY, "精简")
    db.session.commit()
    fresh()
    for model in (Household, Resident, KeyPerson, House, Shop, Organisation, JointDefenceGroup):
        left = db.session.scalar(
            select(db.func.count()).select_from(model).where(model.grid_id.in_([g.id for g in grids]))
        )
        assert left == 0, model.__name__
    assert db.session.get(Household, world.households["a"].id).grid_id == merged.id


def test_an_open_matter_moved_with_its_grid_keeps_its_number_and_deadline(world):
    matter = reporting.report(
        reporting.MatterValues(class_code="livelihood", description="楼道灯坏", grid=world.grid_a, source="visit")
    )
    matter.building_id = world.building_a.id
    db.session.commit()
    number, due = matter.number, matter.handle_due_at
    first, _second = _split(world, {world.building_a.id: 0}, rest=1)
    fresh()
    moved = db.session.get(type(matter), matter.id)
    assert (moved.grid_id, moved.number, moved.handle_due_at) == (first.id, number, due)


def test_open_tasks_and_inspections_to_rectify_go_with_the_grid_and_a_merged_task_counts_once(world):
    from app.supervision.models import Inspection, TaskTarget

    records = world.records["a"]
    task = records["target"].task
    twin = TaskTarget(task=task, division_id=world.grid_a2.id)
    db.session.add(twin)
    db.session.commit()
    grids = [world.grid_a, world.grid_a2]
    plan = carry.plan(grids, 1, {}, {}, 0, DAY)
    assert plan.counts()["task"] == [1] and [t.id for t in plan.duplicate_targets] == [twin.id]
    assert plan.counts()["inspection"] == [1]
    change = boundaries.merge_grids(
        grids, boundaries.NewGridSpec("012", "合并网格", boundaries.ProfileValues()), DAY, "精简", None
    )
    merged = change.grids("after")[0]
    carry.apply(plan, grids, [merged], DAY, "精简")
    db.session.commit()
    fresh()
    targets = list(db.session.scalars(select(TaskTarget).where(TaskTarget.task_id == task.id)))
    assert [t.division_id for t in targets] == [merged.id]
    assert db.session.get(Inspection, records["inspection"].id).grid_id == merged.id


def test_a_finished_task_and_a_passed_rectification_stay_as_history(world):
    from app.supervision.models import Inspection, TaskTarget

    records = world.records["a"]
    records["target"].completed_on = date(2024, 1, 20)
    records["rectification"].status = "passed"
    db.session.commit()
    _split(world, {world.building_a.id: 0}, rest=1)
    fresh()
    assert db.session.get(TaskTarget, records["target"].id).division_id == world.grid_a.id
    assert db.session.get(Inspection, records["inspection"].id).grid_id == world.grid_a.id
