"""In a real browser: a grid worker cannot reach another grid's pages; 5 bad
passwords lock an account; the login form works from the keyboard alone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import snap
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def log_in(page, live_server, username, password=PASSWORD):
    page.goto(live_server("/login"))
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录", exact=True).click()


def test_grid_worker_sees_only_their_grid(page, live_server, world_ids):
    log_in(page, live_server, "worker_a")
    expect(page.get_by_role("heading", level=1)).to_contain_text("您好")
    expect(page.locator("main")).to_contain_text("东关一网格")
    for path in (
        f"/divisions/{world_ids.grid_b}",
        f"/buildings/{world_ids.building_b}",
        f"/staff/{world_ids.staff_worker_b}",
        f"/grids/{world_ids.grid_b}/history",
    ):
        response = page.goto(live_server(path))
        assert response.status == 404, path
        expect(page.get_by_role("heading", level=1)).to_contain_text("页面不存在")
    page.goto(live_server("/divisions/"))
    expect(page.locator("main")).to_contain_text("东关一网格")
    expect(page.locator("main")).not_to_contain_text("滨河一网格")
    expect(page.locator("main")).not_to_contain_text("东关二网格")
    page.goto(live_server(f"/staff/{world_ids.staff_worker_a}"))
    snap(page, "09-staff")
    page.goto(live_server("/staff/"))
    expect(page.locator("main")).not_to_contain_text("员工worker_b")


def test_five_bad_passwords_lock_the_account(page, live_server, world_ids):
    for _attempt in range(4):
        log_in(page, live_server, "station_a", "wrong-pass-1")
        expect(page.locator(".error")).to_contain_text("用户名或密码错误")
    log_in(page, live_server, "station_a", "wrong-pass-1")
    expect(page.locator(".error")).to_contain_text("锁定")
    log_in(page, live_server, "station_a")  # the right password, but locked
    expect(page.locator(".error")).to_contain_text("锁定")
    expect(page).to_have_url(live_server("/login"))


def test_login_from_the_keyboard(page, live_server, world_ids):
    page.goto(live_server("/login"))
    expect(page.locator("#username")).to_be_focused()
    page.keyboard.type("admin")
    page.keyboard.press("Tab")
    expect(page.locator("#password")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("您好")
    page.goto(live_server("/admin/users/"))
    snap(page, "10-accounts")
    page.goto(live_server("/admin/audit"))
    snap(page, "11-audit")


def test_logout_and_english(page, live_server, world_ids):
    log_in(page, live_server, "admin")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("nav.menu")).to_contain_text("Divisions")
    page.goto(live_server(f"/divisions/{world_ids.grid_a}"))
    snap(page, "12-grid-english")
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(live_server("/login"))
    page.goto(live_server("/divisions/"))
    expect(page).to_have_url(live_server("/login?next=/divisions/"))
    expect(page.locator(".flash")).to_contain_text("Please log in")
