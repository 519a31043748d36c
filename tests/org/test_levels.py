"""Levels of grids and grid chiefs (002 篇九: 总网格长 → 一级网格长 → 二级网格长 → 三级网格员;
002 篇四: 片区网格 holding 基础网格责任区): 片区 made and filled through the forms as
rendered, posts held only where the manual puts them, a 片区 post widening its
holder's scope to the area's grids (and no further), and the chain shown on the
grid's page, the coverage view, the poster and ledger 3."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.org.models import GridArea, StaffAssignment, StaffMember, StaffRole, grid_area_member
from app.printing import publicity
from tests.conftest import fresh
from tests.factories import START
from tests.printing.helpers import squeezed
from tests.web import choose, form_on, press, visible_text


def _make_area(web, world, name="东片区"):
    form = form_on(web.get(f"/divisions/{world.community_a.id}/areas"), button="保存")
    form["name"] = name
    page = press(form, "保存").follow()
    assert f"已添加片区：{name}" in visible_text(page)
    form = form_on(page, button="保存")
    for box in form.fields["grid_ids"]:
        box.checked = box._value in (str(world.grid_a.id), str(world.grid_a2.id))
    press(form, "保存")
    fresh()
    return db.session.scalar(select(GridArea).where(GridArea.name == name))


def _new_staff(world, name, home):
    fresh()  # after the pages' writes: a new snapshot to write from
    member = StaffMember(home_division=home, name=name, phone="0999-6010001")
    db.session.add(member)
    db.session.commit()
    return member


def _post(web, staff, place_label, role_label):
    form = form_on(web.get(f"/staff/{staff.id}"), button="添加岗位")
    choose(form, "division_id", place_label)
    choose(form, "role", role_label)
    form["start_date"] = "2024-01-01"
    return form


def test_posts_are_held_where_the_manual_puts_them(world, web_as):
    area = _make_area(web_as("station_a"), world)
    assert {g.id for g in area.grids} == {world.grid_a.id, world.grid_a2.id}
    web = web_as("admin")
    chief = _new_staff(world, "王建华", world.town_a)
    # 总网格长 at a community: refused at the post, naming where it belongs.
    refused = press(_post(web, chief, "东关社区", "总网格长"), "添加岗位")
    assert "“总网格长”应设在镇（街道）。" in visible_text(refused)
    press(_post(web, chief, "城关镇", "总网格长"), "添加岗位")
    secretary = _new_staff(world, "陈秀英", world.community_a)
    press(_post(web, secretary, "东关社区", "二级网格长"), "添加岗位")
    area_chief = _new_staff(world, "孙国强", world.community_a)
    refused = press(_post(web, area_chief, "东关一网格", "片区网格长"), "添加岗位")
    assert "“片区网格长”应设在片区。" in visible_text(refused)
    press(_post(web, area_chief, "东片区（片区）", "片区网格长"), "添加岗位")
    fresh()
    post = db.session.scalar(select(StaffAssignment).where(StaffAssignment.staff_id == area_chief.id))
    assert (post.division_id, post.area_id, post.role) == (world.community_a.id, area.id, "area_chief")
    # The grid's page shows the chain top down; the 一级网格长 not yet set.
    chain = web.get(f"/divisions/{world.grid_a.id}").html.select_one("#chain")
    rows = [" ".join(tr.get_text(" ", strip=True).split()) for tr in chain.select("tbody tr")]
    assert [r.split(" ")[0] for r in rows] == ["总网格长", "一级网格长", "二级网格长", "片区网格长"]
    assert "王建华" in rows[0] and "未设" in rows[1] and "陈秀英" in rows[2] and "孙国强" in rows[3]
    # The coverage view names the gap; grid_a3 is another community's.
    coverage = visible_text(web.get(f"/divisions/{world.community_a.id}/coverage"))
    assert "东关社区未设一级网格长" in coverage and "东关社区未设二级网格长" not in coverage
    # The poster carries the chain, as text beside the cards.
    text = squeezed(publicity.poster_pdf(world.grid_a)[0].pdf)
    assert "总网格长王建华" in text and "片区网格长孙国强" in text and "一级网格长" not in text


def test_an_area_post_widens_scope_to_the_areas_grids(world, web_as):
    area = _make_area(web_as("station_a"), world)
    # worker_b (滨河一网格, another town) is made 片区网格长 of 东关社区's 东片区.
    fresh()
    db.session.add(
        StaffAssignment(
            staff=world.staff["worker_b"],
            division=world.community_a,
            area_id=area.id,
            role=StaffRole.AREA_CHIEF.value,
            start_date=START,
        )
    )
    db.session.commit()
    web = web_as("worker_b")
    assert web.get(f"/divisions/{world.grid_a2.id}").status_int == 200
    assert web.get(f"/households/{world.households['a'].id}").status_int == 200
    # Not the community as a whole, nor its other village's grid.
    assert web.get(f"/divisions/{world.community_a.id}", expect_errors=True).status_int == 404
    assert web.get(f"/divisions/{world.grid_a3.id}", expect_errors=True).status_int == 404


def test_ledger_3_lists_the_levels_top_down(world, client_as):
    area = GridArea(community_id=world.community_a.id, name="东片区")
    db.session.add(area)
    db.session.flush()
    db.session.execute(grid_area_member.insert().values(grid_id=world.grid_a.id, area_id=area.id))
    for name, division, role, area_id in (
        ("王建华", world.town_a, StaffRole.TOTAL_CHIEF, None),
        ("赵立新", world.community_a, StaffRole.FIRST_LEVEL_CHIEF, None),
        ("陈秀英", world.community_a, StaffRole.SECOND_LEVEL_CHIEF, None),
        ("孙国强", world.community_a, StaffRole.AREA_CHIEF, area.id),
    ):
        member = StaffMember(home_division=division, name=name, phone="0999-6010002")
        db.session.add(member)
        db.session.add(
            StaffAssignment(staff=member, division=division, area_id=area_id, role=role.value, start_date=START)
        )
    db.session.commit()
    client = client_as("station_a")
    query = {"number": 3, "start": "2024-01-01", "end": "2026-12-31", "output": "pdf"}
    for division in (world.community_a, world.grid_a):
        response = client.get("/ledgers/", query_string={**query, "division_id": division.id})
        assert response.status_code == 200
        text = squeezed(response.data)
        order = [text.index(name) for name in ("王建华", "赵立新", "陈秀英", "孙国强", "员工chief_a")]
        assert order == sorted(order), division.name
        assert "总网格长" in text and "片区网格长" in text
