"""12345 hotline work orders: real workbooks uploaded through the pages (preview writes
nothing, confirm writes all or nothing, the same file twice creates nothing new),
dates as Excel cells, serials and text, and the 回单 read back from its xlsx."""

from __future__ import annotations

import datetime as dt
import re
from io import BytesIO

import openpyxl
import pytest
from sqlalchemy import func, select

from app.auth.models import AuditEvent
from app.core.database import write_transactions
from app.core.timeutil import local_to_utc
from app.extensions import db
from app.matters import reporting, services
from app.matters.hotline_sheet import BadMoment, parse_moment
from app.matters.models import Matter
from tests.conftest import fresh, text_of
from tests.web import Upload, choose, forge, form_on, press, visible_text

HEADER = ["工单编号", "来电时间", "诉求内容", "地址", "办结时限", "类别", "紧急程度", "网格编码"]


def sheet(rows, header=HEADER, title: str | None = "12345政务服务便民热线工单（2026年11月）") -> bytes:
    """An .xlsx as the hotline sends it: a merged title row, the header, the rows."""
    book = openpyxl.Workbook()
    ws = book.active
    if title:
        ws.append([title])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    ws.append(header)
    for row in rows:
        ws.append(list(row))
    out = BytesIO()
    book.save(out)
    return out.getvalue()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def upload(web, data: bytes, grid=None, **kwargs):
    """导入工单 on the hotline page: the file chosen, the grid chosen by its name or
    left as the page offers it (每行的网格), 上传并检查 pressed."""
    form = form_on(web.get("/matters/hotline/"), button="上传并检查")
    form["file"] = Upload("12345.xlsx", data, XLSX)
    if grid is not None:
        choose(form, "grid_id", grid.name)
    return press(form, "上传并检查", **kwargs)


def token_of(response) -> str | None:
    match = re.search(r'name="token"[^>]*value="([0-9a-f]{32})"', response.text)
    return match.group(1) if match else None


def confirm(preview):
    """确认导入 on the preview, as rendered (its hidden token and grid)."""
    assert token_of(preview), visible_text(preview)
    return press(form_on(preview, button="确认导入"), "确认导入")


def hotline_matters() -> list[Matter]:
    fresh()
    return list(db.session.scalars(select(Matter).where(Matter.source == "hotline").order_by(Matter.hotline_number)))


def problems(page) -> list[tuple[int, str, str]]:
    """(row, column, message) of the preview's problem table."""
    html = page.text
    table = html.split('id="import-problems"', 1)[1].split("</table>", 1)[0]
    cells = re.findall(r"<tr><td class=\"num\">(\d+)</td><td>(.*?)</td><td>(.*?)</td></tr>", table)
    return [(int(row), column, message) for row, column, message in cells]


def local(*args) -> dt.datetime:
    """A Beijing time as the naive UTC the database keeps."""
    return local_to_utc(dt.datetime(*args))


def good_rows(world):
    """Three work orders: dates as an Excel date cell, an Excel serial number and text."""
    return [
        [
            "2026112000001",
            dt.datetime(2026, 11, 20, 9, 30),
            "东关路1号井盖缺失",
            "东关路1号",
            dt.date(2026, 11, 25),
            "城市管理",
            "紧急",
            world.grid_a.code,
        ],
        [
            "2026112000002",
            46346.6875,
            "楼上漏水，邻居不配合",
            "东关路3号",
            "2026年11月27日",
            "矛盾纠纷",
            None,
            "东关一网格",
        ],  # 46346.6875 = 2026-11-20 16:30
        [
            "2026112100003",
            "2026/11/21 8:05",
            "村口垃圾堆放多日",
            None,
            "2026-11-21 18:00",
            "环保",
            "一般",
            world.grid_a3.code,
        ],
    ]


def test_a_bad_row_writes_nothing_and_every_problem_is_listed_by_row(web_as, world):
    web = web_as("town_a")
    rows = good_rows(world)
    rows[1][5] = "交通运输"  # row 4: not one of the six classes
    rows[2][1] = "昨天下午"  # row 5: a call time nobody can read
    rows[2][7] = world.grid_b.code  # row 5: another town's grid
    rows.append(
        ["2026112000001", "2026-11-22 08:00", "重复的工单", None, None, "城市管理", None, world.grid_a.code]
    )  # row 6: the same number as row 3
    page = upload(web, sheet(rows))
    assert page.status_int == 200
    found = problems(page)
    assert [row for row, _column, _message in found] == [4, 5, 5, 6]
    assert found[0][1] == "类别" and "不是可选的值" in found[0][2] and "矛盾纠纷" in found[0][2]
    assert found[1][1] == "来电时间" and "日期时间无法识别：昨天下午" in found[1][2]
    assert found[2][1] == "网格编码" and "不在您的管辖范围内" in found[2][2]
    assert found[3][1] == "工单编号" and "与第 3 行重复" in found[3][2]
    assert "未写入任何数据" in visible_text(page) and token_of(page) is None
    assert hotline_matters() == []


def test_the_fixed_file_imports_and_importing_it_again_creates_nothing(web_as, world):
    web = web_as("town_a")
    data = sheet(good_rows(world))
    preview = upload(web, data)
    page = visible_text(preview)
    assert re.search(r'id="count-new">3<', preview.text) and "检查通过，尚未写入" in page
    assert hotline_matters() == []
    response = confirm(preview)
    assert response.status_int == 303
    assert "新建 3 件，跳过已导入的 0 件" in visible_text(response.follow())

    first, second, third = hotline_matters()
    assert (first.hotline_number, first.class_code, first.urgency, first.grid_id) == (
        "2026112000001",
        "city",
        "urgent",
        world.grid_a.id,
    )
    assert first.created_at == local(2026, 11, 20, 9, 30)  # an Excel date cell
    assert first.hotline_due_at == local(2026, 11, 26, 0, 0)  # a date: the end of that day
    assert first.number.startswith("20261120-") and first.status == "reported"
    assert first.first_receiver_id == world.users["town_a"].id and first.address == "东关路1号"
    assert second.created_at == local(2026, 11, 20, 16, 30)  # an Excel serial number
    assert second.hotline_due_at == local(2026, 11, 28, 0, 0)  # 2026年11月27日
    assert (second.class_code, second.urgency, second.grid_id) == ("dispute", "normal", world.grid_a.id)
    assert third.created_at == local(2026, 11, 21, 8, 5)  # text
    assert third.hotline_due_at == local(2026, 11, 21, 18, 0)
    assert third.grid_id == world.grid_a3.id and third.class_code == "environment"
    # The hotline's limit falls before the loop's verification deadline: it wins.
    assert third.verify_due_at == third.due_at == local(2026, 11, 21, 18, 0)
    assert first.verify_due_at == local(2026, 11, 24, 0, 0)  # Fri 20th + 1 working day = Mon 23rd
    assert [s.action for s in first.steps] == ["report"] and first.steps[0].at == first.created_at
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "hotline_imported"))
    assert event.detail["created"] == 3 and event.detail["work_orders"][0] == "2026112000001"

    again = upload(web, data)
    html = again.text
    assert re.search(r'id="count-new">0<', html) and re.search(r'id="count-skipped">3<', html)
    assert token_of(again) is None and "没有需要新建的工单" in visible_text(again)
    # One new work order among the old: only it is created.
    rows = good_rows(world) + [
        ["2026112200004", "2026-11-22 07:45", "路灯不亮", None, None, "城管", "普通", world.grid_a.code]
    ]
    response = confirm(upload(web, sheet(rows)))
    assert "新建 1 件，跳过已导入的 3 件" in visible_text(response.follow())
    assert len(hotline_matters()) == 4


def test_a_chosen_grid_takes_rows_without_one_and_refuses_rows_naming_another(web_as, world):
    web = web_as("town_a")
    rows = [
        ["A-1", "2026-11-20 10:00", "噪音扰民", None, None, "社会治安", None, None],
        ["A-2", "2026-11-20 11:00", "占道经营", None, None, "城市管理", None, world.grid_a3.code],
    ]
    page = upload(web, sheet(rows, title=None), grid=world.grid_a)
    assert problems(page) == [(3, "网格编码", "与导入页面选定的网格（东关一网格）不一致。")]
    rows[1][7] = None
    preview = upload(web, sheet(rows, title=None), grid=world.grid_a)
    assert form_on(preview, button="确认导入")["grid_id"].value == str(world.grid_a.id)
    confirm(preview)
    assert {m.grid_id for m in hotline_matters()} == {world.grid_a.id}


def test_without_a_grid_or_with_a_future_call_or_the_template_example_rows_are_refused(web_as, world):
    web = web_as("admin")
    rows = [
        ["B-1", "2026-11-20 10:00", "噪音扰民", None, None, "社会治安", None, None],
        ["B-2", "2099-01-01 10:00", "占道经营", None, None, "城市管理", "特急", world.grid_a.code],
        ["B-3", "2026-11-20 10:00", "占道经营", None, "2026-11-19", "城市管理", None, world.grid_a.code],
    ]
    found = problems(upload(web, sheet(rows)))
    assert found == [
        (3, "网格编码", "请填写网格编码，或在导入页面选定网格。"),
        (4, "来电时间", "来电时间晚于当前时间。"),
        (5, "办结时限", "办结时限早于来电时间。"),
    ]
    template = web.get("/matters/hotline/").click(description="下载导入模板")
    assert template.status_int == 200
    found = problems(upload(web, template.body))
    assert found and found[0][1] == "工单编号" and "示例行" in found[0][2]


def test_only_town_staff_and_county_administrators_use_the_hotline(web_as, client_as, world):
    """The other roles never see the page: their uploads are forged requests."""
    for username in ("worker_a", "station_a", "dept", "leader_a"):
        web = web_as(username)
        assert web.get("/matters/hotline/", expect_errors=True).status_int == 403, username
        assert web.get("/matters/hotline/receipts.xlsx", expect_errors=True).status_int == 403, username
        forged = forge(
            web, "/matters/hotline/", {"grid_id": "0"}, upload_files=[("file", "12345.xlsx", sheet(good_rows(world)))]
        )
        assert forged.status_int == 403, username
    assert client_as("admin").get("/matters/hotline/").status_code == 200
    page = text_of(client_as("town_a").get("/matters/hotline/"))
    assert "导入工单" in page and "导出回单" in page


@pytest.mark.parametrize(
    "text, expected, has_time",
    [
        ("2026-11-20 09:30", dt.datetime(2026, 11, 20, 9, 30), True),
        ("2026/11/20 9:30:15", dt.datetime(2026, 11, 20, 9, 30, 15), True),
        ("2026-11-20T09:30:00", dt.datetime(2026, 11, 20, 9, 30), True),
        ("2026年11月20日 9时30分", dt.datetime(2026, 11, 20, 9, 30), True),
        ("２０２６－１１－２０", dt.datetime(2026, 11, 20), False),
        ("2026.11.20", dt.datetime(2026, 11, 20), False),
        ("20261120", dt.datetime(2026, 11, 20), False),
        ("202611200930", dt.datetime(2026, 11, 20, 9, 30), True),
        ("46346", dt.datetime(2026, 11, 20), False),
        ("46346.395833333336", dt.datetime(2026, 11, 20, 9, 30), True),
    ],
)
def test_dates_and_times_as_hotline_files_hold_them(text, expected, has_time):
    assert parse_moment(text) == (expected, has_time)


@pytest.mark.parametrize("text", ["2026", "2026-13-01", "2026-11-20 25:00", "明天", "11/20/2026"])
def test_unreadable_dates_are_refused(text):
    with pytest.raises(BadMoment):
        parse_moment(text)


# --- 回单 ----------------------------------------------------------------------------


def receipt(client, **args) -> list[list]:
    response = client.get("/matters/hotline/receipts.xlsx", query_string=args)
    assert response.status_code == 200, text_of(response)
    assert response.headers["Cache-Control"].startswith("private")
    ws = openpyxl.load_workbook(BytesIO(response.data)).active
    return [list(row) for row in ws.iter_rows(values_only=True)]


def test_the_receipt_tells_the_hotline_what_became_of_each_work_order(web_as, client_as, world):
    town = client_as("town_a")
    rows = good_rows(world) + [
        ["2026112000009", "2026-11-20 12:00", "重复反映井盖缺失", None, None, "城市管理", None, world.grid_a.code]
    ]
    confirm(upload(web_as("town_a"), sheet(rows)))
    first, second, duplicate, third = hotline_matters()  # in work-order number order
    other_town = reporting.report(
        reporting.MatterValues(
            class_code="city",
            description="滨河路积水",
            grid=world.grid_b,
            source="hotline",
            hotline_number="2026112000099",
        ),
        now=local(2026, 11, 20, 10, 0),
    )
    db.session.commit()
    users = world.users
    with write_transactions():
        # The first goes round the loop through the department and is rated.
        services.take(first, "verify", users["town_a"], now=local(2026, 11, 20, 10, 0))
        services.take(
            first,
            "dispatch",
            users["town_a"],
            now=local(2026, 11, 20, 10, 5),
            level="department",
            department_id=world.department.id,
        )
        services.take(first, "feed_back", users["dept"], note="已更换井盖", now=local(2026, 11, 24, 15, 0))
        services.take(first, "pass_check", users["town_a"], now=local(2026, 11, 24, 16, 0))
        services.take(first, "rate", users["town_a"], rating="satisfied", now=local(2026, 11, 24, 17, 0))
        services.take(third, "reject", users["town_a"], note="不属于本镇职责", now=local(2026, 11, 21, 9, 0))
        services.take(duplicate, "merge", users["town_a"], into=first, now=local(2026, 11, 20, 12, 30))
        db.session.commit()
    table = receipt(town, date_from="2026-11-20", date_to="2026-11-21")
    assert "12345热线工单回单" in table[0][0] and "共 4 件" in table[0][0]
    assert table[1] == [
        "工单编号",
        "来电时间",
        "办结时限",
        "办理单位",
        "办理状态",
        "办理结果",
        "办结时间",
        "是否超时限",
        "满意度",
        "系统事件编号",
    ]
    by_number = {row[0]: row for row in table[2:]}
    assert set(by_number) == {"2026112000001", "2026112000002", "2026112100003", "2026112000009"}
    assert by_number["2026112000001"][1:] == [
        dt.datetime(2026, 11, 20, 9, 30),
        dt.datetime(2026, 11, 26, 0, 0),
        "县城市管理局",
        "已结案",
        "已更换井盖",
        dt.datetime(2026, 11, 24, 16, 0),
        "否",
        "满意",
        first.number,
    ]
    assert by_number["2026112000002"][3:6] == ["东关社区", "待核实", None]
    assert by_number["2026112100003"][4:6] == ["不予受理", "不予受理：不属于本镇职责"]
    assert by_number["2026112000009"][4:6] == ["已合并", "与工单 2026112000001 为同一事项，已合并办理。"]
    # Only closed ones; another day; another town's orders are never in town_a's receipt.
    assert [row[0] for row in receipt(town, date_from="2026-11-20", date_to="2026-11-21", closed_only="y")[2:]] == [
        "2026112000001"
    ]
    assert [row[0] for row in receipt(town, date_from="2026-11-21", date_to="2026-11-21")[2:]] == ["2026112100003"]
    assert [
        row[0]
        for row in receipt(town, date_from="2026-11-20", date_to="2026-11-21", division=world.community_a2.id)[2:]
    ] == ["2026112100003"]
    admin = [row[0] for row in receipt(client_as("admin"), date_from="2026-11-20", date_to="2026-11-20")[2:]]
    assert other_town.hotline_number in admin
    fresh()
    assert (
        db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "hotline_receipts_exported")
        )
        == 5
    )


def test_a_receipt_for_a_division_outside_the_scope_is_404_and_bad_dates_are_said(client_as, world):
    town = client_as("town_a")
    assert town.get("/matters/hotline/receipts.xlsx", query_string={"division": world.town_b.id}).status_code == 404
    response = town.get(
        "/matters/hotline/receipts.xlsx", query_string={"date_from": "2026-11-30", "date_to": "2026-11-01"}
    )
    assert response.status_code == 400 and "截止日期不能早于起始日期" in text_of(response)


def test_confirming_the_same_preview_twice_imports_once(web_as, world):
    """A double click on 确认导入 creates each work order's matter once."""
    web = web_as("town_a")
    preview = upload(web, sheet(good_rows(world)))
    form = form_on(preview, button="确认导入")
    assert press(form, "确认导入").status_int == 303
    again = press(form, "确认导入")
    assert again.status_int == 303 and "已经提交过，没有重复保存" in visible_text(again.follow())
    assert len(hotline_matters()) == 3
