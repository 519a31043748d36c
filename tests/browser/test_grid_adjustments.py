"""In Chromium, as the demo county's administrator: splitting a city grid along its
buildings, and merging two village grids whose households have no building — each
previewed, confirmed, and then found in the new grids with visits due there, while the
retired grids keep their visits."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from app.auth.models import User
from app.core.database import write_transactions
from app.core.timeutil import local_today
from app.demo.county import load_demo
from app.extensions import db
from app.org.models import Building, Division
from app.registry.people.models import Household
from app.visits.models import Visit
from tests.browser.conftest import snap

pytestmark = pytest.mark.browser


@pytest.fixture()
def admin_password(live_app) -> str:
    with live_app.app_context():
        with write_transactions():
            accounts = load_demo()
            for user in db.session.scalars(select(User)):
                user.must_change_password = False
            db.session.commit()
        db.session.remove()
    return next(password for username, _role, password in accounts if username == "admin")


def _sign_in(page, live_server, password: str) -> None:
    page.goto(live_server("/login"))
    page.get_by_label("用户名").fill("admin")
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("您好")


def _query(app, function):
    with app.app_context():
        try:
            return function()
        finally:
            db.session.remove()


def _grid(name: str):
    return db.session.scalar(select(Division).where(Division.name == name))


def _households_of(grid_id: int) -> list[str]:
    return sorted(db.session.scalars(select(Household.household_number).where(Household.grid_id == grid_id)))


def _visits_of(grid_id: int) -> int:
    return db.session.scalar(select(func.count(Visit.id)).where(Visit.grid_id == grid_id))


def test_split_a_city_grid_along_its_buildings(page, live_server, live_app, admin_password):
    grid_id, buildings, visits_before = _query(
        live_app,
        lambda: (
            (grid := _grid("东门社区第一网格")).id,
            [b.number for b in db.session.scalars(select(Building).where(Building.grid_id == grid.id))],
            _visits_of(grid.id),
        ),
    )
    assert len(buildings) == 4
    _sign_in(page, live_server, admin_password)
    page.goto(live_server(f"/divisions/{grid_id}"))
    page.get_by_role("link", name="拆分网格").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("拆分网格：东门社区第一网格")
    page.get_by_label("生效日期").fill(local_today().isoformat())
    page.get_by_label("拆分原因").fill("人口增长，一分为二")
    page.get_by_label("新网格 1 名称").fill("东门社区第一网格北")
    page.get_by_label("新网格 2 名称").fill("东门社区第一网格南")
    for number in buildings[2:]:  # the last two buildings to the second new grid
        page.get_by_label(f"{number} → 2").check()
    # The demo's open matters were reported at an address, not a building: the person
    # is asked where they go, and sends them all to the first new grid.
    page.get_by_role("button", name="预览").click()
    expect(page.locator("main")).to_contain_text("没有楼栋的记录未指定新网格")
    page.get_by_label("其余未逐条指定的记录转入").select_option(label="新网格 1")
    page.get_by_role("button", name="预览").click()
    preview = page.locator("#preview + table")
    expect(preview).to_be_visible()
    counts = preview.get_by_role("row", name=re.compile("^住户")).inner_text().split()
    assert len(counts) == 3 and int(counts[1]) + int(counts[2]) == 10 and int(counts[2]) > 0, counts
    expect(preview.get_by_role("row", name=re.compile("^未办结事件"))).to_contain_text("0")
    snap(page, "grid-split-preview")
    page.get_by_role("button", name="确认拆分").click()
    expect(page.locator(".flash")).to_contain_text("网格已拆分")

    north, south, left_behind, kept_visits = _query(
        live_app,
        lambda: (
            (n := _grid("东门社区第一网格北")).id,
            (s := _grid("东门社区第一网格南")).id,
            _households_of(grid_id),
            _visits_of(grid_id),
        ),
    )
    assert left_behind == [] and kept_visits == visits_before > 0
    south_households = _query(live_app, lambda: _households_of(south))
    assert len(south_households) == int(counts[2])
    # The new grid's visit page lists its households as due.
    page.goto(live_server(f"/visits/grids/{south}"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("东门社区第一网格南")
    expect(page.locator("main")).to_contain_text(south_households[0])
    # Its households' list, and the retired grid's feed shows where each went.
    page.goto(live_server(f"/households/?grid={north}"))
    expect(page.locator("main")).not_to_contain_text(south_households[0])
    page.goto(live_server(f"/population-changes/?grid={grid_id}"))
    expect(page.locator("main")).to_contain_text("网格调整")
    expect(page.locator("main")).to_contain_text("东门社区第一网格南")


def test_merge_two_village_grids_whose_households_have_no_building(page, live_server, live_app, admin_password):
    fifth, sixth, village = _query(
        live_app,
        lambda: (
            _grid("柳溪村第五网格").id,
            _grid("柳溪村第六网格").id,
            _grid("柳溪村").id,
        ),
    )
    _sign_in(page, live_server, admin_password)
    page.goto(live_server(f"/divisions/{village}"))
    page.get_by_role("link", name="合并网格").click()
    page.get_by_label("要合并的网格").select_option([str(fifth), str(sixth)])
    page.get_by_label("新网格名称").fill("柳溪村第五六网格")
    page.get_by_label("生效日期").fill(local_today().isoformat())
    page.get_by_label("合并原因").fill("人口外流，两格合一")
    page.get_by_role("button", name="预览").click()
    expect(page.locator("#preview + table").get_by_role("row", name=re.compile("^住户"))).to_contain_text("20")
    page.get_by_role("button", name="确认合并").click()
    expect(page.locator(".flash")).to_contain_text("网格已合并")
    merged, households = _query(
        live_app, lambda: ((m := _grid("柳溪村第五六网格")).id, _households_of(_grid("柳溪村第五六网格").id))
    )
    assert len(households) == 20
    page.goto(live_server(f"/visits/grids/{merged}"))
    expect(page.locator("main")).to_contain_text(households[0])
