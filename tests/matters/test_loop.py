"""The loop over HTTP as the people who do it — the report form and the step forms
of the matter page filled and sent as rendered (tests/web.py) — and the state
machine's rules for every state × action × role."""

import itertools
import re
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select
from webtest.forms import Select

from app.core.database import write_transactions
from app.core.timeutil import utcnow
from app.extensions import db
from app.matters import reference, reporting, services, workflow
from app.matters.models import Matter, MatterStep
from tests.conftest import fresh, text_of
from tests.web import choose, forge, form_on, press, visible_text


def report_as(web, world, description="东关路1号井盖缺失，有行人跌倒危险", grid="东关一网格"):
    """上报事件 from the matters page: class, grid, place, words and urgency as a
    person chooses and types them; the rest as the page offers it."""
    form = form_on(web.get("/matters/").click(description="上报事件"), button="上报")
    choose(form, "class_code", "城市管理")
    choose(form, "grid_id", grid)
    form["address"] = "东关路1号门口"
    form["description"] = description
    choose(form, "urgency", "紧急")
    return press(form, "上报", status="*")


def search_form(page):
    """The page's own search box (a GET form; the header's search aside)."""
    forms = [
        f
        for key, f in page.forms.items()
        if isinstance(key, int) and (f.method or "get").lower() == "get" and not (f.action or "").endswith("/search")
    ]
    assert len(forms) == 1, [f.action for f in forms]
    return forms[0]


def latest() -> Matter:
    fresh()
    return db.session.scalar(select(Matter).order_by(Matter.id.desc()))


def label_of(action: str) -> str:
    return str(reference.ACTIONS[action])


def step_form(web, matter, action):
    """The step's form on the matter page (the page must offer it)."""
    return form_on(web.get(f"/matters/{matter.id}"), action=f"/matters/{matter.id}/act/{action}")


def step(web, matter, action, **typed):
    """Take a step from the matter page: selects are chosen by their visible text,
    the rest typed; the button reading the step's name is pressed."""
    form = step_form(web, matter, action)
    for name, value in typed.items():
        if isinstance(form[name], Select):
            choose(form, name, value)
        else:
            form[name] = value
    return press(form, label_of(action), status="*")


def forged_step(web, matter, action, **data):
    """Forged request: a step the page does not offer this user, posted by hand."""
    return forge(web, f"/matters/{matter.id}/act/{action}", data)


def test_the_whole_loop_as_grid_worker_town_department_and_back(web_as, world):
    worker, town, dept = web_as("worker_a"), web_as("town_a"), web_as("dept")
    response = report_as(worker, world)
    assert response.status_int == 302, visible_text(response)[:600]
    matter = latest()
    assert matter.status == "reported" and matter.number.count("-") == 1 and matter.first_receiver_id
    assert matter.urgency == "urgent" and matter.address == "东关路1号门口" and matter.grid_id == world.grid_a.id
    assert "井盖缺失" in visible_text(town.get("/matters/?box=verify"))

    assert step(town, matter, "verify").status_int == 302
    assert step(town, matter, "dispatch", target="职能部门 · 县城市管理局").status_int == 302
    matter = latest()
    assert matter.status == "handling" and matter.handler_department_id == world.department.id
    assert matter.due_at is not None

    # The department sees only what was sent to it, and may not dispatch: its page
    # offers no 分派, and a forged one is refused.
    assert "井盖缺失" in visible_text(dept.get("/matters/?box=handle"))
    assert "/act/dispatch" not in dept.get(f"/matters/{matter.id}").text
    target = f"department:{world.department.id}"
    assert forged_step(dept, matter, "dispatch", target=target).status_int == 403
    refused = step(dept, matter, "feed_back", note="")
    assert refused.status_int == 400 and "请写明办理结果" in visible_text(refused)
    assert step(dept, matter, "feed_back", note="已更换井盖").status_int == 302
    assert latest().status == "checking"

    assert step(town, matter, "rework", note="井盖不平，重新安装").status_int == 302
    assert latest().rework_count == 1
    step(dept, matter, "feed_back", note="已重新安装，与路面平齐")
    assert step(town, matter, "pass_check").status_int == 302
    matter = latest()
    assert matter.status == "closed" and matter.closed_on_time is True
    assert step(town, matter, "publish").status_int == 302
    assert step(worker, matter, "rate", rating="满意", note="很及时").status_int == 302
    matter = latest()
    assert matter.rating == "satisfied" and matter.published_at is not None
    actions = [s.action for s in matter.steps]
    assert actions == [
        "report",
        "verify",
        "dispatch",
        "feed_back",
        "rework",
        "feed_back",
        "pass_check",
        "publish",
        "rate",
    ]
    page = visible_text(town.get(f"/matters/{matter.id}"))
    assert "已更换井盖" in page and "县城市管理局" in page


def test_a_matter_of_another_grid_is_404_and_another_department_sees_nothing(web_as, world):
    """worker_b's step is a forged request: the matter's page is 404 to them."""
    report_as(web_as("worker_a"), world)
    matter = latest()
    worker_b = web_as("worker_b")
    assert worker_b.get(f"/matters/{matter.id}", expect_errors=True).status_int == 404
    assert forged_step(worker_b, matter, "verify").status_int == 404
    # Not yet dispatched to the department: it does not exist for them.
    assert web_as("dept").get(f"/matters/{matter.id}", expect_errors=True).status_int == 404


def test_extension_send_back_escalation_and_urging(web_as, world):
    worker, station, town = web_as("worker_a"), web_as("station_a"), web_as("town_a")
    report_as(worker, world, description="楼道堆放杂物")
    matter = latest()
    step(station, matter, "verify")
    assert step(station, matter, "dispatch", target="网格 · 东关一网格").status_int == 302
    matter = latest()
    due = matter.due_at
    refused = step(worker, matter, "request_extension", note="需协调物业")
    assert refused.status_int == 400 and "延期天数" in visible_text(refused)
    form = form_on(refused, action=f"/matters/{matter.id}/act/request_extension")
    assert form["note"].value == "需协调物业"  # what was typed is kept
    form["days"] = "2"
    assert press(form, label_of("request_extension")).status_int == 302
    assert step(station, matter, "approve_extension").status_int == 302
    matter = latest()
    assert matter.due_at > due and matter.extension_count == 1
    assert step(worker, matter, "send_back", note="属物业管理范围").status_int == 302
    matter = latest()
    assert matter.status == "verified" and matter.handler_level is None
    assert step(station, matter, "escalate", note="需镇综合执法").status_int == 302
    matter = latest()
    assert matter.owner_level == "town" and matter.status == "verified"
    # The station no longer owns it; the town does: no 分派 on its page, a forged one refused.
    assert "/act/dispatch" not in station.get(f"/matters/{matter.id}").text
    assert forged_step(station, matter, "dispatch", target=f"grid:{world.grid_a.id}").status_int == 403
    assert step(town, matter, "urge", level="红牌督办", note="尽快处理").status_int == 302
    assert latest().urge_level == "red"


def test_on_the_spot_handling_and_an_unsatisfied_rating_reopens_once(web_as, world):
    worker, station = web_as("worker_a"), web_as("station_a")
    report_as(worker, world, description="路灯不亮")
    matter = latest()
    assert step(worker, matter, "handle_on_spot", note="已更换灯泡").status_int == 302
    matter = latest()
    assert matter.status == "closed" and matter.result == "已更换灯泡"
    step(station, matter, "rate", rating="不满意", note="第二天又不亮了")
    assert step(station, matter, "reopen", note="复查").status_int == 302
    matter = latest()
    assert matter.status == "handling" and matter.reopened
    step(worker, matter, "feed_back", note="更换了线路")
    step(station, matter, "pass_check")
    step(station, matter, "rate", rating="不满意")
    # Reopened once already: the page offers no second 重新办理; a forged one is refused.
    assert "/act/reopen" not in station.get(f"/matters/{matter.id}").text
    assert forged_step(station, latest(), "reopen", note="再次复查").status_int == 403


def test_possible_duplicates_are_shown_and_a_report_can_join_one(web_as, world):
    worker = web_as("worker_a")
    report_as(worker, world, description="东关路1号井盖缺失")
    first = latest()
    page = report_as(worker, world, description="东关路1号井盖缺失了")
    assert page.status_int == 200 and "相似的事件" in visible_text(page) and first.number in visible_text(page)
    response = press(form_on(page, button="上报"), "是同一件事，并入此事件")
    assert response.status_int == 302
    second = latest()
    assert second.status == "merged" and second.merged_into_id == first.id


def test_a_report_that_is_not_a_duplicate_is_saved_on_the_second_press(web_as, world):
    worker = web_as("worker_a")
    report_as(worker, world, description="东关路1号井盖缺失")
    first = latest()
    page = report_as(worker, world, description="东关路1号井盖缺失了")
    assert "相似的事件" in visible_text(page)
    response = press(form_on(page, button="上报"), "上报")
    assert response.status_int == 302
    second = latest()
    assert second.id != first.id and second.status == "reported" and second.merged_into_id is None


# --- The state machine, exhaustively ---------------------------------------------------

STATUSES = ("reported", "verified", "handling", "checking", "closed", "invalid", "merged")
ROLES = ("admin", "town_a", "station_a", "worker_a", "worker_b", "dept", "leader_a")

# Who may take each step when the matter (grid A, owned by its community, handled by
# the department when dispatched, reported by worker_a) is in the right state.
EXPECTED = {
    "verify": ({"reported"}, {"admin", "town_a", "station_a"}),
    "reject": ({"reported"}, {"admin", "town_a", "station_a"}),
    "merge": ({"reported"}, {"admin", "town_a", "station_a"}),
    "handle_on_spot": ({"reported", "verified"}, {"worker_a"}),
    "dispatch": ({"verified"}, {"admin", "town_a", "station_a"}),
    "escalate": ({"reported", "verified"}, {"admin", "town_a", "station_a"}),
    "progress": ({"handling"}, {"dept"}),
    "request_extension": ({"handling"}, {"dept"}),
    "approve_extension": ({"handling"}, {"admin", "town_a", "station_a"}),
    "refuse_extension": ({"handling"}, {"admin", "town_a", "station_a"}),
    "send_back": ({"handling"}, {"dept"}),
    "feed_back": ({"handling"}, {"dept"}),
    "pass_check": ({"checking"}, {"admin", "town_a", "station_a", "worker_a"}),
    "rework": ({"checking"}, {"admin", "town_a", "station_a", "worker_a"}),
    "publish": ({"closed"}, {"admin", "town_a", "station_a"}),
    "rate": ({"closed"}, {"admin", "town_a", "station_a", "worker_a"}),
    "reopen": ({"closed"}, {"admin", "town_a", "station_a"}),
    "urge": ({"reported", "verified", "handling", "checking"}, {"admin", "town_a"}),
    # The department holds it past its deadline (the sample's is an hour ago).
    "chase": ({"handling"}, {"admin", "town_a", "station_a"}),
}


@pytest.fixture()
def sample(world):
    with write_transactions():
        matter = reporting.report(
            reporting.MatterValues(class_code="city", description="井盖缺失", grid=world.grid_a),
            reporter=world.users["worker_a"],
        )
        matter.handler_level, matter.handler_department_id = "department", world.department.id
        matter.due_at = utcnow() - timedelta(hours=1)
        # States where the conditional steps apply: an extension pending, an unsatisfied rating.
        from app.matters.models import ExtensionRequest

        db.session.add(ExtensionRequest(matter=matter, days=1, reason="x"))
        matter.rating = "unsatisfied"
        db.session.commit()
        return matter.id


def test_every_state_action_and_role(app, world, sample):
    assert set(EXPECTED) == set(workflow.TRANSITIONS)
    matter = db.session.get(Matter, sample)
    users = {name: world.users[name] for name in ROLES}
    for status, action, role in itertools.product(STATUSES, EXPECTED, ROLES):
        matter.status = status
        # The conditional steps: rate needs no rating yet, reopen an unsatisfied one;
        # asking for an extension needs none pending, deciding needs one.
        matter.rating = None if action == "rate" else "unsatisfied"
        matter.extensions[0].decision = "refused" if action == "request_extension" else "pending"
        from_statuses, roles = EXPECTED[action]
        expected = status in from_statuses and role in roles
        assert workflow.may(users[role], matter, action) is expected, (status, action, role)
    db.session.rollback()


def test_the_timeline_is_written_for_every_step(web_as, world):
    report_as(web_as("worker_a"), world)
    matter = latest()
    assert step(web_as("station_a"), matter, "reject", note="不属实").status_int == 302
    fresh()
    steps = list(
        db.session.scalars(select(MatterStep).where(MatterStep.matter_id == matter.id).order_by(MatterStep.id))
    )
    assert [(s.action, s.from_status, s.to_status) for s in steps] == [
        ("report", None, "reported"),
        ("reject", "reported", "invalid"),
    ]
    assert steps[1].note == "不属实" and steps[1].actor_id == world.users["station_a"].id


def test_people_involved_are_linked_from_the_register_within_scope(web_as, world):
    """关联 on the search results; another grid's resident only by a forged request."""
    worker = web_as("worker_a")
    report_as(worker, world, description="张伟家门口积水")
    matter = latest()
    search = search_form(worker.get(f"/matters/{matter.id}").click(description="关联登记人员"))
    search["q"] = "zw"
    found = search.submit()
    assert "张伟" in visible_text(found) and "李娜" not in visible_text(found)
    assert press(form_on(found, button="关联"), "关联").status_int == 302
    forged = forge(worker, f"/matters/{matter.id}/residents", {"resident_id": world.residents["b"].id})
    assert forged.status_int == 404
    fresh()
    assert [r.name for r in db.session.get(Matter, matter.id).residents] == ["张伟"]
    assert "张伟" in visible_text(worker.get(f"/matters/{matter.id}"))


def test_staff_see_the_tracking_code_to_give_the_reporter(client_as, world):
    matter = world.records["a"]["matter"]
    page = text_of(client_as("station_a").get(f"/matters/{matter.id}"))
    assert matter.tracking_code in page and "/public/track" in page


def test_the_matters_page_leads_to_indicators_hotline_and_settings_by_role(client_as, world):
    admin = text_of(client_as("admin").get("/matters/"))
    assert "考核指标" in admin and "12345热线工单" in admin and "事件设置" in admin
    worker = text_of(client_as("worker_a").get("/matters/"))
    assert "考核指标" in worker and "12345热线工单" not in worker and "事件设置" not in worker
    assert "考核指标" not in text_of(client_as("dept").get("/matters/"))


def test_a_hotline_limit_caps_the_handling_deadline_and_a_fresh_extension_is_pending(app, world):
    from datetime import datetime, timedelta

    with write_transactions():
        now = datetime(2026, 11, 16, 2, 0)  # Monday 10:00 in Shanghai
        matter = reporting.report(
            reporting.MatterValues(class_code="city", description="热线工单", grid=world.grid_a, source="hotline"),
            now=now,
        )
        matter.hotline_due_at = now + timedelta(days=1)
        town = world.users["town_a"]
        services.take(matter, "verify", town, now=now)
        services.take(matter, "dispatch", town, now=now, level="department", department_id=world.department.id)
        assert matter.due_at == matter.hotline_due_at == matter.handle_due_at
        dept = world.users["dept"]
        services.take(matter, "request_extension", dept, note="需更换设备", now=now, days=2)
        assert matter.pending_extension is not None
        services.take(matter, "approve_extension", town, now=now)
        assert matter.due_at > matter.hotline_due_at and matter.extension_count == 1
        db.session.rollback()


# --- The matter page as each person who acts on it (issue #12) -----------------------

CJK = re.compile(r"[\u4e00-\u9fff]")
IDENTIFIER = re.compile(r"[A-Za-z_]{3,}")


def _shown(element) -> bool:
    """Whether a person sees the element without opening anything: not hidden, not in
    a closed <details> (other than in its <summary>)."""
    for node in [element, *element.parents]:
        if getattr(node, "name", None) is None:
            continue
        if node.has_attr("hidden") or re.search(r"display:\s*none", node.get("style", "")):
            return False
        if node.name == "input" and node.get("type") == "hidden":
            return False
        if node.name == "details" and not node.has_attr("open"):
            summary = node.find("summary", recursive=False)
            if summary is None or element not in summary.descendants:
                return False
    return True


def _step_forms(html: str, matter_id: int) -> dict[str, object]:
    forms = {}
    for form in BeautifulSoup(html, "html.parser").find_all("form"):
        match = re.search(rf"/matters/{matter_id}/act/(\w+)$", form.get("action", ""))
        if match:
            forms[match.group(1)] = form
    return forms


STATES = [  # (status, an extension pending, the rating)
    ("reported", False, None),
    ("verified", False, None),
    ("handling", True, None),
    ("handling", False, None),
    ("checking", False, None),
    ("closed", False, None),
    ("closed", False, "unsatisfied"),
]
ACTING_ROLES = ("admin", "town_a", "station_a", "worker_a", "dept")


def test_every_step_is_a_visible_button_with_chinese_labels(client_as, world, sample):
    """Issue #12 item 7: the matter page shows each step the user may take as a
    visible button reading the step's name, and no field is labelled with a code
    (the notes of 分派 and 合并 read "dispatch" and "merge")."""
    from app.matters.models import ExtensionRequest

    fresh()  # the sample fixture's transaction ends here
    clients = {role: client_as(role) for role in ACTING_ROLES}
    seen = set()
    for status, pending, rating in STATES:
        fresh()
        matter = db.session.get(Matter, sample)
        matter.status, matter.rating = status, rating
        extension = db.session.scalar(select(ExtensionRequest).where(ExtensionRequest.matter_id == sample))
        extension.decision = "pending" if pending else "refused"
        db.session.commit()
        for role in ACTING_ROLES:
            fresh()
            matter = db.session.get(Matter, sample)
            expected = set(workflow.allowed_actions(world.users[role], matter))
            html = clients[role].get(f"/matters/{sample}").get_data(as_text=True)
            forms = _step_forms(html, sample)
            where = (status, pending, rating, role)
            assert set(forms) == expected, where
            for action, form in forms.items():
                buttons = [
                    b
                    for b in form.find_all(["button", "input"])
                    if (b.get("type") or ("submit" if b.name == "button" else "text")) == "submit"
                ]
                assert len(buttons) == 1 and _shown(buttons[0]), (where, action)
                assert buttons[0].get_text(strip=True) == label_of(action), (where, action)
                for label in form.find_all(["label", "legend", "summary"]):
                    text = label.get_text(" ", strip=True)
                    assert CJK.search(text) and not IDENTIFIER.search(text), (where, action, text)
            seen |= expected
    assert seen == set(workflow.TRANSITIONS)


def test_an_inbox_row_shows_the_findings_own_words_first(web_as, world):
    """Issue #12 item 7: a matter opened from a patrol finding reads, in the inbox, as
    what the worker wrote — where it came from follows, it does not lead."""
    patrol = world.records["a"]["patrol"]
    worker = web_as("worker_a")
    form = form_on(worker.get(f"/patrols/{patrol.id}"), action=f"/patrols/{patrol.id}/findings")
    form["description"] = "路边井盖缺失，夜间有人踩空"
    form["place"] = "东关路12号"
    choose(form, "matter_class", "城市管理")
    assert press(form, "添加").status_int in (302, 303)
    matter = latest()
    assert "巡查发现" in matter.description and patrol.route in matter.description  # the origin is kept
    inbox = BeautifulSoup(web_as("station_a").get("/matters/?box=verify").text, "html.parser")
    row = next(tr for tr in inbox.find_all("tr") if tr.find("a", string=matter.number))
    cells = [td.get_text(" ", strip=True) for td in row.find_all("td")]
    assert cells[2].startswith("路边井盖缺失，夜间有人踩空"), cells
    assert "巡查发现" in visible_text(web_as("station_a").get(f"/matters/{matter.id}"))
