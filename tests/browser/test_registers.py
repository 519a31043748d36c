"""In a real browser, as grid worker worker_a (东关一网格): registering a household
of three through the forms; importing a spreadsheet that has problems, then the
corrected one; and finding a resident by pinyin initials, with htmx and without JS."""

from __future__ import annotations

import re
from io import BytesIO

import openpyxl
import pytest
from playwright.sync_api import expect

from app.core.database import write_transactions
from app.extensions import db
from app.org.models import Division
from tests.browser.conftest import snap
from tests.factories import PASSWORD, make_id_number

pytestmark = pytest.mark.browser


def log_in(page, live_server, username="worker_a"):
    page.goto(live_server("/login"))
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("您好")


# --- 1. A household of three, registered through the forms --------------------------


def register_into_household(page, relation: str, name: str, id_number: str, phone: str = ""):
    """From the household page: 登记新人员入户 → the resident form → back on the household page."""
    page.get_by_role("link", name="登记新人员入户").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("登记人员到户号")
    page.get_by_label("与户主关系").select_option(label=relation)
    page.get_by_label("姓名", exact=True).fill(name)
    page.get_by_label("证件号码", exact=True).fill(id_number)
    if phone:
        page.get_by_label("联系电话").fill(phone)
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".flash")).to_contain_text(f"已登记：{name}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("住户 D301")


def test_register_a_household_of_three(page, live_server, world_ids):
    log_in(page, live_server)
    page.goto(live_server("/households/new"))
    expect(page.get_by_role("heading", level=1)).to_have_text("新建住户")
    expect(page.get_by_label("所属网格")).to_contain_text("东关一网格")
    page.get_by_label("户号", exact=True).fill("D301")
    page.get_by_label("楼栋").select_option(str(world_ids.building_a))
    page.get_by_label("单元", exact=True).fill("3")
    page.get_by_label("房号").fill("301")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".flash")).to_contain_text("已立户：D301")
    expect(page.get_by_role("heading", level=1)).to_contain_text("住户 D301")
    expect(page.locator("main")).to_contain_text("未登记户主")

    people = [
        ("户主", "赵建国", make_id_number("19800101", 1), "13700001111"),
        ("配偶", "钱秀英", make_id_number("19820303", 2, male=False), ""),
        ("子女", "赵小雨", make_id_number("20100505", 3, male=False), ""),
    ]
    for relation, name, id_number, phone in people:
        register_into_household(page, relation, name, id_number, phone)

    expect(page.get_by_role("heading", name="现有成员（3 人）")).to_be_visible()
    members = page.locator("table").first
    for relation, name, id_number, _phone in people:
        row = members.get_by_role("row").filter(has=page.get_by_role("link", name=name, exact=True))
        expect(row).to_contain_text(relation)
        expect(row).to_contain_text(id_number[:6] + "********" + id_number[-4:])
    expect(page.locator(".facts")).to_contain_text("赵建国")  # 户主
    expect(page.locator("main")).to_contain_text("137****1111")
    text = page.locator("body").inner_text()
    for _relation, _name, id_number, _phone in people:
        assert id_number not in text
    assert "13700001111" not in text
    assert "13700001111" not in page.content()
    snap(page, "20-household")


# --- 2. Import: problems listed by row, nothing written; then the corrected file ------


def import_headers(live_server) -> dict[str, str]:
    from app.registry.transfer.xlsx_import import import_columns

    with live_server.app.test_request_context():
        return {c.key: c.header for c in import_columns()}


def import_sheet(headers: dict[str, str], rows: list[dict]) -> bytes:
    """A sheet as a station sends it: a merged title row above the header row."""
    keys = ["household_number", "relation", "name", "id_number", "phone", "building", "unit", "room"]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "登记表"
    sheet["A1"] = "东关一网格 人员登记表（2024年）"
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(keys))
    sheet.append([headers[k] for k in keys])
    for row in rows:
        sheet.append([row.get(k) for k in keys])
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def upload(page, live_server, grid_id: int, name: str, data: bytes):
    page.goto(live_server("/residents/import"))
    expect(page.get_by_role("heading", level=1)).to_have_text("导入人员与住户")
    page.get_by_label("Excel 文件（.xlsx）").set_input_files(
        files=[
            {
                "name": name,
                "buffer": data,
                "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            }
        ]
    )
    page.get_by_label("导入到网格").select_option(str(grid_id))
    page.get_by_role("button", name="上传并检查").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("导入检查结果")


def test_import_with_problems_then_corrected(page, live_server, world_ids):
    headers = import_headers(live_server)
    log_in(page, live_server)

    # The template offered on the page carries the same headers.
    page.goto(live_server("/residents/import"))
    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载导入模板（.xlsx）").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    template = openpyxl.load_workbook(BytesIO(download.path().read_bytes()), read_only=True)
    header_row = [str(v or "").lstrip("*") for v in next(template.worksheets[0].iter_rows(values_only=True))]
    template.close()
    assert set(headers.values()) <= set(header_row), header_row

    head_id = make_id_number("19750808", 21)
    wrong_head_id = head_id[:17] + ("0" if head_id[17] != "0" else "1")
    spouse_id = make_id_number("19780909", 22, male=False)
    child_id = make_id_number("20050606", 23)
    household = {"household_number": "E501", "building": "1号楼", "unit": "5", "room": "501"}
    bad_rows = [
        {**household, "relation": "户主", "name": "孙德胜", "id_number": wrong_head_id, "phone": "13600002222"},
        {**household, "relation": "邻居", "name": "周慧兰", "id_number": spouse_id},
        {**household, "relation": "儿子", "name": "孙子涵", "id_number": child_id},
    ]
    upload(page, live_server, world_ids.grid_a, "登记表-有误.xlsx", import_sheet(headers, bad_rows))
    main = page.locator("main")
    expect(main).to_contain_text("共 3 行数据")
    expect(page.get_by_role("alert")).to_contain_text("发现 3 个问题，未写入任何数据")
    problems = page.locator("#import-problems tbody tr")
    # Every row is checked: the child's row is fine itself, but its 户主 row failed.
    expect(problems).to_have_count(3)
    # Excel row numbers: title row 1, header row 2, data from row 3.
    expect(problems.nth(0).locator("td")).to_have_text(["3", headers["id_number"], "身份证号码校验位不正确，请核对。"])
    expect(problems.nth(1).locator("td").nth(0)).to_have_text("4")
    expect(problems.nth(1).locator("td").nth(1)).to_have_text(headers["relation"])
    expect(problems.nth(1).locator("td").nth(2)).to_contain_text("“邻居”不是可选的值，可选：户主、配偶、子女")
    expect(problems.nth(2).locator("td").nth(0)).to_have_text("5")
    expect(problems.nth(2).locator("td").nth(2)).to_contain_text("本户户主所在的第 3 行未通过检查")
    expect(page.get_by_role("button", name="确认导入")).to_have_count(0)
    snap(page, "21-import-preview")

    page.goto(live_server("/residents/"))
    rows = page.locator("#resident-rows")
    expect(rows).to_contain_text("张伟")
    for name in ("孙德胜", "周慧兰", "孙子涵"):
        expect(rows).not_to_contain_text(name)
    page.goto(live_server("/households/"))
    expect(page.locator("main")).not_to_contain_text("E501")

    good_rows = [{**bad_rows[0], "id_number": head_id}, {**bad_rows[1], "relation": "妻子"}, bad_rows[2]]
    upload(page, live_server, world_ids.grid_a, "登记表-已改正.xlsx", import_sheet(headers, good_rows))
    expect(page.locator("main")).to_contain_text("检查通过，尚未写入")
    expect(page.locator("#import-problems")).to_have_count(0)
    counts = page.locator("table.import-counts tbody tr")
    expect(counts.nth(0).locator("td")).to_have_text(["3", "0", "0"])  # residents: 3 new
    expect(counts.nth(1).locator("td")).to_have_text(["1", "0", "0"])  # households: 1 new
    page.get_by_role("button", name="确认导入").click()

    expect(page.locator(".flash")).to_contain_text("导入完成。人员：新增 3")
    expect(page.get_by_role("heading", level=1)).to_have_text("实有人口")
    rows = page.locator("#resident-rows")
    for name in ("孙德胜", "周慧兰", "孙子涵"):
        expect(rows.get_by_role("row").filter(has=page.get_by_role("link", name=name))).to_contain_text("E501")
    page.get_by_role("link", name="E501").first.click()
    expect(page.get_by_role("heading", name="现有成员（3 人）")).to_be_visible()
    members = page.locator("table").first
    for name, relation in (("孙德胜", "户主"), ("周慧兰", "配偶"), ("孙子涵", "子女")):
        expect(members.get_by_role("row").filter(has=page.get_by_role("link", name=name))).to_contain_text(relation)
    assert head_id not in page.locator("body").inner_text()


# --- 3. Search by pinyin initials ---------------------------------------------------


def register_directly(live_server, grid_id: int, name: str, id_number: str) -> None:
    """More people than build_world() has: one more in grid A that "zw" must hide,
    and one in grid B whose initials are also "zw" but who is out of scope."""
    from app.registry.people import services as registry

    with live_server.app.app_context():
        with write_transactions():
            registry.register_resident(
                registry.ResidentValues(name=name, id_number=id_number), db.session.get(Division, grid_id)
            )
            db.session.commit()
        db.session.remove()


def test_search_by_pinyin_initials(page, browser, browser_context_args, live_server, world_ids):
    register_directly(live_server, world_ids.grid_a, "王芳", make_id_number("19900202", 31, male=False))
    register_directly(live_server, world_ids.grid_b, "周文", make_id_number("19910303", 32))
    log_in(page, live_server)
    page.goto(live_server("/residents/"))
    rows = page.locator("#resident-rows")
    expect(rows).to_contain_text("张伟")
    expect(rows).to_contain_text("王芳")
    expect(rows).not_to_contain_text("李娜")
    expect(rows).not_to_contain_text("周文")

    # With htmx: the rows change as the letters are typed, without a page load.
    page.evaluate("window.stillTheSamePage = true")
    search_box = page.get_by_role("searchbox", name="查找", exact=True)
    search_box.press_sequentially("zw", delay=50)
    expect(rows).not_to_contain_text("王芳")
    expect(rows.get_by_role("link", name="张伟")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/residents/\?q=zw"))
    assert page.evaluate("window.stillTheSamePage === true")
    for absent in ("李娜", "周文"):
        expect(rows).not_to_contain_text(absent)

    # Enter submits the form (htmx again): the same rows.
    with page.expect_response(lambda r: "/residents/?" in r.url and "q=zw" in r.url):
        search_box.press("Enter")
    expect(rows.locator("tbody tr")).to_have_count(1)
    expect(rows.locator("tbody tr")).to_contain_text("张伟")
    assert page.evaluate("window.stillTheSamePage === true")
    snap(page, "22-resident-search")

    # Without JavaScript the same form is a plain GET form: Enter loads the page.
    plain = browser.new_context(**browser_context_args, java_script_enabled=False)
    try:
        no_js = plain.new_page()
        no_js.set_default_timeout(5_000)
        log_in(no_js, live_server)
        no_js.goto(live_server("/residents/"))
        no_js.get_by_role("searchbox", name="查找", exact=True).fill("zw")
        with no_js.expect_navigation():
            no_js.get_by_role("searchbox", name="查找", exact=True).press("Enter")
        expect(no_js).to_have_url(re.compile(r"/residents/\?q=zw"))
        plain_rows = no_js.locator("#resident-rows tbody tr")
        expect(plain_rows).to_have_count(1)
        expect(plain_rows).to_contain_text("张伟")
        for absent in ("王芳", "李娜", "周文"):
            expect(no_js.locator("#resident-rows")).not_to_contain_text(absent)
    finally:
        plain.close()
