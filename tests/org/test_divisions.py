"""Creating and editing the division tree through the pages."""
from sqlalchemy import select

from app.auth.models import AuditEvent
from app.extensions import db
from app.org.models import Building, Division, GridProfile
from tests.conftest import fresh, text_of


def test_admin_creates_town_community_grid_and_building(client_as, world):
    client = client_as("admin")
    page = client.get(f"/divisions/{world.county.id}/children/new")
    assert 'value="003"' in page.get_data(as_text=True)  # the next free code is proposed
    response = client.post(f"/divisions/{world.county.id}/children/new",
                           data={"code_segment": "003", "name": "新华镇", "kind": "town"})
    assert response.status_code == 303
    fresh()
    town = db.session.scalar(select(Division).where(Division.name == "新华镇"))
    assert town.code == "990101003" and town.level == "town"
    client.post(f"/divisions/{town.id}/children/new", data={"code_segment": "001", "name": "新华村", "kind": "rural"})
    fresh()
    village = db.session.scalar(select(Division).where(Division.name == "新华村"))
    assert village.code == "990101003001"
    client.post(f"/divisions/{village.id}/children/new", data={
        "code_segment": "001", "name": "新华一网格", "kind": "rural", "boundary_east": "河", "boundary_south": "路",
        "boundary_west": "山", "boundary_north": "林", "households_estimate": "600", "population_estimate": "1800"})
    fresh()
    grid = db.session.scalar(select(Division).where(Division.name == "新华一网格"))
    assert grid.code == "990101003001001"
    assert grid.current_profile.boundary_north == "林" and grid.current_profile.population_estimate == 1800
    client.post(f"/divisions/{village.id}/buildings/new", data={
        "number": "一组", "address": "新华村一组", "grid_id": str(grid.id), "chief_staff_id": "0"})
    fresh()
    building = db.session.scalar(select(Building).where(Building.number == "一组"))
    assert building.grid_id == grid.id and building.community_id == village.id
    tree = text_of(client.get("/divisions/"))
    assert "新华镇" in tree and "新华村" in tree and "新华一网格" in tree
    assert "一组" in text_of(client.get(f"/divisions/{grid.id}"))
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "division_created",
                                                      AuditEvent.target_id == grid.id)) is not None


def test_bad_codes_and_duplicates_get_chinese_errors_and_keep_the_input(client_as, world):
    client = client_as("admin")
    response = client.post(f"/divisions/{world.county.id}/children/new",
                           data={"code_segment": "12", "name": "某镇", "kind": "town"})
    assert "代码须为 3 位数字" in text_of(response) and 'value="某镇"' in response.get_data(as_text=True)
    response = client.post(f"/divisions/{world.county.id}/children/new",
                           data={"code_segment": "001", "name": "某镇", "kind": "town"})
    assert "已被使用" in text_of(response)
    response = client.post(f"/divisions/{world.county.id}/children/new",
                           data={"code_segment": "009", "name": "城关镇", "kind": "town"})
    assert "同名" in text_of(response)
    response = client.post(f"/divisions/{world.community_a.id}/children/new",
                           data={"code_segment": "009", "name": "新网格", "kind": "urban", "households_estimate": "abc"})
    assert "不是有效的整数" in text_of(response)
    assert "户数应在" not in text_of(response)  # one message per mistake
    response = client.post(f"/divisions/{world.community_a.id}/children/new",
                           data={"code_segment": "009", "name": "新网格", "kind": "urban", "households_estimate": "-5"})
    assert "户数应在 0 到 100000 之间" in text_of(response)


def test_town_staff_builds_inside_their_town_only(client_as, world):
    client = client_as("town_a")
    assert client.get(f"/divisions/{world.county.id}/children/new").status_code == 404
    assert client.get(f"/divisions/{world.town_b.id}/children/new").status_code == 404
    assert client.get(f"/divisions/{world.town_a.id}/children/new").status_code == 200


def test_station_and_workers_cannot_change_structure(client_as, world):
    assert client_as("station_a").get(f"/divisions/{world.community_a.id}/children/new").status_code == 403
    assert client_as("leader_a").get(f"/divisions/{world.community_a.id}/children/new").status_code == 403
    worker = client_as("worker_a")
    assert worker.get(f"/grids/{world.grid_a.id}/split").status_code == 403
    assert worker.get(f"/grids/{world.grid_a.id}/boundary").status_code == 403


def test_leader_reads_but_cannot_write(client_as, world):
    leader = client_as("leader_a")
    assert "东关一网格" in text_of(leader.get(f"/divisions/{world.grid_a.id}"))
    assert leader.post(f"/buildings/{world.building_a.id}/edit", data={"number": "x"}).status_code == 403


def test_grid_worker_edits_a_building_of_their_grid(client_as, world):
    client = client_as("worker_a")
    response = client.post(f"/buildings/{world.building_a.id}/edit", data={
        "number": "1号楼", "address": "东关路1号（改）", "grid_id": str(world.grid_a.id), "chief_staff_id": "0",
        "floors": "7"})
    assert response.status_code == 303
    fresh()
    assert db.session.get(Building, world.building_a.id).address == "东关路1号（改）"
    # ...but cannot move it out of every grid, which only the station may do.
    response = client.post(f"/buildings/{world.building_a.id}/edit", data={
        "number": "1号楼", "address": "x", "grid_id": "0", "chief_staff_id": "0"})
    assert "请选择本社区（村）的在用网格" in text_of(response)


def test_grid_page_shows_team_completeness(client_as, world):
    page = text_of(client_as("station_a").get(f"/divisions/{world.grid_a.id}"))
    assert "缺：党组织负责人、志愿者" in page
    assert "东街" in page  # 四至


def test_boundary_history_keeps_old_versions(client_as, world):
    client = client_as("station_a")
    response = client.post(f"/grids/{world.grid_a.id}/boundary", data={
        "effective_from": "2025-03-01", "reason": "道路改线", "boundary_east": "新东街", "boundary_south": "南路",
        "boundary_west": "西巷", "boundary_north": "北河", "households_estimate": "820"})
    assert response.status_code == 303
    fresh()
    profiles = list(db.session.scalars(select(GridProfile).where(GridProfile.grid_id == world.grid_a.id)
                                       .order_by(GridProfile.effective_from)))
    assert [p.boundary_east for p in profiles] == ["东街", "新东街"]
    assert str(profiles[0].effective_to) == "2025-02-28" and profiles[1].effective_to is None
    history = text_of(client.get(f"/grids/{world.grid_a.id}/history"))
    assert "东街" in history and "新东街" in history and "道路改线" in history
    response = client.post(f"/grids/{world.grid_a.id}/boundary", data={
        "effective_from": "2025-01-01", "reason": "x"})
    assert "生效日期须晚于" in text_of(response)
