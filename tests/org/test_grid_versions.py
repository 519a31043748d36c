"""Splitting and merging grids keeps history (动态更新); coverage finds the gaps."""
from datetime import date

import pytest
from sqlalchemy import select

from app.extensions import db
from app.org import boundaries, services
from app.org.models import Building, Division, StaffAssignment, StaffMember, StaffRole
from tests.conftest import fresh, text_of
from tests.factories import START


def _add_buildings(world, count):
    buildings = [Building(community=world.community_a, grid=world.grid_a, number=f"{n}栋", address=f"东关路{n}号")
                 for n in range(2, 2 + count)]
    db.session.add_all(buildings)
    db.session.commit()
    return [world.building_a] + buildings


def test_split_through_the_page(client_as, world):
    buildings = _add_buildings(world, 2)
    client = client_as("town_a")
    form = client.get(f"/grids/{world.grid_a.id}/split?parts=2").get_data(as_text=True)
    assert "新网格 2" in form
    data = {"confirm": "1", "part_count": "2", "effective_date": "2025-07-01", "reason": "人口增长",
            "part-0-code": "010", "part-0-name": "东关一网格北", "part-0-boundary_east": "东街",
            "part-0-boundary_south": "中街", "part-0-boundary_west": "西巷", "part-0-boundary_north": "北河",
            "part-1-code": "011", "part-1-name": "东关一网格南"}
    data.update({f"building-{b.id}": "0" if i < 2 else "1" for i, b in enumerate(buildings)})
    response = client.post(f"/grids/{world.grid_a.id}/split", data=data)
    assert response.status_code == 303, text_of(response)
    fresh()
    old = db.session.get(Division, world.grid_a.id)
    assert old.status == "retired" and old.valid_to == date(2025, 6, 30)
    assert old.current_profile is None  # its last version was closed, not deleted
    north, south = (db.session.scalar(select(Division).where(Division.name == n)) for n in ("东关一网格北", "东关一网格南"))
    assert north.code == "990101001001010" and north.valid_from == date(2025, 7, 1)
    assert {b.grid_id for b in db.session.scalars(select(Building).where(Building.id.in_([b.id for b in buildings[:2]])))} == {north.id}
    assert db.session.get(Building, buildings[2].id).grid_id == south.id
    # The old grid's staff assignments ended the day before.
    ended = db.session.scalars(select(StaffAssignment).where(StaffAssignment.division_id == old.id))
    assert {a.end_date for a in ended} == {date(2025, 6, 30)}
    history = text_of(client.get(f"/grids/{old.id}/history"))
    assert "拆分" in history and "东关一网格北" in history and "东关一网格南" in history
    # Retired grids leave the default tree but stay reachable.
    assert "东关一网格北" in text_of(client.get("/divisions/"))
    assert "已撤销" in text_of(client.get("/divisions/?retired=1"))


def test_split_must_place_every_building(client_as, world):
    buildings = _add_buildings(world, 1)
    client = client_as("town_a")
    data = {"confirm": "1", "part_count": "2", "effective_date": "2025-07-01", "reason": "x",
            "part-0-code": "010", "part-0-name": "甲", "part-1-code": "011", "part-1-name": "乙"}
    data[f"building-{buildings[0].id}"] = "0"  # the second building is left out
    response = client.post(f"/grids/{world.grid_a.id}/split", data=data)
    assert "每个楼栋都须分到一个新网格" in text_of(response)
    assert 'value="甲"' in response.get_data(as_text=True)
    fresh()
    assert db.session.get(Division, world.grid_a.id).status == "active"


def test_split_refuses_a_date_not_after_the_grid_began(world):
    with pytest.raises(services.OrgError):
        boundaries.split_grid(world.grid_a, [boundaries.NewGridSpec("010", "甲", boundaries.ProfileValues(), [world.building_a.id]),
                                           boundaries.NewGridSpec("011", "乙", boundaries.ProfileValues())],
                            START, "x")


def test_merge_keeps_history_and_carries_staff_and_buildings(client_as, world):
    client = client_as("town_a")
    response = client.post(f"/divisions/{world.community_a.id}/merge", data={
        "grids": [str(world.grid_a.id), str(world.grid_a2.id)], "code_segment": "020", "name": "东关合并网格",
        "effective_date": "2025-09-01", "reason": "网格调整", "boundary_east": "东街", "boundary_south": "南路",
        "boundary_west": "西巷", "boundary_north": "北河"})
    assert response.status_code == 303, text_of(response)
    fresh()
    merged = db.session.scalar(select(Division).where(Division.name == "东关合并网格"))
    assert {db.session.get(Division, g).status for g in (world.grid_a.id, world.grid_a2.id)} == {"retired"}
    assert db.session.get(Building, world.building_a.id).grid_id == merged.id
    carried = db.session.scalars(select(StaffAssignment).where(StaffAssignment.division_id == merged.id))
    assert {(a.staff.name, a.role) for a in carried} == {("员工chief_a", "grid_chief"), ("员工worker_a", "full_time_worker")}
    changes = boundaries.grid_changes(merged)
    assert changes[0].kind == "merge" and {g.name for g in changes[0].grids("before")} == {"东关一网格", "东关二网格"}
    # The grid worker keeps seeing their (new) grid through the carried assignment.
    assert "东关合并网格" in text_of(client_as("worker_a").get("/divisions/"))


def test_merge_only_within_one_community(world):
    with pytest.raises(services.OrgError, match="同一社区"):
        boundaries.merge_grids([world.grid_a, world.grid_a3], boundaries.NewGridSpec("030", "x", boundaries.ProfileValues()),
                             date(2025, 1, 1), "x")


def test_merge_page_needs_two_grids(client_as, world):
    response = client_as("town_a").post(f"/divisions/{world.community_a.id}/merge", data={
        "grids": [str(world.grid_a.id)], "code_segment": "020", "name": "x", "effective_date": "2025-09-01", "reason": "x"})
    assert "至少需要选择两个网格" in text_of(response)


def test_coverage_lists_the_gaps(client_as, world):
    db.session.add(Building(community=world.community_a, number="无格楼", address="东关路99号"))
    world.grid_a2.current_profile.boundary_west = ""
    db.session.commit()
    result = services.coverage(world.community_a)
    assert [g.name for g in result.grids_without_worker] == ["东关二网格"]
    assert [g.name for g in result.grids_without_boundary] == ["东关二网格"]
    assert [b.number for b in result.buildings_without_grid] == ["无格楼"]
    page = text_of(client_as("station_a").get(f"/divisions/{world.community_a.id}/coverage"))
    assert "无格楼" in page and "东关二网格" in page
    # Once a worker is assigned and the boundary drawn, the gaps close.
    fresh()
    member = StaffMember(home_division=world.community_a, name="新网格员", phone="13900000000")
    db.session.add(StaffAssignment(staff=member, division=world.grid_a2, role=StaffRole.PART_TIME_WORKER.value,
                                   start_date=START))
    world.grid_a2.current_profile.boundary_west = "西巷"
    db.session.commit()
    assert services.coverage(world.community_a).grids_without_worker == []
    assert services.coverage(world.community_a).grids_without_boundary == []


def test_team_check_names_what_is_missing(world):
    check = services.team_check(services.active_assignments([world.grid_a.id]))
    assert check.chiefs == 1 and check.workers == 1
    assert check.missing == ["党组织负责人", "志愿者"]
    assert not check.complete
