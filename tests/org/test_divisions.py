"""Creating and editing the division tree through the pages: forms filled and sent
as rendered (tests/web.py); hand-built posts are forged requests and say so."""

from sqlalchemy import select

from app.auth.models import AuditEvent
from app.extensions import db
from app.org.models import Building, Division, GridProfile, StaffAssignment, StaffMember, StaffRole
from tests.conftest import fresh, text_of
from tests.factories import START
from tests.web import choose, forge, form_on, options, press, visible_text


def _new_child_form(web, parent_id, link):
    """The 新建… button on a division's page."""
    return form_on(web.get(f"/divisions/{parent_id}").click(description=link))


def _saved(response):
    assert response.status_int == 303, visible_text(response)[:600]
    return response.follow()


def test_admin_creates_town_community_grid_and_building(web_as, world):
    web = web_as("admin")
    form = _new_child_form(web, world.county.id, "新建镇")
    assert form["code_segment"].value == "003"  # the next free code is proposed
    form["name"] = "新华镇"
    choose(form, "kind", "镇")
    page = _saved(press(form, "保存"))
    assert "已新建" in visible_text(page) and "新华镇" in visible_text(page)
    fresh()
    town = db.session.scalar(select(Division).where(Division.name == "新华镇"))
    assert town.code == "990101003" and town.level == "town" and town.kind == "town"
    form = form_on(page.click(description="新建社区"))
    assert form["code_segment"].value == "001"
    form["name"] = "新华村"
    choose(form, "kind", "农村（行政村）")
    page = _saved(press(form, "保存"))
    fresh()
    village = db.session.scalar(select(Division).where(Division.name == "新华村"))
    assert village.code == "990101003001" and village.kind == "rural"
    form = form_on(page.click(description="新建网格"))
    assert form["code_segment"].value == "001" and form["kind"].value == "rural"  # the village's kind
    form["name"] = "新华一网格"
    for field, value in {
        "boundary_east": "河",
        "boundary_south": "路",
        "boundary_west": "山",
        "boundary_north": "林",
        "households_estimate": "600",
        "population_estimate": "1800",
    }.items():
        form[field] = value
    _saved(press(form, "保存"))
    fresh()
    grid = db.session.scalar(select(Division).where(Division.name == "新华一网格"))
    assert grid.code == "990101003001001" and grid.kind == "rural"
    assert grid.current_profile.boundary_north == "林" and grid.current_profile.population_estimate == 1800
    form = form_on(web.get(f"/divisions/{village.id}").click(description="新建楼栋"))
    form["number"] = "一组"
    form["address"] = "新华村一组"
    choose(form, "grid_id", "新华一网格")
    assert form["chief_staff_id"].value == "0"  # （无）
    _saved(press(form, "保存"))
    fresh()
    building = db.session.scalar(select(Building).where(Building.number == "一组"))
    assert building.grid_id == grid.id and building.community_id == village.id
    assert building.chief_staff_id is None
    tree = visible_text(web.get("/divisions/"))
    assert "新华镇" in tree and "新华村" in tree and "新华一网格" in tree
    assert "一组" in visible_text(web.get(f"/divisions/{grid.id}"))
    assert (
        db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "division_created", AuditEvent.target_id == grid.id)
        )
        is not None
    )


def test_bad_codes_and_duplicates_get_chinese_errors_and_keep_the_input(web_as, world):
    web = web_as("admin")

    def new_town(code, name):
        form = _new_child_form(web, world.county.id, "新建镇")
        form["code_segment"] = code
        form["name"] = name
        response = press(form, "保存")
        assert response.status_int == 200
        return response

    response = new_town("12", "某镇")
    assert "代码须为 3 位数字" in visible_text(response) and form_on(response)["name"].value == "某镇"
    assert "已被使用" in visible_text(new_town("001", "某镇"))
    assert "同名" in visible_text(new_town("009", "城关镇"))

    def new_grid(households):
        form = _new_child_form(web, world.community_a.id, "新建网格")
        form["code_segment"] = "009"
        form["name"] = "新网格"
        form["households_estimate"] = households
        response = press(form, "保存")
        assert response.status_int == 200
        return visible_text(response)

    text = new_grid("abc")
    assert "不是有效的整数" in text
    assert "户数应在" not in text  # one message per mistake
    assert "户数应在 0 到 100000 之间" in new_grid("-5")
    fresh()
    assert db.session.scalar(select(Division).where(Division.name.in_(["某镇", "新网格"]))) is None


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


def test_leader_reads_and_a_forged_building_edit_is_403(web_as, world):
    web = web_as("leader_a")
    assert "东关一网格" in visible_text(web.get(f"/divisions/{world.grid_a.id}"))
    assert "修改" not in visible_text(web.get(f"/buildings/{world.building_a.id}"))
    assert forge(web, f"/buildings/{world.building_a.id}/edit", {"number": "x"}).status_int == 403
    fresh()
    assert db.session.get(Building, world.building_a.id).number != "x"


def _building_form(web, world):
    """修改 on the building's page."""
    return form_on(web.get(f"/buildings/{world.building_a.id}").click(description="修改"))


def test_grid_worker_edits_a_building_of_their_grid(web_as, world):
    web = web_as("worker_a")
    form = _building_form(web, world)
    assert form["grid_id"].value == str(world.grid_a.id)
    form["address"] = "东关路1号（改）"
    form["floors"] = "7"
    response = press(form, "保存")
    assert response.status_int == 303, visible_text(response)[:600]
    assert "楼栋已保存" in visible_text(response.follow())
    fresh()
    building = db.session.get(Building, world.building_a.id)
    assert building.address == "东关路1号（改）" and building.floors == 7 and building.grid_id == world.grid_a.id


def test_forged_move_of_a_building_out_of_every_grid_is_refused_to_a_grid_worker(web_as, world):
    """（暂未入格） is offered only to those who see the whole community (the station);
    a grid worker posting it anyway is refused."""
    web = web_as("worker_a")
    assert "0" not in [value for value, _text in options(_building_form(web, world), "grid_id")]
    station_form = _building_form(web_as("station_a"), world)
    assert "（暂未入格）" in [text for _value, text in options(station_form, "grid_id")]
    response = forge(
        web,
        f"/buildings/{world.building_a.id}/edit",
        {"number": "1号楼", "address": "x", "grid_id": "0", "chief_staff_id": "0"},
    )
    assert "请选择本社区（村）的在用网格" in visible_text(response)
    fresh()
    assert db.session.get(Building, world.building_a.id).grid_id == world.grid_a.id


def test_a_grid_workers_edit_keeps_a_building_chief_from_the_neighbouring_grid(web_as, world):
    """The station may make a building chief of 东关二网格 the chief of a building in
    东关一网格. The grid worker of 东关一网格 does not otherwise see that person, yet
    their edit form must still show them as chief, so correcting the address does not
    silently drop the chief."""
    chief = StaffMember(home_division=world.community_a, name="楼长甲", phone="13900000001")
    db.session.add(
        StaffAssignment(staff=chief, division=world.grid_a2, role=StaffRole.BUILDING_CHIEF.value, start_date=START)
    )
    db.session.commit()
    station_form = _building_form(web_as("station_a"), world)
    choose(station_form, "chief_staff_id", "楼长甲")
    assert press(station_form, "保存").status_int == 303
    fresh()
    assert db.session.get(Building, world.building_a.id).chief_staff_id == chief.id
    web = web_as("worker_a")
    form = _building_form(web, world)
    assert form["chief_staff_id"].value == str(chief.id)
    form["address"] = "东关路1号（改）"
    response = press(form, "保存")
    assert response.status_int == 303, visible_text(response)[:600]
    fresh()
    building = db.session.get(Building, world.building_a.id)
    assert building.address == "东关路1号（改）" and building.chief_staff_id == chief.id
    assert "楼长甲" in visible_text(response.follow())


def test_grid_page_shows_team_completeness(client_as, world):
    page = text_of(client_as("station_a").get(f"/divisions/{world.grid_a.id}"))
    assert "缺：党组织负责人、志愿者" in page
    assert "东街" in page  # 四至


def test_boundary_history_keeps_old_versions(web_as, world):
    web = web_as("station_a")
    form = form_on(web.get(f"/divisions/{world.grid_a.id}").click(description="调整边界"))
    assert form["boundary_east"].value == "东街"  # the current version, to be changed
    for field, value in {
        "effective_from": "2025-03-01",
        "reason": "道路改线",
        "boundary_east": "新东街",
        "boundary_south": "南路",
        "boundary_west": "西巷",
        "boundary_north": "北河",
        "households_estimate": "820",
    }.items():
        form[field] = value
    response = press(form, "保存新版本")
    assert response.status_int == 303, visible_text(response)[:600]
    assert "网格边界已更新" in visible_text(response.follow())
    fresh()
    profiles = list(
        db.session.scalars(
            select(GridProfile).where(GridProfile.grid_id == world.grid_a.id).order_by(GridProfile.effective_from)
        )
    )
    assert [p.boundary_east for p in profiles] == ["东街", "新东街"]
    assert profiles[1].households_estimate == 820
    assert str(profiles[0].effective_to) == "2025-02-28" and profiles[1].effective_to is None
    history = visible_text(web.get(f"/divisions/{world.grid_a.id}").click(description="变更历史"))
    assert "东街" in history and "新东街" in history and "道路改线" in history
    form = form_on(web.get(f"/grids/{world.grid_a.id}/boundary"))
    form["effective_from"] = "2025-01-01"
    form["reason"] = "x"
    response = press(form, "保存新版本")
    assert response.status_int == 200 and "生效日期须晚于" in visible_text(response)
