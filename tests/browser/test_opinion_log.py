"""In a real browser: the 民情日志 quick entry from the keyboard only — category by
arrow keys, Tab through the row, Enter saves it through htmx and the next empty row
takes the focus; a 限期协办 entry shows its matter and deadline at once; an entry the
server fails or the network drops says so and keeps what was typed."""

from __future__ import annotations

import sqlite3

import pytest
from playwright.sync_api import expect
from sqlalchemy.exc import OperationalError

from app.patrols import services
from tests.browser.conftest import snap, watched_page
from tests.browser.test_scope_and_login import log_in

pytestmark = pytest.mark.browser


def _wait_for_focus(page, name: str) -> None:
    page.wait_for_function("name => document.activeElement && document.activeElement.name === name", arg=name)


def test_quick_entries_from_the_keyboard(page, live_server, world_ids):
    log_in(page, live_server, "worker_a")
    page.goto(live_server("/opinions/"))
    _wait_for_focus(page, "category")
    # 城管 is the first category: one arrow down from "请选择".
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    page.keyboard.type("楼道灯坏了")
    page.keyboard.press("Tab")
    page.keyboard.type("周大姐")
    page.keyboard.press("Tab")
    page.keyboard.type("1号楼2单元")
    page.keyboard.press("Tab")  # to 当时结办 (the radio group)
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.type("联系物业当场更换")
    page.keyboard.press("Enter")
    rows = page.locator("#opinion-log tbody tr")
    expect(rows.first).to_contain_text("楼道灯坏了")
    expect(rows.first).to_contain_text("当时结办：联系物业当场更换")
    _wait_for_focus(page, "category")
    expect(page.locator("#content")).to_have_value("")

    # A second entry: 经济 (three down), 限期协办 — it becomes a matter with a deadline.
    for _ in range(4):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    page.keyboard.type("想了解小额贷款政策")
    for _ in range(3):
        page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")  # 当时结办 → 限期协办
    page.keyboard.press("Enter")
    expect(rows.first).to_contain_text("想了解小额贷款政策")
    expect(rows.first).to_contain_text("限期协办")
    expect(rows.first).to_contain_text("期限")
    expect(page.locator("#opinion-log")).to_contain_text("已记下，并上报为事件")
    assert page.url.endswith("/opinions/")  # no page load: the rows came through htmx
    snap(page, "opinion-log")


def record_patrol(page, live_server) -> None:
    """As worker_a: a patrol of this morning, up to its page where findings are added."""
    log_in(page, live_server, "worker_a")
    page.goto(live_server("/patrols/new"))
    page.get_by_label("开始时间").fill("08:30")
    page.get_by_label("结束时间").fill("09:40")
    page.get_by_label("巡查路线或点位").fill("东关路—菜市场—1号楼")
    page.get_by_role("button", name="保存，再登记发现的情况").click()
    expect(page.locator("h1")).to_contain_text("巡查")
    page.wait_for_load_state()  # htmx set up: an add pressed before then loads the whole page


def test_a_patrol_with_a_finding_reported_as_a_matter(page, live_server, world_ids):
    record_patrol(page, live_server)
    page.get_by_label("发现的情况").fill("1号楼前井盖缺失")
    page.get_by_label("上报为事件").select_option("city")
    page.get_by_role("button", name="添加").click()
    expect(page.locator("#findings")).to_contain_text("已上报，事件编号")
    expect(page.locator("#findings tbody")).to_contain_text("1号楼前井盖缺失")
    snap(page, "patrol-detail")
    page.goto(live_server(f"/patrols/compliance?division_id={world_ids.grid_a}"))
    expect(page.locator("main")).to_contain_text("员工worker_a")
    snap(page, "patrol-compliance")
    page.goto(live_server(f"/opinions/reports?division_id={world_ids.grid_a}"))
    expect(page.locator("main")).to_contain_text("未报告")
    snap(page, "chief-reports")


@pytest.mark.failing_on_purpose("/opinions/")
def test_a_quick_entry_that_fails_says_so_and_keeps_what_was_typed(
    browser, browser_context_args, request, live_server, world_ids, monkeypatch
):
    """The server answering an error, the database busy behind a long import, then no
    network at all: the entry is not saved, a notice says so above the form (the
    server's own words where it gives them), and what was typed is still there to
    send again. In a browser without the service worker (blocked here, as in a
    browser without service workers or over plain http): with it, an entry sent
    without network is kept on the phone instead (tests/browser/test_offline.py), and
    page.route would not see the worker's requests."""
    context = browser.new_context(**browser_context_args, service_workers="block")
    request.addfinalizer(context.close)
    page = next(pages := watched_page(context, request))
    request.addfinalizer(lambda: next(pages, None))
    log_in(page, live_server, "worker_a")
    page.goto(live_server("/opinions/"))
    _wait_for_focus(page, "category")
    failure = {"how": "error"}

    def answer(route):
        if route.request.method != "POST" or failure["how"] is None:
            return route.continue_()
        if failure["how"] == "error":
            return route.fulfill(status=500, body="boom")
        return route.abort("internetdisconnected")

    page.route("**/opinions/", answer)
    page.keyboard.press("ArrowDown")  # 城管
    page.keyboard.press("Tab")
    page.keyboard.type("井盖松动")
    for _ in range(3):
        page.keyboard.press("Tab")
    page.keyboard.press("Space")  # 当时结办
    page.keyboard.press("Tab")
    page.keyboard.type("已设警示")
    page.keyboard.press("Enter")
    notice = page.locator(".htmx-failure")
    expect(notice).to_contain_text("没有保存：服务器出错（代码 500）")
    expect(page.locator("#content")).to_have_value("井盖松动")

    failure["how"] = None  # the real server, its database held past the busy timeout
    locked = OperationalError("INSERT …", {}, sqlite3.OperationalError("database is locked"))

    def busy(*_args, **_kwargs):
        raise locked

    monkeypatch.setattr(services, "record_entry", busy)
    page.locator("#content").press("Enter")
    expect(notice).to_contain_text("系统繁忙，未保存：")
    expect(notice).to_contain_text("稍等几秒再提交")
    expect(page.locator("#content")).to_have_value("井盖松动")
    monkeypatch.undo()

    failure["how"] = "offline"
    page.locator("#content").press("Enter")
    expect(notice).to_contain_text("没有保存：连不上服务器")
    expect(page.locator("#content")).to_have_value("井盖松动")
    failure["how"] = None
    page.locator("#content").press("Enter")
    expect(page.locator("#opinion-log tbody tr").first).to_contain_text("井盖松动")
    expect(notice).to_have_count(0)
