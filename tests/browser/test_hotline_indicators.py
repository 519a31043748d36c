"""In a real browser with CSRF on, as town staff: upload a 12345 file with a bad row
(problems listed, nothing written), the corrected file (confirmed), the 回单 download,
then the indicators page by grid and by town — each page fitting 1024 px."""

from __future__ import annotations

from io import BytesIO

import openpyxl
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import snap
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def log_in(page, live_server, username):
    page.goto(live_server("/login"))
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("您好")


def hotline_file(category: str) -> bytes:
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["工单编号", "来电时间", "诉求内容", "地址", "办结时限", "类别", "紧急程度", "网格编码"])
    ws.append(
        [
            "2026112000001",
            "2026-11-20 09:30",
            "东关路1号井盖缺失",
            "东关路1号",
            "2026-11-25",
            "城市管理",
            "紧急",
            "东关一网格",
        ]
    )
    ws.append(["2026112000002", "2026-11-20 10:00", "楼上漏水", "东关路3号", None, category, None, "东关一网格"])
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def upload(page, data: bytes):
    page.get_by_label("热线工单文件（.xlsx）").set_input_files(
        files=[{"name": "12345.xlsx", "mimeType": XLSX, "buffer": data}]
    )
    page.get_by_role("button", name="上传并检查").click()


def test_hotline_import_receipt_and_indicators(on_2026_11_20, page, live_server, world_ids):
    log_in(page, live_server, "town_a")
    page.goto(live_server("/matters/hotline/"))
    snap(page, "45-hotline")
    upload(page, hotline_file("交通运输"))
    expect(page.locator("#import-problems")).to_contain_text("不是可选的值")
    expect(page.get_by_role("button", name="确认导入")).to_have_count(0)
    snap(page, "46-hotline-problems")

    page.goto(live_server("/matters/hotline/"))
    upload(page, hotline_file("矛盾纠纷"))
    expect(page.locator("#count-new")).to_have_text("2")
    page.get_by_role("button", name="确认导入").click()
    expect(page.locator(".flash-success")).to_contain_text("新建 2 件")

    page.get_by_label("起始日期").first.fill("2026-11-20")
    page.get_by_label("截止日期").first.fill("2026-11-20")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="导出回单（.xlsx）").click()
    sheet = openpyxl.load_workbook(BytesIO(download_info.value.path().read_bytes())).active
    assert [row[0] for row in sheet.iter_rows(min_row=3, values_only=True)] == ["2026112000001", "2026112000002"]

    page.goto(live_server("/matters/indicators?date_from=2026-11-01&date_to=2026-11-30"))
    row = page.get_by_role("row").filter(has_text="东关一网格")
    expect(row.locator("td").first).to_have_text("3")  # the two work orders and the world's own matter
    snap(page, "47-indicators-by-grid")
    page.get_by_label("分组").select_option(label="按镇（街道）")
    page.get_by_role("button", name="统计").click()
    expect(page.locator("#indicators tbody")).to_contain_text("城关镇")
