"""The tracking page (status, timeline by unit, result, rating once) and the
community results board (closed and published only, personal data masked)."""

from __future__ import annotations

from app.extensions import db
from app.matters import services as matters
from app.public import masking
from tests.conftest import fresh, text_of
from tests.public.conftest import close, public_report
from tests.web import forge, form_on, press, visible_text

STAFF = ("town_a", "dept", "station_a", "worker_a", "admin")


def test_the_tracking_page_shows_status_and_timeline_by_unit_not_by_person(anonymous, world):
    matter = public_report(world)
    close(world, matter, publish=False, result="已更换灯泡。联系人刘芳 13912345678")
    page = anonymous.get(f"/public/track?code={matter.tracking_code}")
    assert page.status_code == 200
    text = text_of(page)
    assert matter.number in text and "已结案" in text
    for label in ("上报", "受理核实", "分派", "办结反馈", "核查通过，结案"):
        assert label in text
    # Units, not people: the town, the department; the public as 群众.
    assert "城关镇" in text and "县城市管理局" in text and "群众" in text
    for username in STAFF:
        assert username not in text
    # The result is shown, with the reporter's own data masked.
    assert "已更换灯泡" in text and "13912345678" not in text and "刘芳" not in text
    assert "139****5678" in text and "刘*" in text


def test_internal_steps_stay_off_the_public_timeline(anonymous, world):
    matter = public_report(world)
    matters.take(matter, "urge", world.users["town_a"], note="抓紧办理", level="yellow")
    db.session.commit()
    text = text_of(anonymous.get(f"/public/track?code={matter.tracking_code}"))
    assert "督办" not in text and "抓紧办理" not in text


def test_codes_are_case_insensitive_and_unknown_codes_are_404(anonymous, world):
    matter = public_report(world)
    assert anonymous.get(f"/public/track?code={matter.tracking_code.lower()}").status_code == 200
    missing = anonymous.get("/public/track?code=NOPE2345XY")
    assert missing.status_code == 404 and "没有找到这个查询码" in text_of(missing)
    assert anonymous.get("/public/track").status_code == 200  # the empty lookup form


def rating_form(web, url):
    return form_on(web.get(url), button="提交评价")


def test_rating_with_the_code_once(web, world):
    matter = public_report(world)
    url = f"/public/track?code={matter.tracking_code}"
    assert "对办理结果评价" not in visible_text(web.get(url))  # not closed yet
    close(world, matter)
    assert "对办理结果评价" in visible_text(web.get(url))
    # Sent without choosing: refused at the field.
    refused = press(rating_form(web, url), "提交评价", status=400)
    assert "请选择满意程度" in visible_text(refused)
    # The same person has the page open twice (a second tab): both forms are rated below.
    second_tab = rating_form(web, url)
    form = form_on(refused, button="提交评价")
    form["rating"] = "basically"
    form["note"] = "修得挺快"
    response = press(form, "提交评价")
    assert response.status_int == 303
    fresh()
    matter = db.session.get(type(matter), matter.id)
    assert matter.rating == "basically" and matter.rating_note == "修得挺快"
    assert matter.steps[-1].action == "rate" and matter.steps[-1].actor_id is None
    page = visible_text(response.follow())
    assert "已收到您的评价" in page and "您的评价：基本满意" in page and "对办理结果评价" not in page
    second_tab["rating"] = "unsatisfied"
    again = press(second_tab, "提交评价", status=400)
    assert "不能评价" in visible_text(again)
    fresh()
    assert db.session.get(type(matter), matter.id).rating == "basically"


def test_a_forged_rating_of_an_open_matter_is_refused(web, world):
    """Forged request: the tracking page offers no rating form before the matter is closed."""
    matter = public_report(world)
    url = f"/public/track?code={matter.tracking_code}"
    assert "提交评价" not in web.get(url).text
    assert forge(web, url, {"rating": "satisfied"}).status_int == 400
    fresh()
    assert db.session.get(type(matter), matter.id).rating is None


def test_the_board_shows_closed_published_matters_of_the_community_masked(anonymous, world):
    published = public_report(world, description="北街垃圾堆放")
    close(world, published, result="已清运垃圾。张伟（身份证610102198001011234）已配合，电话 0917-1234567，王建国到场")
    # The names the masking knows: linked residents, people involved, reporter, staff.
    published.residents = [world.residents["a"]]
    published.involved_text = "王建国、张伟"
    db.session.commit()
    unpublished = public_report(world, description="路灯不亮")
    close(world, unpublished, publish=False, result="未公示的结果")
    still_open = public_report(world, description="井盖缺失")
    elsewhere = public_report(world, description="滨河路积水", grid=world.grid_b)
    matters.take(elsewhere, "verify", world.users["admin"])
    matters.take(elsewhere, "handle_on_spot", world.users["worker_b"], note="滨河路已疏通")
    matters.take(elsewhere, "publish", world.users["admin"])
    db.session.commit()

    page = anonymous.get(f"/public/communities/{world.community_a.code}/board")
    assert page.status_code == 200
    text = text_of(page)
    assert published.number in text and "已清运垃圾" in text
    assert unpublished.number not in text and still_open.number not in text and "未公示的结果" not in text
    assert elsewhere.number not in text and "滨河路已疏通" not in text
    # No names, phones or ID numbers.
    for secret in ("张伟", "王建国", "610102198001011234", "0917-1234567", "刘芳", "13912345678", *STAFF):
        assert secret not in text, secret
    assert "张*（身份证610102********1234）" in text and "王**到场" in text
    other = text_of(anonymous.get(f"/public/communities/{world.community_b.code}/board"))
    assert elsewhere.number in other and published.number not in other


def test_the_board_keeps_matters_of_a_retired_grid(anonymous, world):
    matter = public_report(world, grid=world.grid_a2, description="二网格的事")
    close(world, matter, result="二网格已办结")
    world.grid_a2.status = "retired"
    db.session.commit()
    assert matter.number in text_of(anonymous.get(f"/public/communities/{world.community_a.code}/board"))


def test_mask_text():
    text = "王小明 13812345678，+86 139-1234-5678，座机 010-87654321，身份证 11010519491231002X，邮箱 a.b@example.com"
    masked = masking.mask_text(text, {"王小明"})
    assert masked.startswith("王** 138****5678")
    for secret in ("13812345678", "1234-5678", "87654321", "11010519491231002X", "a.b@"):
        assert secret not in masked
    assert "110105********002X" in masked and "***@example.com" in masked
    # Matter numbers and dates stay readable.
    assert masking.mask_text("事件 20261122-0007 于 2026-11-22 办结") == "事件 20261122-0007 于 2026-11-22 办结"


def _cell_after(html: str, heading: str) -> str:
    """The text of the cell next to the table heading `heading`."""
    from bs4 import BeautifulSoup

    th = BeautifulSoup(html, "html.parser").find("th", string=heading)
    assert th is not None, heading
    return th.find_next_sibling("td").get_text(" ", strip=True)


def test_a_deadline_reads_the_same_to_staff_and_public(web, web_as, world):
    """Issue #12: not "12-08 24:00" on the matter page and "12-09 00:00" on the
    tracking page. A handling deadline ends a working day: both say 24:00 of that day."""
    matter = public_report(world)
    town = world.users["town_a"]
    matters.take(matter, "verify", town)
    matters.take(matter, "dispatch", town, level="department", department_id=world.department.id)
    db.session.commit()
    staff = _cell_after(web_as("town_a").get(f"/matters/{matter.id}").text, "本环节期限")
    public = _cell_after(web.get(f"/public/track?code={matter.tracking_code}").text, "本环节办理期限")
    assert staff.endswith(" 24:00") and public == staff
    inbox = visible_text(web_as("dept").get("/matters/?box=handle"))
    assert staff in inbox


def test_the_board_leaves_out_disputes_even_once_published(anonymous, world, web_as):
    """Disputes and security leads are kept out of Open311, and so out of the 公示栏:
    staff are not offered 公示 for them, a forged one is refused, and one published
    before the rule stays off the board."""
    from app.core.timeutil import utcnow
    from app.matters import reporting

    dispute = reporting.report(
        reporting.MatterValues(class_code="dispute", description="邻里漏水纠纷", grid=world.grid_a, source="visit")
    )
    db.session.commit()
    close(world, dispute, publish=False, result="调解达成协议，楼上修好管道")
    web = web_as("town_a")
    page = web.get(f"/matters/{dispute.id}")
    assert "公示" not in [b.get_text(strip=True) for b in page.html.find_all("button")]
    assert forge(web, f"/matters/{dispute.id}/act/publish").status_int == 403
    fresh()
    dispute = db.session.get(type(dispute), dispute.id)
    assert dispute.published_at is None
    dispute.published_at = utcnow()  # published before the rule
    db.session.commit()
    shown = public_report(world, description="北街垃圾堆放")
    close(world, shown)
    text = text_of(anonymous.get(f"/public/communities/{world.community_a.code}/board"))
    assert shown.number in text and dispute.number not in text and "漏水" not in text
