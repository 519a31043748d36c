"""Splitting and merging grids keeps history (动态更新); coverage finds the gaps."""

from datetime import date

import pytest
from sqlalchemy import select

from app.extensions import db
from app.org import boundaries, services
from app.org.models import Building, Division, StaffAssignment, StaffMember, StaffRole
from tests.conftest import fresh, text_of
from tests.factories import START
from tests.web import form_on, options, press, visible_text


def _add_buildings(world, count):
    buildings = [
        Building(community=world.community_a, grid=world.grid_a, number=f"{n}栋", address=f"东关路{n}号")
        for n in range(2, 2 + count)
    ]
    db.session.add_all(buildings)
    db.session.commit()
    return [world.building_a] + buildings


def _split_form(web, world):
    """拆分网格 on the grid's page."""
    page = web.get(f"/divisions/{world.grid_a.id}").click(description="拆分网格")
    assert "新网格 2" in visible_text(page) and "新网格 3" not in visible_text(page)  # two parts unless changed
    return form_on(page)


def test_split_through_the_page(web_as, world):
    buildings = _add_buildings(world, 2)
    web = web_as("town_a")
    form = _split_form(web, world)
    # Every building starts in the first new grid; the person moves the third one.
    assert all(form[f"building-{b.id}"].value == "0" for b in buildings)
    for field, value in {
        "effective_date": "2025-07-01",
        "reason": "人口增长",
        "part-0-code": "010",
        "part-0-name": "东关一网格北",
        "part-0-boundary_east": "东街",
        "part-0-boundary_south": "中街",
        "part-0-boundary_west": "西巷",
        "part-0-boundary_north": "北河",
        "part-1-code": "011",
        "part-1-name": "东关一网格南",
        f"building-{buildings[2].id}": "1",
        "place-rest": "0",  # the shop without a house and the organisation: into the first
    }.items():
        form[field] = value
    preview = press(form, "预览")
    assert preview.status_int == 200 and "预览：各新网格将接收" in visible_text(preview)
    response = press(form_on(preview), "确认拆分")
    assert response.status_int == 303, visible_text(response)[:600]
    assert "网格已拆分" in visible_text(response.follow())
    fresh()
    old = db.session.get(Division, world.grid_a.id)
    assert old.status == "retired" and old.valid_to == date(2025, 6, 30)
    assert old.current_profile is None  # its last version was closed, not deleted
    north, south = (
        db.session.scalar(select(Division).where(Division.name == n)) for n in ("东关一网格北", "东关一网格南")
    )
    assert north.code == "990101001001010" and north.valid_from == date(2025, 7, 1)
    assert north.current_profile.boundary_north == "北河"
    assert {
        b.grid_id for b in db.session.scalars(select(Building).where(Building.id.in_([b.id for b in buildings[:2]])))
    } == {north.id}
    assert db.session.get(Building, buildings[2].id).grid_id == south.id
    # The old grid's staff assignments ended the day before.
    ended = db.session.scalars(select(StaffAssignment).where(StaffAssignment.division_id == old.id))
    assert {a.end_date for a in ended} == {date(2025, 6, 30)}
    history = visible_text(web.get(f"/grids/{old.id}/history"))
    assert "拆分" in history and "东关一网格北" in history and "东关一网格南" in history
    # Retired grids leave the default tree but stay reachable.
    assert "东关一网格北" in visible_text(web.get("/divisions/"))
    assert "已撤销" in visible_text(web.get("/divisions/?retired=1"))


def test_split_must_place_every_building_even_one_added_while_the_form_was_open(web_as, world):
    """The page places every building it shows; one added to the grid after the page
    was opened is in no new grid, and the split is refused."""
    _add_buildings(world, 1)
    web = web_as("town_a")
    form = _split_form(web, world)
    for field, value in {
        "effective_date": "2025-07-01",
        "reason": "x",
        "part-0-code": "010",
        "part-0-name": "甲",
        "part-1-code": "011",
        "part-1-name": "乙",
        "place-rest": "0",
    }.items():
        form[field] = value
    late = Building(community=world.community_a, grid=world.grid_a, number="新建楼", address="东关路50号")
    db.session.add(late)
    db.session.commit()
    response = press(form, "预览")
    assert response.status_int == 200
    assert "每个楼栋都须分到一个新网格" in visible_text(response)
    assert form_on(response)["part-0-name"].value == "甲"
    fresh()
    assert db.session.get(Division, world.grid_a.id).status == "active"


def test_split_refuses_a_date_not_after_the_grid_began(world):
    with pytest.raises(services.OrgError):
        boundaries.split_grid(
            world.grid_a,
            [
                boundaries.NewGridSpec("010", "甲", boundaries.ProfileValues(), [world.building_a.id]),
                boundaries.NewGridSpec("011", "乙", boundaries.ProfileValues()),
            ],
            START,
            "x",
        )


def _merge_form(web, world):
    """合并网格 on the community's page."""
    return form_on(web.get(f"/divisions/{world.community_a.id}").click(description="合并网格"))


def test_merge_keeps_history_and_carries_staff_and_buildings(web_as, world):
    web = web_as("town_a")
    form = _merge_form(web, world)
    offered = [text for _value, text in options(form, "grids")]
    assert any("东关一网格" in text for text in offered) and any("东关二网格" in text for text in offered)
    form["grids"] = [str(world.grid_a.id), str(world.grid_a2.id)]
    for field, value in {
        "code_segment": "020",
        "name": "东关合并网格",
        "effective_date": "2025-09-01",
        "reason": "网格调整",
        "boundary_east": "东街",
        "boundary_south": "南路",
        "boundary_west": "西巷",
        "boundary_north": "北河",
    }.items():
        form[field] = value
    preview = press(form, "预览")
    assert "预览：新网格将接收" in visible_text(preview)
    response = press(form_on(preview), "确认合并")
    assert response.status_int == 303, visible_text(response)[:600]
    assert "网格已合并" in visible_text(response.follow())
    fresh()
    merged = db.session.scalar(select(Division).where(Division.name == "东关合并网格"))
    assert merged.code == "990101001001020"
    assert {db.session.get(Division, g).status for g in (world.grid_a.id, world.grid_a2.id)} == {"retired"}
    assert db.session.get(Building, world.building_a.id).grid_id == merged.id
    carried = db.session.scalars(select(StaffAssignment).where(StaffAssignment.division_id == merged.id))
    assert {(a.staff.name, a.role) for a in carried} == {
        ("员工chief_a", "grid_chief"),
        ("员工worker_a", "full_time_worker"),
    }
    changes = boundaries.grid_changes(merged)
    assert changes[0].kind == "merge" and {g.name for g in changes[0].grids("before")} == {"东关一网格", "东关二网格"}
    # The grid worker keeps seeing their (new) grid through the carried assignment.
    assert "东关合并网格" in visible_text(web_as("worker_a").get("/divisions/"))


def test_merge_only_within_one_community(world):
    with pytest.raises(services.OrgError, match="同一社区"):
        boundaries.merge_grids(
            [world.grid_a, world.grid_a3],
            boundaries.NewGridSpec("030", "x", boundaries.ProfileValues()),
            date(2025, 1, 1),
            "x",
        )


def test_merge_page_needs_two_grids(web_as, world):
    web = web_as("town_a")
    form = _merge_form(web, world)
    form["grids"] = [str(world.grid_a.id)]
    form["name"] = "x"
    form["reason"] = "x"
    response = press(form, "预览")
    assert response.status_int == 200 and "至少需要选择两个网格" in visible_text(response)
    fresh()
    assert db.session.get(Division, world.grid_a.id).status == "active"


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
    db.session.add(
        StaffAssignment(staff=member, division=world.grid_a2, role=StaffRole.PART_TIME_WORKER.value, start_date=START)
    )
    world.grid_a2.current_profile.boundary_west = "西巷"
    db.session.commit()
    assert services.coverage(world.community_a).grids_without_worker == []
    assert services.coverage(world.community_a).grids_without_boundary == []


def test_team_check_names_what_is_missing(world):
    check = services.team_check(services.active_assignments([world.grid_a.id]))
    assert check.chiefs == 1 and check.workers == 1
    assert check.missing == ["党组织负责人", "志愿者"]
    assert not check.complete


def test_the_county_home_page_finds_every_communitys_gaps_in_a_fixed_number_of_queries(client_as, world):
    """The home page of a county administrator checks up to 50 communities: its cost
    must not grow with them (one by one it took 426 statements at county size)."""
    from app.core.database import write_transactions
    from app.org import boundaries
    from tests.conftest import statements_of

    client = client_as("admin")
    before = statements_of(client, "/")
    with write_transactions():
        town = world.community_a.parent
        for number in range(3):
            community = services.create_child(
                town, code_segment=f"00{number + 5}", name=f"新社区{number}", kind="urban", valid_from=START
            )
            for grid_number in range(2):
                boundaries.create_grid(
                    community,
                    code_segment=f"00{grid_number + 1}",
                    name=f"新社区{number}第{grid_number + 1}网格",
                    kind="urban",
                    values=boundaries.ProfileValues("东街", "南路", "西巷", "北河", 800, 2400, 0.5),
                    valid_from=START,
                )
        db.session.commit()
    after = statements_of(client, "/")
    assert after == before
    assert "新社区2 2 0 0 2" in text_of(client.get("/"))  # two grids without a worker, two teams short
