"""The phone's position in a real browser (docs/phone.md, "Location"): on a phone
whose browser is allowed the position, a grid worker records a patrol finding with
it (记录位置, then 添加 through htmx) and the patrol's page shows it; where the
position is not allowed, the same finding saves without one."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.patrols.models import Patrol, PatrolFinding
from tests.browser.conftest import PHONE, watched_page
from tests.browser.test_scope_and_login import log_in

pytestmark = pytest.mark.browser

WHERE = {"latitude": 34.2658, "longitude": 108.9541, "accuracy": 12}


@pytest.fixture()
def patrol_id(live_app, world_ids) -> int:
    with live_app.app_context():
        found = db.session.scalar(select(Patrol.id).where(Patrol.grid_id == world_ids.grid_a).order_by(Patrol.id))
        db.session.remove()
    return found


def _finding(live_app, description):
    with live_app.app_context():
        finding = db.session.scalar(select(PatrolFinding).where(PatrolFinding.description == description))
        values = None if finding is None else (finding.latitude, finding.longitude, finding.accuracy_m)
        db.session.remove()
    return values


def _phone(browser, browser_context_args, request, **extra):
    context = browser.new_context(**{**browser_context_args, **PHONE, **extra})
    request.addfinalizer(context.close)
    return context


def test_a_finding_recorded_with_the_position(browser, browser_context_args, request, live_server, patrol_id):
    context = _phone(browser, browser_context_args, request, permissions=["geolocation"], geolocation=WHERE)
    for page in watched_page(context, request):
        log_in(page, live_server, "worker_a")
        page.goto(live_server(f"/patrols/{patrol_id}"))
        page.get_by_label("发现的情况").fill("路边井盖缺失")
        page.get_by_role("button", name="记录位置").click()
        expect(page.locator(".locate-note")).to_have_text("已记录位置（±12 米）")
        page.get_by_role("button", name="添加").click()
        expect(page.locator("#findings")).to_contain_text("位置：34.2658, 108.9541（±12 米，")
        assert _finding(live_server.app, "路边井盖缺失") == (34.2658, 108.9541, 12.0)
        page.reload()
        expect(page.locator("#findings table")).to_contain_text("位置：34.2658, 108.9541（±12 米，")
        # The next finding's form starts without a position.
        expect(page.locator(".locate-note")).to_have_text("")


def test_without_permission_the_finding_saves_without_a_position(
    browser, browser_context_args, request, live_server, patrol_id
):
    context = _phone(browser, browser_context_args, request, geolocation=WHERE)  # not allowed
    for page in watched_page(context, request):
        log_in(page, live_server, "worker_a")
        page.goto(live_server(f"/patrols/{patrol_id}"))
        page.get_by_label("发现的情况").fill("楼道堆放杂物")
        page.get_by_role("button", name="记录位置").click()
        expect(page.locator(".locate-note")).to_contain_text("没有取得位置")
        page.get_by_role("button", name="添加").click()
        expect(page.locator("#findings table")).to_contain_text("楼道堆放杂物")
        expect(page.locator("#findings")).not_to_contain_text("位置：")
        assert _finding(live_server.app, "楼道堆放杂物") == (None, None, None)
