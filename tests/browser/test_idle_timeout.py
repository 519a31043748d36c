"""In a real browser: the idle warning, 继续工作, and a form sent after the session
ended coming back filled after signing in again — nothing saved until 保存."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from app.auth.models import LoginSession
from app.extensions import db
from app.registry.people.models import Resident
from tests.browser.test_scope_and_login import log_in

pytestmark = pytest.mark.browser


def _resident_id(live_app) -> int:
    with live_app.app_context():
        resident_id = db.session.scalar(select(Resident.id).where(Resident.name == "张伟"))
        db.session.remove()
    return resident_id


def _last_seen(live_app):
    with live_app.app_context():
        value = db.session.scalar(select(func.max(LoginSession.last_seen_at)).where(LoginSession.ended_at.is_(None)))
        db.session.remove()
    return value


def _workplace(live_app, resident_id) -> str | None:
    with live_app.app_context():
        value = db.session.get(Resident, resident_id).workplace
        db.session.remove()
    return value


def test_the_warning_keeps_the_session_and_a_form_sent_after_it_ended_comes_back(
    page, live_app, live_server, world_ids
):
    resident_id = _resident_id(live_app)
    log_in(page, live_server, "station_a")
    # Seconds instead of 30 minutes: the page warns at half of it, as for any short timeout.
    live_app.config["IDLE_TIMEOUT"] = timedelta(seconds=6)
    page.goto(live_server(f"/residents/{resident_id}/edit"))
    page.get_by_label("工作单位或学校").fill("县农机站")
    warning = page.locator("#session-warning")
    expect(warning).to_be_visible(timeout=6_000)
    expect(warning).to_contain_text("几分钟后将自动退出")
    before = _last_seen(live_app)
    page.get_by_role("button", name="继续工作").click()
    expect(warning).to_be_hidden()
    assert _last_seen(live_app) > before  # the server counts the click as activity

    expect(warning).to_contain_text("已因长时间未操作自动退出", timeout=10_000)
    page.wait_for_timeout(1_000)  # the server's clock, not only the page's, has run out
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.locator("main")).to_contain_text("您填写的内容已保留")
    assert _workplace(live_app, resident_id) != "县农机站"

    live_app.config["IDLE_TIMEOUT"] = timedelta(minutes=30)
    page.get_by_label("用户名").fill("station_a")
    page.get_by_label("密码").fill("Passw0rd!")
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.locator("main")).to_contain_text("尚未保存")
    expect(page.get_by_label("工作单位或学校")).to_have_value("县农机站")
    assert _workplace(live_app, resident_id) != "县农机站"
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.locator("main")).to_contain_text("已保存")
    assert _workplace(live_app, resident_id) == "县农机站"


def test_the_page_warns_before_the_sessions_lifetime_runs_out(page, live_app, live_server, world_ids):
    """No click extends the absolute lifetime: the warning asks to save, then says it ended,
    and a form sent after it is kept as after an idle timeout."""
    resident_id = _resident_id(live_app)
    log_in(page, live_server, "station_a")
    # Seconds instead of 12 hours: the warning shows 10 minutes before the end, so here at once.
    live_app.config["SESSION_ABSOLUTE_TIMEOUT"] = timedelta(seconds=12)
    try:
        page.goto(live_server(f"/residents/{resident_id}/edit"))
        page.get_by_label("工作单位或学校").fill("县农机站")
        warning = page.locator("#session-warning")
        expect(warning).to_contain_text("无法延长", timeout=5_000)
        expect(warning.get_by_role("button", name="继续工作")).to_be_hidden()
        expect(warning).to_contain_text("已连续登录超过规定时长", timeout=15_000)
        page.wait_for_timeout(1_000)  # the server's clock, not only the page's, has run out
        page.get_by_role("button", name="保存", exact=True).click()
        expect(page.locator("main")).to_contain_text("您填写的内容已保留")
        assert _workplace(live_app, resident_id) != "县农机站"
    finally:
        live_app.config["SESSION_ABSOLUTE_TIMEOUT"] = timedelta(hours=12)
