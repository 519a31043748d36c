"""In a real browser: a double click on an htmx add files one record, and the form is
emptied after the add, so a second click cannot file the same finding again."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from app.extensions import db
from app.matters.models import Matter
from app.patrols.models import PatrolFinding
from tests.browser.test_opinion_log import record_patrol

pytestmark = pytest.mark.browser


def _counts(live_app) -> tuple[int, int]:
    with live_app.app_context():
        findings = db.session.scalar(
            select(func.count()).select_from(PatrolFinding).where(PatrolFinding.description == "1号楼前井盖缺失")
        )
        matters = db.session.scalar(
            select(func.count()).select_from(Matter).where(Matter.description.like("1号楼前井盖缺失%"))
        )
        db.session.remove()
    return findings, matters


def test_a_double_click_on_add_files_one_finding_and_one_matter(page, live_app, live_server, world_ids):
    record_patrol(page, live_server)
    page.get_by_label("发现的情况").fill("1号楼前井盖缺失")
    page.get_by_label("上报为事件").select_option("city")
    page.get_by_role("button", name="添加").dblclick()
    expect(page.locator("#findings tbody")).to_contain_text("1号楼前井盖缺失")
    page.wait_for_load_state("networkidle")
    expect(page.locator("#findings tbody tr")).to_have_count(1)
    expect(page.get_by_label("发现的情况")).to_have_value("")  # emptied: nothing to send again
    assert _counts(live_app) == (1, 1)

    # Clicked again on the emptied form: refused at the field, nothing filed.
    page.get_by_role("button", name="添加").click()
    expect(page.locator("#findings")).to_contain_text("请填写")
    assert _counts(live_app) == (1, 1)
