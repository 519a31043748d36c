"""In a real browser, the whole matters loop as four people: grid worker worker_a
reports a missing manhole cover, town dispatcher town_a verifies it and sends it to
the city-management department, its handler dept feeds back, town_a checks, closes
and publishes it; then a resident — not logged in — looks it up by its tracking
code, rates it from the keyboard, and finds it on the community's board, masked."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.matters.models import Matter
from app.org.models import Division
from tests.browser.conftest import snap
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

REPORTER_NAME, REPORTER_PHONE = "王秀英", "13700001234"


def log_in(page, live_server, username):
    page.goto(live_server("/login"))
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("您好")


def log_out(page):
    page.get_by_role("button", name="退出").click()
    expect(page).to_have_url(re.compile(r"/login"))


def take_step(page, action: str, fill=None):
    """Fill the step's form (its fields around a button reading the step's name) and
    submit it from the keyboard: the button focused, Enter pressed."""
    form = page.get_by_role("form", name=action, exact=True)
    if fill:
        fill(form)
    form.get_by_role("button", name=action, exact=True).focus()
    page.keyboard.press("Enter")
    expect(page.locator(".flash-success")).to_contain_text(f"已{action}")


def test_the_whole_loop_as_four_people_and_the_public(page, live_server, world_ids):
    with live_server.app.app_context():
        community_code = db.session.get(Division, world_ids.community_a).code
        db.session.remove()

    # 1. The grid worker reports.
    log_in(page, live_server, "worker_a")
    page.goto(live_server("/matters/new"))
    # Choosing the class makes htmx reload the subtype options: wait for them first.
    with page.expect_response(lambda r: "/matters/types" in r.url):
        page.get_by_label("事件大类").select_option(label="城市管理")
    subtype = "城市管理 › 公用设施 › 井盖缺失或破损"
    page.get_by_label("事件小类").select_option(label=subtype)
    expect(page.get_by_label("事件小类")).to_have_value(re.compile(r"^[1-9]\d*$"))
    expect(page.get_by_label("所在网格")).to_contain_text("东关一网格")
    page.get_by_label("地点").fill("东关路1号门口")
    page.get_by_label("事件描述").fill("东关路1号门口井盖缺失，夜间有行人跌倒危险")
    page.get_by_label("紧急程度").select_option(label="紧急")
    page.get_by_label("反映人", exact=True).fill(REPORTER_NAME)
    page.get_by_label("反映人电话").fill(REPORTER_PHONE)
    page.get_by_role("button", name="上报", exact=True).click()
    expect(page.locator(".flash-success")).to_contain_text("已上报，事件编号")
    number = re.search(r"\d{8}-\d{4}", page.locator("h1").inner_text()).group(0)
    matter_url = page.url
    expect(page.locator("h1")).to_contain_text("待核实")
    log_out(page)

    # 2. The town verifies and dispatches to the department.
    log_in(page, live_server, "town_a")
    page.goto(live_server("/matters/?box=verify"))
    snap(page, "43-matters-inbox")
    page.get_by_role("link", name=number).click()
    snap(page, "44-matter-detail")
    take_step(page, "受理核实")
    expect(page.locator("h1")).to_contain_text("待派遣")
    take_step(page, "分派", lambda form: form.get_by_label("派往").select_option(label="职能部门 · 县城市管理局"))
    expect(page.locator("h1")).to_contain_text("处置中")
    log_out(page)

    # 3. The department's handler feeds back.
    log_in(page, live_server, "dept")
    page.goto(live_server("/matters/?box=handle"))
    page.get_by_role("link", name=number).click()
    take_step(
        page,
        "办结反馈",
        lambda form: form.get_by_label("办理结果").fill(
            f"已安装新井盖并与路面平齐，已电话告知{REPORTER_NAME}（{REPORTER_PHONE}）"
        ),
    )
    expect(page.locator("h1")).to_contain_text("待核查")
    log_out(page)

    # 4. The town checks, closes and publishes.
    log_in(page, live_server, "town_a")
    page.goto(matter_url)
    take_step(page, "核查通过，结案")
    expect(page.locator("h1")).to_contain_text("已结案")
    take_step(page, "公示")
    expect(page.locator(".timeline")).to_contain_text("公示")
    log_out(page)

    # 5. The resident, not logged in, follows it with the code the grid worker gave them.
    with live_server.app.app_context():
        code = db.session.scalar(select(Matter.tracking_code).where(Matter.number == number))
        db.session.remove()
    page.goto(live_server("/public/"))
    page.get_by_label("查询码").fill(code.lower())
    page.get_by_label("查询码").press("Enter")
    expect(page.locator("main h2").first).to_contain_text(f"事件 {number}")
    main = page.locator("main")
    expect(main).to_contain_text("已结案")
    timeline = page.locator("table.timeline-table")
    for step in ("上报", "受理核实", "分派", "办结反馈", "核查通过，结案", "公示"):
        expect(timeline).to_contain_text(step)
    expect(timeline).to_contain_text("城关镇")
    expect(timeline).to_contain_text("县城市管理局")
    expect(main).to_contain_text("已安装新井盖")
    text = main.inner_text()
    for secret in ("worker_a", "town_a", "dept", REPORTER_PHONE, REPORTER_NAME):
        assert secret not in text, secret
    # Rate from the keyboard: the first choice, then the comment, then Enter on the button.
    satisfied = page.get_by_role("radio", name="满意", exact=True)
    satisfied.focus()
    page.keyboard.press("Space")
    expect(satisfied).to_be_checked()
    page.get_by_label("评价意见").fill("修得很快，谢谢")
    page.get_by_role("button", name="提交评价").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".flash-success")).to_contain_text("已收到您的评价")
    expect(main).to_contain_text("您的评价：满意")
    expect(page.get_by_role("button", name="提交评价")).to_have_count(0)
    snap(page, "40-public-tracking")

    # 6. The community's board shows it, masked.
    page.goto(live_server(f"/public/communities/{community_code}/board"))
    row = page.get_by_role("row").filter(has_text=number)
    expect(row).to_contain_text("井盖缺失或破损")
    expect(row).to_contain_text("东关路1号门口")
    expect(row).to_contain_text("已安装新井盖")
    expect(row).to_contain_text("王**")
    expect(row).to_contain_text("137****1234")
    expect(row).to_contain_text("满意")
    board = page.locator("main").inner_text()
    for secret in (REPORTER_NAME, REPORTER_PHONE, "worker_a", "town_a"):
        assert secret not in board, secret
    snap(page, "41-public-board")


def test_a_resident_reports_through_the_public_form(page, live_server, world_ids):
    page.goto(live_server("/public/"))
    page.get_by_role("link", name="东关一网格").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("向东关一网格反映问题")
    expect(page.locator("#website")).not_to_be_in_viewport()  # the honeypot stays out of sight
    page.get_by_label("问题类别").select_option(label="路灯不亮")
    page.get_by_label("地点").fill("东关路与北街路口")
    page.get_by_label("问题描述").fill("路口的路灯连续三晚不亮")
    page.get_by_label("匿名反映（不留姓名和电话）").check()
    snap(page, "42-public-report")
    page.get_by_role("button", name="提交", exact=True).click()
    expect(page.locator(".flash-success")).to_contain_text("请记下查询码")
    code = page.locator("#tracking-code").inner_text()
    assert re.fullmatch(r"[A-Z2-9]{10}", code)
    expect(page.locator("main")).to_contain_text("待核实")
    expect(page.locator("main")).to_contain_text("匿名")
    with live_server.app.app_context():
        matter = db.session.scalar(select(Matter).where(Matter.tracking_code == code))
        assert matter.source == "online" and matter.reporter_id is None and matter.is_anonymous
        db.session.remove()
