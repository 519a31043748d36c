"""In a real browser with CSRF on: the March 2026 fixtures (tests/assessment/records.py)
on the board, a breakdown whose links open the records, the rules page changed from
the keyboard (Enter saves the row) and the board following it; the public
satisfaction form — each page fitting 1024 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.core.database import write_transactions
from app.extensions import db
from tests.assessment.records import build_march
from tests.browser.conftest import snap
from tests.browser.test_hotline_indicators import log_in
from tests.factories import build_world

pytestmark = pytest.mark.browser


@pytest.fixture()
def march_world(live_app):
    with live_app.app_context():
        with write_transactions():
            world = build_world()
            build_march(world)
        code = world.grid_a.code
        db.session.remove()
    return code


def test_board_breakdown_and_rules(page, live_server, march_world):
    log_in(page, live_server, "admin")
    page.goto(live_server("/assessment/?period=2026-03"))
    row = page.get_by_role("row").filter(has_text="东关一网格")
    expect(row).to_contain_text("76")
    expect(row).to_contain_text("通报批评")
    snap(page, "assessment-board")
    row.get_by_role("link", name="76").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("考核明细")
    expect(page.get_by_text("事件超期", exact=False).first).to_be_visible()
    snap(page, "assessment-breakdown")
    page.get_by_role("link", name="整改“楼道堆物三月”逾期", exact=False).click()
    expect(page.get_by_text("楼道堆物三月").first).to_be_visible()

    page.goto(live_server("/assessment/rules"))
    snap(page, "assessment-rules")
    points = page.get_by_label("事件超期 每次分值", exact=True)  # not 承办事件超期's
    points.fill("-5")
    points.press("Enter")
    expect(page.get_by_text("已保存“事件超期”。")).to_be_visible()
    page.goto(live_server("/assessment/?period=2026-03"))
    # Two overdue matters at −5 each (cap 10): 76 − 6 = 70.
    expect(page.get_by_role("row").filter(has_text="东关一网格")).to_contain_text("70")


def test_public_satisfaction_form(page, live_server, march_world):
    page.goto(live_server(f"/public/grids/{march_world}/"))
    page.get_by_role("link", name="评价本网格的服务").click()
    page.get_by_label("基本满意").check()
    snap(page, "assessment-public-survey")
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_text("谢谢您的评价，已记录。")).to_be_visible()


def test_enter_in_the_card_form_issues_the_card(page, live_server, march_world):
    """Keyboard only: the reason typed, Enter pressed in the date field — the card is
    issued (Enter used to press the form's first button, which only lists workers)."""
    log_in(page, live_server, "town_a")
    page.goto(live_server("/assessment/cards/new"))
    page.get_by_label("黄牌").check()
    page.get_by_label("原因", exact=True).fill("民情日志连续两周未记")
    page.get_by_label("日期", exact=True).press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("黄牌")
    expect(page.get_by_text("已发出黄牌。")).to_be_visible()
