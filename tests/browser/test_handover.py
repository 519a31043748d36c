"""In Chromium: the station ends grid worker worker_a's post in 东关一网格, prints the
handover pack, confirms the handover to the grid chief — and worker_a, signed in on
another computer, is signed out."""

from __future__ import annotations

import re
import subprocess

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.core.database import write_transactions
from app.extensions import db
from app.registry.keypersons.models import KeyPerson
from tests.browser.conftest import snap
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def _sign_in(page, live_server, username: str) -> None:
    page.goto(live_server("/login"))
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("您好")


def test_end_a_post_print_the_pack_hand_over_and_the_leaver_is_signed_out(
    browser, page, live_server, live_app, world_ids, tmp_path
):
    with live_app.app_context():
        with write_transactions():
            key_person = db.session.scalar(select(KeyPerson).where(KeyPerson.grid_id == world_ids.grid_a))
            key_person.responsible_staff_id = world_ids.staff_worker_a
            db.session.commit()
            key_person_id, resident_name = key_person.id, key_person.resident.name
        db.session.remove()
    # worker_a is at work on another computer.
    elsewhere = browser.new_context(viewport={"width": 1024, "height": 768}, locale="zh-CN")
    leaver = elsewhere.new_page()
    _sign_in(leaver, live_server, "worker_a")

    _sign_in(page, live_server, "station_a")
    page.goto(live_server(f"/staff/{world_ids.staff_worker_a}"))
    row = page.get_by_role("row", name="东关一网格")
    row.get_by_role("button", name="结束岗位").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("网格交接：员工worker_a")
    page.get_by_label("接收人").select_option(label="员工chief_a")
    snap(page, "handover-form")
    with page.expect_download() as download:
        page.get_by_role("button", name="打印交接清单").click()
    pack = tmp_path / "pack.pdf"
    download.value.save_as(pack)
    text = "".join(subprocess.run(["pdftotext", str(pack), "-"], capture_output=True, text=True).stdout.split())
    for expected in ("网格交接清单", "移交人：员工worker_a", "接收人：员工chief_a", resident_name, "移交人（签字）"):
        assert expected in text, expected

    page.get_by_role("button", name="确认交接").click()
    expect(page.locator(".flash")).to_contain_text(
        "已交接：员工worker_a 的岗位已结束，1 名重点人员的责任人改为 员工chief_a"
    )
    expect(page.get_by_role("heading", level=1)).to_contain_text("网格变更历史")
    expect(page.locator("main")).to_contain_text("人员交接")

    # The leaver's next click lands on the sign-in page.
    leaver.reload()
    expect(leaver).to_have_url(re.compile(r"/login"))
    elsewhere.close()
    with live_app.app_context():
        assert db.session.get(KeyPerson, key_person_id).responsible_staff.name == "员工chief_a"
        db.session.remove()
