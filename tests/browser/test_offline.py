"""No signal, no loss (docs/phone.md): on a phone whose signal is cut
(`context.set_offline(True)`), the field pages kept while online still open with a
note, a visit, a patrol, a finding with a photo and a 民情日志 entry are kept on the
phone ("待上传 N 条"), and once the signal is back each arrives exactly once — even
with every kept entry sent twice — with when it was entered and when it arrived. An
entry the server refuses comes back as the filled form with the message; 退出 asks
first, then empties the phone."""

from __future__ import annotations

import io
import time

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import func, select

from app.extensions import db
from app.patrols.models import FindingPhoto, OpinionEntry, Patrol, PatrolFinding
from app.registry.people.models import Household
from app.visits.models import Visit
from tests.browser.test_scope_and_login import log_in

# Without signal, a font slice no page loaded before cannot be fetched: the text
# falls back to the phone's own font.
pytestmark = [pytest.mark.browser, pytest.mark.failing_on_purpose("/static/fonts/")]

SENT = 20_000


@pytest.fixture()
def ids(live_app, world_ids):
    with live_app.app_context():
        household = db.session.scalar(
            select(Household.id).where(Household.grid_id == world_ids.grid_a, Household.status == "active")
        )
        patrol = db.session.scalar(select(Patrol.id).where(Patrol.grid_id == world_ids.grid_a).order_by(Patrol.id))
        db.session.remove()
    return {"household": household, "patrol": patrol}


def _wait_until_sent(phone, timeout_ms: int = SENT) -> None:
    """Poll the phone's queue (IndexedDB) until every entry has been sent."""
    deadline = time.monotonic() + timeout_ms / 1000
    while time.monotonic() < deadline:
        if phone.evaluate("() => GridbookQueue.all().then(all => all.length)") == 0:
            return
        phone.wait_for_timeout(200)
    raise AssertionError("the entries kept on the phone were not all sent")


def _rows(app, model, *where):
    with app.app_context():
        rows = list(db.session.scalars(select(model).where(*where)))
        values = [(row.entered_at, row.created_at, row) for row in rows]
        db.session.remove()
    return values


def _ready(phone, live_server, pages):
    """Signed in, the service worker in charge, the field pages opened once online."""
    log_in(phone, live_server, "worker_a")
    phone.evaluate("""() => navigator.serviceWorker.ready.then(() => navigator.serviceWorker.controller ||
        new Promise(done => navigator.serviceWorker.addEventListener('controllerchange', done)))""")
    for path in pages:
        phone.goto(live_server(path))
    phone.wait_for_timeout(300)  # the last page's copy is written after it is shown


def _offline_entry(phone, live_server, content):
    phone.goto(live_server("/opinions/"))
    expect(phone.locator("#offline-note")).to_contain_text("没有信号或信号不好：显示的是")
    phone.get_by_label("类别").select_option(label="城管")
    phone.get_by_label("群众反映").fill(content)
    phone.get_by_text("当时结办", exact=True).tap()
    phone.get_by_label("怎样办结").fill("当场答复")
    phone.get_by_role("button", name="记下").tap()
    expect(phone.locator("#offline-saved")).to_be_visible()


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (120, 160, 90)).save(out, "JPEG")
    return out.getvalue()


def test_entries_made_without_signal_arrive_once_with_both_times(phone, phone_context, live_server, ids):
    patrol_page = f"/patrols/{ids['patrol']}"
    visit_page = f"/visits/households/{ids['household']}/new"
    _ready(phone, live_server, ["/opinions/", "/patrols/new", patrol_page, visit_page])
    phone_context.set_offline(True)

    phone.goto(live_server(visit_page))
    expect(phone.locator("#offline-note")).to_be_visible()
    phone.get_by_label("走访情况").fill("离线走访：户主在家")
    phone.get_by_role("button", name="保存").tap()
    expect(phone.locator("#offline-saved")).to_contain_text("已保存在手机上，待上传")
    expect(phone.locator("#queue-badge")).to_have_text("待上传 1 条")

    phone.goto(live_server("/patrols/new"))
    phone.get_by_label("开始时间").fill("00:00")
    phone.get_by_label("结束时间").fill("00:01")
    phone.get_by_label("巡查路线或点位").fill("离线巡查：东关路—菜市场")
    phone.get_by_role("button", name="保存").tap()
    expect(phone.locator("#queue-badge")).to_have_text("待上传 2 条")

    phone.goto(live_server(patrol_page))
    phone.get_by_label("发现的情况").fill("离线发现：井盖缺失")
    phone.locator('input[type="file"]').set_input_files(
        files=[{"name": "scene.jpg", "mimeType": "image/jpeg", "buffer": _jpeg()}]
    )
    phone.get_by_role("button", name="添加").tap()
    expect(phone.locator("#queue-badge")).to_have_text("待上传 3 条")

    _offline_entry(phone, live_server, "离线民情：路灯坏了")
    expect(phone.locator("#queue-badge")).to_have_text("待上传 4 条")
    expect(phone.locator("#queue-waiting li")).to_have_count(4)
    # The same queue twice over: every kept entry once more, with its own token.
    phone.evaluate("""() => GridbookQueue.all().then(all => Promise.all(all.map(e => {
        delete e.id; return GridbookQueue.put(e); })))""")
    phone.reload()
    expect(phone.locator("#queue-badge")).to_have_text("待上传 8 条")

    phone_context.set_offline(False)
    phone.goto(live_server("/"))
    # The badge starts hidden on every page until the queue is read: wait for the queue
    # itself to be empty, then the badge (a hidden badge alone passed before sending).
    _wait_until_sent(phone)
    expect(phone.locator("#queue-badge")).to_be_hidden(timeout=SENT)

    app = live_server.app
    for model, where in (
        (Visit, Visit.found == "离线走访：户主在家"),
        (Patrol, Patrol.route == "离线巡查：东关路—菜市场"),
        (PatrolFinding, PatrolFinding.description == "离线发现：井盖缺失"),
        (OpinionEntry, OpinionEntry.content == "离线民情：路灯坏了"),
    ):
        rows = _rows(app, model, where)
        assert len(rows) == 1, model
        entered, arrived, _row = rows[0]
        assert entered is not None and entered < arrived, model
    with app.app_context():
        finding = db.session.scalar(select(PatrolFinding).where(PatrolFinding.description == "离线发现：井盖缺失"))
        assert db.session.scalar(select(func.count()).where(FindingPhoto.finding_id == finding.id)) == 1
        db.session.remove()
    # The station's list says where and when.
    phone.goto(live_server("/opinions/"))
    expect(phone.locator("#opinion-log")).to_contain_text("手机离线录入")


def test_a_page_slow_to_come_is_shown_from_the_phone_and_replaced_when_it_comes(phone, live_server, ids):
    """A weak signal: the kept copy after PATIENCE_MS (8 s), with the note, instead of a
    blank screen for as long as the network takes; the late answer renews the copy."""
    _ready(phone, live_server, ["/visits/"])
    live_server.delays["/visits/"] = 14
    started = time.monotonic()
    phone.goto(live_server("/visits/"), wait_until="domcontentloaded")
    expect(phone.locator("#offline-note")).to_contain_text("没有信号或信号不好")
    waited = time.monotonic() - started
    assert 7 < waited < 13, waited
    expect(phone.get_by_role("heading", level=1)).to_be_visible()
    live_server.delays.clear()
    phone.goto(live_server("/visits/"))  # signal again: the network's page, no note
    expect(phone.locator("#offline-note")).to_be_hidden()


def test_the_kept_copy_of_a_page_leaves_out_its_one_time_message(phone, live_server, ids):
    """ "巡查已保存。" belongs to the moment it was shown, not to the page kept for no signal."""
    _ready(phone, live_server, ["/patrols/new"])
    phone.get_by_label("开始时间").fill("00:00")
    phone.get_by_label("结束时间").fill("00:01")
    phone.get_by_label("巡查路线或点位").fill("在线巡查：东关路—菜市场")
    phone.get_by_role("button", name="保存").tap()
    expect(phone.locator(".flash-success")).to_have_text("巡查已保存。")
    kept = None
    for _attempt in range(20):  # the copy is written after the page is shown
        kept = phone.evaluate(
            """url => caches.open('gridbook-pages').then(c => c.match(url)).then(r => r && r.text())""",
            phone.url,
        )
        if kept:
            break
        phone.wait_for_timeout(100)
    assert kept and "在线巡查：东关路—菜市场" in kept
    assert "巡查已保存" not in kept


def test_a_refused_entry_comes_back_filled_and_logout_empties_the_phone(phone, phone_context, live_server, ids):
    _ready(phone, live_server, ["/opinions/"])
    phone_context.set_offline(True)
    _offline_entry(phone, live_server, "离线太久的民情")
    # It waited on the phone longer than the server takes (8 days).
    phone.evaluate("""() => GridbookQueue.all().then(all => Promise.all(all.map(e => {
        e.enteredAt = new Date(Date.now() - 8 * 86400000).toISOString(); return GridbookQueue.put(e); })))""")
    phone_context.set_offline(False)
    phone.goto(live_server("/"))
    expect(phone.locator("#queue-badge")).to_have_text("需要处理 1 条", timeout=SENT)
    assert _rows(live_server.app, OpinionEntry, OpinionEntry.content == "离线太久的民情") == []

    phone.locator("#queue-badge").tap()
    phone.locator("#queue-attention").get_by_role("button", name="打开").tap()
    expect(phone.locator(".error-summary")).to_contain_text("已超过 7 天，没有保存")
    expect(phone.get_by_label("群众反映")).to_have_value("离线太久的民情")

    phone.goto(live_server("/"))
    messages = []
    phone.on("dialog", lambda dialog: (messages.append(dialog.message), dialog.accept()))
    phone.locator("label.menu-button").tap()
    phone.get_by_role("button", name="退出").tap()
    expect(phone.get_by_label("用户名")).to_be_visible()
    assert messages == ["还有 1 条没有上传，退出后会丢失，确定退出？"]
    left = phone.evaluate("""() => caches.keys().then(keys => indexedDB.databases().then(
        dbs => ({caches: keys, dbs: dbs.map(d => d.name)})))""")
    assert left["caches"] == [] and "gridbook" not in left["dbs"], left


def test_without_javascript_a_visit_is_a_plain_form(browser, browser_context_args, live_server, ids, request):
    from tests.browser.conftest import PHONE, watched_page

    context = browser.new_context(**{**browser_context_args, **PHONE, "java_script_enabled": False})
    request.addfinalizer(context.close)
    for page in watched_page(context, request):
        log_in(page, live_server, "worker_a")
        page.goto(live_server(f"/visits/households/{ids['household']}/new"))
        expect(page.locator("#queue-badge")).to_be_hidden()
        page.get_by_label("走访情况").fill("不用脚本的走访")
        page.get_by_role("button", name="保存").click()
        expect(page.locator("main")).to_contain_text("已保存走访记录")
    [(entered, _arrived, _row)] = _rows(live_server.app, Visit, Visit.found == "不用脚本的走访")
    assert entered is None
