"""In a real browser: start an inspection binder from the ledgers page, watch the
progress poll (htmx) until the download link appears, and download the PDF."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import snap
from tests.browser.test_scope_and_login import log_in

pytestmark = pytest.mark.browser


def test_binder_progress_and_download(page, live_server, world_ids):
    log_in(page, live_server, "station_a")
    page.goto(live_server("/ledgers/"))
    page.get_by_role("link", name="生成迎检包（全部台账合成一份）").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("生成迎检包")
    page.get_by_label("网格或社区（村）").select_option(str(world_ids.grid_a))
    page.get_by_label("起始日期").fill("2026-10-01")
    page.get_by_label("截止日期").fill("2026-10-31")
    page.get_by_role("button", name="生成迎检包").click()
    expect(page).to_have_url(re.compile(r"/binders/[\w-]+$"))
    link = page.get_by_role("link", name="下载迎检包（PDF）")
    # htmx swaps the finished state in without a reload.
    expect(link).to_be_visible(timeout=90_000)
    expect(page.locator("#binder-progress")).to_contain_text("已生成")
    snap(page, "binder-done")
    with page.expect_download() as info:
        link.click()
    path = info.value.path()
    with open(path, "rb") as handle:
        assert handle.read(5) == b"%PDF-"
