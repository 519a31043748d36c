"""Field forms kept on a phone without signal and sent later (docs/phone.md, "No
signal, no loss"): sent as rendered with the headers static/js/queue.js adds, each
record keeps when it was entered on the phone beside when it arrived, the same form
sent again saves once (also days later, after the session it came from has ended),
an entered-at time in the future or older than the queue may keep it is refused with
the form back, the station sees both times, and only the field pages are marked for
the phone to keep — never one that shows a full number or a key person."""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from app.core import once
from app.core.offline import MAX_QUEUE_AGE
from app.core.timeutil import local_today, to_local
from app.extensions import db
from app.matters.models import Matter
from app.patrols.models import ChiefReport, OpinionEntry, Patrol, PatrolFinding
from app.visits.models import Visit
from tests.conftest import fresh
from tests.web import choose, form_on, press, visible_text


def queued(minutes_ago: float = 30, *, at: datetime | None = None) -> dict:
    when = at or datetime.now(UTC) - timedelta(minutes=minutes_ago)
    return {"headers": {"X-Gridbook-Queued": "1", "X-Gridbook-Entered-At": when.isoformat().replace("+00:00", "Z")}}


def _entry_form(web):
    form = form_on(web.get("/opinions/"), action="/opinions/")
    form["said_on"] = local_today().isoformat()
    choose(form, "category", "城管")
    form["content"] = "路灯坏了三盏"
    form["disposition"] = "settled"
    form["settled_note"] = "当场答复"
    return form


def _entries():
    fresh()
    return list(db.session.scalars(select(OpinionEntry).where(OpinionEntry.content == "路灯坏了三盏")))


def test_a_queued_entry_keeps_when_it_was_entered_and_saves_once(web_as, world):
    web = web_as("worker_a")
    form = _entry_form(web)
    response = press(form, "记下", **queued(90))
    assert response.status_int == 303, visible_text(response)[:600]
    [entry] = _entries()
    assert entry.entered_at is not None
    assert timedelta(minutes=89) < entry.created_at - entry.entered_at < timedelta(minutes=91)
    # The phone sends the same kept form again (its answer was lost): once.
    again = press(form, "记下", **queued(90))
    assert again.status_int == 303
    assert "这份表单已经提交过，没有重复保存。" in visible_text(again.follow())
    assert len(_entries()) == 1
    # The station sees both times.
    page = visible_text(web_as("station_a").get("/opinions/"))
    entered, arrived = to_local(entry.entered_at), to_local(entry.created_at)
    # The days are shown only when the two differ (90 minutes before 01:00, say).
    shape = "%H:%M" if entered.date() == arrived.date() else "%m-%d %H:%M"
    assert f"手机离线录入 {entered:{shape}}，{arrived:{shape}} 上传" in page


def test_a_form_sent_at_once_has_no_entered_time(web_as, world):
    assert press(_entry_form(web_as("worker_a")), "记下").status_int == 303
    [entry] = _entries()
    assert entry.entered_at is None
    assert "手机离线录入" not in visible_text(web_as("station_a").get("/opinions/"))


def test_an_entered_time_in_the_future_is_refused_with_the_form_back(web_as, world):
    response = press(_entry_form(web_as("worker_a")), "记下", **queued(-30))
    assert response.status_int == 200
    assert "手机上记录的录入时间有误" in visible_text(response)
    assert form_on(response, action="/opinions/")["content"].value == "路灯坏了三盏"
    assert _entries() == []


def test_an_entry_older_than_the_queue_keeps_is_refused_with_the_form_back(web_as, world):
    web = web_as("worker_a")
    form = _entry_form(web)
    old = datetime.now(UTC) - MAX_QUEUE_AGE - timedelta(hours=1)
    response = press(form, "记下", **queued(at=old))
    assert response.status_int == 200
    text = visible_text(response)
    assert (
        f"已超过 {MAX_QUEUE_AGE.days} 天，没有保存" in text and f"{to_local(old.replace(tzinfo=None)):%Y-%m-%d}" in text
    )
    again = form_on(response, action="/opinions/")
    assert again["content"].value == "路灯坏了三盏"
    assert _entries() == []
    # Sent now (after checking), it saves without an entered time.
    assert press(again, "记下").status_int == 303
    assert [e.entered_at for e in _entries()] == [None]


def test_a_garbled_entered_time_is_refused(web_as, world):
    form = _entry_form(web_as("worker_a"))
    response = press(form, "记下", headers={"X-Gridbook-Queued": "1", "X-Gridbook-Entered-At": "yesterday"})
    assert response.status_int == 200 and "手机上记录的录入时间有误" in visible_text(response)
    assert _entries() == []


def test_a_replay_days_later_in_a_new_session_is_still_answered_once(web_as, world, app):
    """The token's claim outlasts the queue: KEEP_FOR ≥ MAX_QUEUE_AGE."""
    assert once.KEEP_FOR > MAX_QUEUE_AGE
    web = web_as("worker_a")
    form = _entry_form(web)
    assert press(form, "记下", **queued(60 * 24 * 5)).status_int == 303
    # Five days later the phone signs in again and sends the kept form once more with
    # a fresh CSRF token (GET /offline/token, as static/js/queue.js does).
    other = web_as("worker_a")
    fresh_token = other.get("/offline/token").json
    form["csrf_token"] = fresh_token["csrf"]
    form.response = other.get("/opinions/")  # sent through the new session
    response = form.response.goto(
        form.action, method="post", params=form.submit_fields(), headers=queued(60 * 24 * 5)["headers"]
    )
    assert response.status_int == 303
    assert len(_entries()) == 1


def test_the_token_endpoint_needs_a_session(web_as, app):
    from tests.web import Web

    # 401 rather than the sign-in page: following that would give the session a new
    # form token under a sign-in form being filled in.
    assert Web(app).get("/offline/token", status=401).status_int == 401
    token = web_as("worker_a").get("/offline/token").json
    assert token["csrf"] and token["user"]


def test_a_queued_visit_patrol_finding_and_matter_carry_the_entered_time(web_as, world):
    web = web_as("worker_a")
    household = world.households["a"]
    visit_form = form_on(web.get(f"/visits/households/{household.id}/new"), button="保存")
    visit_form["visited_on"] = local_today().isoformat()
    visit_form["found"] = "户主在家，离线录入"
    assert press(visit_form, "保存", **queued(45)).status_int == 303

    patrol_form = form_on(web.get("/patrols/new"), button="保存")
    patrol_form["patrol_date"] = local_today().isoformat()
    patrol_form["start_time"], patrol_form["end_time"], patrol_form["route"] = "00:00", "00:01", "离线巡查路线"
    response = press(patrol_form, "保存", **queued(40))
    assert response.status_int == 303, visible_text(response)[:600]
    fresh()
    patrol = db.session.scalar(select(Patrol).where(Patrol.route == "离线巡查路线"))
    finding_form = form_on(web.get(f"/patrols/{patrol.id}"), action=f"/patrols/{patrol.id}/findings")
    finding_form["description"] = "井盖缺失（离线）"
    choose(finding_form, "matter_class", "城市管理")
    assert press(finding_form, "添加", **queued(35)).status_int == 303

    report = form_on(web.get("/matters/new"), button="上报")
    choose(report, "class_code", "城市管理")
    choose(report, "grid_id", "东关一网格")
    report["description"] = "离线上报：东关路2号护栏倒了"
    response = press(report, "上报", status="*", **queued(30))
    assert response.status_int in (302, 303), visible_text(response)[:600]

    fresh()
    visit = db.session.scalar(select(Visit).where(Visit.found == "户主在家，离线录入"))
    finding = db.session.scalar(select(PatrolFinding).where(PatrolFinding.description == "井盖缺失（离线）"))
    matter = db.session.scalar(select(Matter).where(Matter.description == "离线上报：东关路2号护栏倒了"))
    for record in (visit, patrol, finding, finding.matter, matter):
        assert record.entered_at is not None and record.entered_at < record.created_at, record
    # The station's lists show that they came from a phone.
    station = web_as("station_a")
    assert "手机离线录入" in visible_text(station.get("/patrols/"))
    assert "手机离线录入" in visible_text(station.get(f"/patrols/{patrol.id}"))
    assert "手机离线录入" in visible_text(station.get(f"/visits/{visit.id}"))
    assert "手机离线录入" in visible_text(station.get(f"/matters/{matter.id}"))


def test_a_chief_report_entered_on_the_phone_is_dated_when_entered(web_as, world):
    """Report punctuality counts by when the report was entered on the phone."""
    web = web_as("worker_a")
    form = form_on(web.get(f"/opinions/reports/new?grid_id={world.grid_a.id}"), button="记录已报告网格长")
    form["other_day"] = "2026-09-28"
    form["note"] = "本期无一般信息"
    entered = datetime.now(UTC) - timedelta(hours=3)
    response = press(form, "记录已报告网格长", **queued(at=entered))
    assert response.status_int == 303, visible_text(response)[:600]
    fresh()
    report = db.session.scalar(
        select(ChiefReport).where(ChiefReport.grid_id == world.grid_a.id, ChiefReport.report_day == date(2026, 9, 28))
    )
    assert report.entered_at is not None
    assert abs(report.reported_at - entered.replace(tzinfo=None)) < timedelta(seconds=1)


def test_only_field_pages_are_marked_for_the_phone(web_as, world):
    web = web_as("worker_a")
    for path in ("/", "/visits/", "/patrols/", "/patrols/new", "/opinions/", "/matters/", "/matters/new", "/offline/"):
        response = web.get(path)
        assert response.headers.get("X-Gridbook-Offline") == "page", path
        assert response.headers["Cache-Control"] == "no-store"
    for path in ("/key-persons/", "/residents/", "/households/", "/search?q=a"):
        response = web.get(path, status="*")
        assert "X-Gridbook-Offline" not in response.headers, path


def test_a_field_page_showing_a_full_number_is_not_marked(web_as, world):
    """A matter whose reporter's mobile a grid worker sees in full stays off the phone."""
    web = web_as("worker_a")
    report = form_on(web.get("/matters/new"), button="上报")
    choose(report, "class_code", "城市管理")
    choose(report, "grid_id", "东关一网格")
    report["description"] = "居民来电 13912345678 反映护栏倒了"
    assert press(report, "上报", status="*").status_int in (302, 303)
    fresh()
    matter = db.session.scalar(select(Matter).where(Matter.description.contains("13912345678")))
    page = web.get(f"/matters/{matter.id}")
    assert "13912345678" in page.text
    assert "X-Gridbook-Offline" not in page.headers


def test_logout_clears_the_phone(web_as):
    web = web_as("worker_a")
    home = web.get("/")
    logout = next(f for key, f in home.forms.items() if isinstance(key, int) and f.action.endswith("/logout"))
    response = logout.submit()
    assert response.headers["Clear-Site-Data"] == '"storage"'


def test_manifest_and_service_worker(web_as, app):
    from tests.web import Web

    anonymous = Web(app)
    manifest = anonymous.get("/manifest.webmanifest").json
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
    assert manifest["theme_color"] == "#a01c1c"
    assert {icon["sizes"] for icon in manifest["icons"]} == {"192x192", "512x512"}
    for icon in manifest["icons"]:
        assert anonymous.get(icon["src"]).content_type == "image/png"
    worker = anonymous.get("/sw.js")
    assert worker.headers["Service-Worker-Allowed"] == "/" and "no-cache" in worker.headers["Cache-Control"]
    assert "importScripts" in worker.text
    page = web_as("worker_a").get("/")
    assert 'rel="manifest"' in page.text and "offline-bar" in page.text
    assert 'rel="manifest"' not in anonymous.get("/login").text


def test_a_page_the_phone_fetches_unasked_leaves_the_message_for_the_next_page(web_as, world):
    """The service worker, installed afresh at each sign-in, fetches /offline/ behind the
    person's back: that page must not take the "已记下" meant for the page they see next."""
    web = web_as("worker_a")
    sent = press(_entry_form(web), "记下")
    assert sent.status_int == 303
    background = web.get("/offline/", headers={"X-Gridbook-Background": "1"})
    assert "已记下" not in visible_text(background)
    assert "已记下。" in visible_text(sent.follow())
    # Without the mark, a page takes the message as usual (and it is shown once).
    sent = press(_entry_form(web), "记下")
    assert "已记下。" in visible_text(web.get("/offline/"))
    assert "已记下" not in visible_text(sent.follow())


def test_a_page_that_changes_nothing_in_the_session_sends_no_cookie(web_as, world):
    """A slow answer that re-sent the session cookie would put back the session as it was
    when asked, over a quicker answer's message: only an answer that changes it sends it."""
    web = web_as("worker_a")
    web.get("/opinions/")  # the form token is in the session from here on
    assert "Set-Cookie" not in web.get("/opinions/").headers
    assert "Set-Cookie" not in web.get("/offline/", headers={"X-Gridbook-Background": "1"}).headers
    sent = press(_entry_form(web), "记下")
    assert "Set-Cookie" in sent.headers  # the message
