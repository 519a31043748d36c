"""First run in a real browser: setup page → login → town → community → grid → building,
then the tree and the grid page show them. Screenshots of the main pages on the way."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import snap

pytestmark = pytest.mark.browser

ADMIN = "county_admin"
ADMIN_PASSWORD = "Kaishi#2024"


def submit(page, name: str = "保存") -> None:
    page.get_by_role("button", name=name, exact=True).click()


def test_first_run_builds_a_county_down_to_a_building(page, live_server):
    # "/" redirects to the first-run page while no account exists.
    page.goto(live_server("/"))
    expect(page).to_have_url(live_server("/setup"))
    expect(page.get_by_role("heading", level=1)).to_have_text("首次设置：创建本县和管理员")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    token_file = live_server.instance_path / "setup_token"
    assert token_file.exists(), "GET /setup should write <instance>/setup_token"
    snap(page, "01-setup")

    page.get_by_label("设置口令").fill(token_file.read_text().strip())
    page.get_by_label("县（市、区）行政区划代码").fill("990102")
    page.get_by_label("县（市、区）名称").fill("清河县")
    page.get_by_label("县级管理员用户名").fill(ADMIN)
    page.get_by_label("姓名").fill("王建国")
    page.locator("#password").fill(ADMIN_PASSWORD)
    page.locator("#confirm").fill(ADMIN_PASSWORD)
    submit(page, "创建管理员并开始使用")

    # The three administrators of 三员分立 are listed once with their temporary passwords.
    expect(page.get_by_role("heading", level=1)).to_have_text("首次设置完成")
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("系统管理员")
    expect(rows.nth(0)).to_contain_text("sysadmin")
    assert not token_file.exists(), "the setup token must be discarded after use"
    page.get_by_role("link", name="去登录").click()
    expect(page).to_have_url(live_server("/login"))
    snap(page, "02-login")

    page.get_by_label("用户名").fill(ADMIN)
    page.get_by_label("密码").fill(ADMIN_PASSWORD)
    submit(page, "登录")
    expect(page).to_have_url(live_server("/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("您好，王建国")
    snap(page, "03-home")

    # The county page → 新建镇（街道）.
    page.get_by_role("link", name="清河县", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("清河县")
    page.get_by_role("link", name="新建镇（街道）").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("在 清河县 下新建镇（街道）")
    expect(page.get_by_label("代码")).to_have_value("001")
    page.get_by_label("名称").fill("柳林镇")
    submit(page)
    expect(page.get_by_role("status")).to_contain_text("已新建镇（街道）：柳林镇")
    expect(page.get_by_role("heading", level=1)).to_contain_text("柳林镇")

    # The town page → 新建社区（村）.
    page.get_by_role("link", name="新建社区（村）").click()
    page.get_by_label("名称").fill("杏花社区")
    submit(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text("杏花社区")
    community_url = page.url
    assert re.search(r"/divisions/\d+$", community_url)

    # The community page → 新建网格, with its 四至.
    page.get_by_role("link", name="新建网格").click()
    page.get_by_label("名称").fill("杏花一网格")
    page.get_by_label("东至").fill("建设路")
    page.get_by_label("南至").fill("人民街")
    page.get_by_label("西至").fill("柳河")
    page.get_by_label("北至").fill("环城北路")
    page.get_by_label("估计户数").fill("320")
    submit(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text("杏花一网格")
    facts = page.locator("dl.facts")
    expect(facts.filter(has_text="东至")).to_contain_text("建设路")
    expect(facts.filter(has_text="北至")).to_contain_text("环城北路")
    grid_url = page.url

    # The grid page → 新建楼栋 (the grid is preselected).
    page.get_by_role("link", name="新建楼栋").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("新建楼栋")
    expect(page.get_by_label("所属网格").locator("option:checked")).to_contain_text("杏花一网格")
    snap(page, "07-building-form")
    page.get_by_label("楼栋编号").fill("3号楼")
    page.get_by_label("地址").fill("建设路18号")
    page.get_by_label("层数").fill("6")
    submit(page)
    expect(page.get_by_role("status")).to_have_text("楼栋已保存。")
    assert re.search(r"/buildings/\d+$", page.url)

    # The grid page lists the building.
    page.goto(grid_url)
    buildings = page.locator("table").filter(has_text="地址")
    expect(buildings.get_by_role("link", name="3号楼")).to_be_visible()
    expect(buildings).to_contain_text("建设路18号")
    snap(page, "06-grid")

    page.goto(community_url)
    expect(page.get_by_role("link", name="杏花一网格")).to_be_visible()
    snap(page, "05-community")
    page.get_by_role("link", name="覆盖情况").click()
    expect(page).to_have_url(re.compile(r"/divisions/\d+/coverage$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("网格覆盖情况：杏花社区")
    snap(page, "08-coverage")

    # The tree shows the whole branch.
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="区划与网格").click()
    expect(page).to_have_url(live_server("/divisions/"))
    tree = page.locator(".tree")
    for name in ("清河县", "柳林镇", "杏花社区"):
        expect(tree.get_by_role("link", name=name, exact=True)).to_be_visible()
    # Communities are folded by default; the grid link is there, and shows once opened.
    grid_link = tree.get_by_role("link", name="杏花一网格", exact=True, include_hidden=True)
    expect(grid_link).to_have_count(1)
    expect(grid_link).to_be_hidden()
    # Click the disclosure triangle at the left edge, not the link inside <summary>.
    tree.locator("summary").filter(has_text="杏花社区").click(position={"x": 4, "y": 8})
    expect(grid_link).to_be_visible()
    snap(page, "04-tree")

    # Setup is closed for good.
    response = page.goto(live_server("/setup"))
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("404 · 页面不存在")
