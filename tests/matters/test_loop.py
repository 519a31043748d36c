"""The loop over HTTP as the people who do it, and the state machine's rules for
every state × action × role."""
import itertools

import pytest
from sqlalchemy import select

from app.core.database import write_transactions
from app.extensions import db
from app.matters import reporting, services, workflow
from app.matters.models import Matter, MatterStep
from tests.conftest import fresh, text_of


def report_as(client, world, description="东关路1号井盖缺失，有行人跌倒危险", **extra):
    data = {"class_code": "city", "type_id": 0, "grid_id": world.grid_a.id, "address": "东关路1号门口",
            "description": description, "urgency": "urgent", **extra}
    return client.post("/matters/new", data=data)


def latest() -> Matter:
    fresh()
    return db.session.scalar(select(Matter).order_by(Matter.id.desc()))


def step(client, matter, action, **data):
    return client.post(f"/matters/{matter.id}/act/{action}", data=data)


def test_the_whole_loop_as_grid_worker_town_department_and_back(client_as, world):
    worker, town, dept = client_as("worker_a"), client_as("town_a"), client_as("dept")
    response = report_as(worker, world)
    assert response.status_code == 302
    matter = latest()
    assert matter.status == "reported" and matter.number.count("-") == 1 and matter.first_receiver_id
    assert "井盖缺失" in text_of(town.get("/matters/?box=verify"))

    assert step(town, matter, "verify").status_code == 302
    target = f"department:{world.department.id}"
    assert step(town, matter, "dispatch", target=target).status_code == 302
    matter = latest()
    assert matter.status == "handling" and matter.handler_department_id == world.department.id
    assert matter.due_at is not None

    # The department sees only what was sent to it, and may not dispatch.
    assert "井盖缺失" in text_of(dept.get("/matters/?box=handle"))
    assert step(dept, matter, "dispatch", target=target).status_code == 403
    assert "请写明办理结果" in text_of(step(dept, matter, "feed_back", note=""))
    assert step(dept, matter, "feed_back", note="已更换井盖").status_code == 302
    assert latest().status == "checking"

    assert step(town, matter, "rework", note="井盖不平，重新安装").status_code == 302
    assert latest().rework_count == 1
    step(dept, matter, "feed_back", note="已重新安装，与路面平齐")
    assert step(town, matter, "pass_check").status_code == 302
    matter = latest()
    assert matter.status == "closed" and matter.closed_on_time is True
    assert step(town, matter, "publish").status_code == 302
    assert step(worker, matter, "rate", rating="satisfied", note="很及时").status_code == 302
    matter = latest()
    assert matter.rating == "satisfied" and matter.published_at is not None
    actions = [s.action for s in matter.steps]
    assert actions == ["report", "verify", "dispatch", "feed_back", "rework", "feed_back", "pass_check",
                       "publish", "rate"]
    page = text_of(town.get(f"/matters/{matter.id}"))
    assert "已更换井盖" in page and "县城市管理局" in page


def test_a_matter_of_another_grid_is_404_and_another_department_sees_nothing(client_as, world):
    report_as(client_as("worker_a"), world)
    matter = latest()
    assert client_as("worker_b").get(f"/matters/{matter.id}").status_code == 404
    assert step(client_as("worker_b"), matter, "verify").status_code == 404
    # Not yet dispatched to the department: it does not exist for them.
    assert client_as("dept").get(f"/matters/{matter.id}").status_code == 404


def test_extension_send_back_escalation_and_urging(client_as, world):
    worker, station, town = client_as("worker_a"), client_as("station_a"), client_as("town_a")
    report_as(worker, world, description="楼道堆放杂物")
    matter = latest()
    step(station, matter, "verify")
    assert step(station, matter, "dispatch", target=f"grid:{world.grid_a.id}").status_code == 302
    matter = latest()
    due = matter.due_at
    assert "延期天数" in text_of(step(worker, matter, "request_extension", note="需协调物业"))
    step(worker, matter, "request_extension", note="需协调物业", days=2)
    assert step(station, matter, "approve_extension").status_code == 302
    matter = latest()
    assert matter.due_at > due and matter.extension_count == 1
    assert step(worker, matter, "send_back", note="属物业管理范围").status_code == 302
    matter = latest()
    assert matter.status == "verified" and matter.handler_level is None
    assert step(station, matter, "escalate", note="需镇综合执法").status_code == 302
    matter = latest()
    assert matter.owner_level == "town" and matter.status == "verified"
    # The station no longer owns it; the town does.
    assert step(station, matter, "dispatch", target=f"grid:{world.grid_a.id}").status_code == 403
    assert step(town, matter, "urge", level="red", note="尽快处理").status_code == 302
    assert latest().urge_level == "red"


def test_on_the_spot_handling_and_an_unsatisfied_rating_reopens_once(client_as, world):
    worker, station = client_as("worker_a"), client_as("station_a")
    report_as(worker, world, description="路灯不亮")
    matter = latest()
    assert step(worker, matter, "handle_on_spot", note="已更换灯泡").status_code == 302
    matter = latest()
    assert matter.status == "closed" and matter.result == "已更换灯泡"
    step(station, matter, "rate", rating="unsatisfied", note="第二天又不亮了")
    assert step(station, matter, "reopen", note="复查").status_code == 302
    matter = latest()
    assert matter.status == "handling" and matter.reopened
    step(worker, matter, "feed_back", note="更换了线路")
    step(station, matter, "pass_check")
    step(station, matter, "rate", rating="unsatisfied")
    assert step(station, latest(), "reopen", note="再次复查").status_code == 403


def test_possible_duplicates_are_shown_and_a_report_can_join_one(client_as, world):
    worker = client_as("worker_a")
    report_as(worker, world, description="东关路1号井盖缺失")
    first = latest()
    page = text_of(report_as(worker, world, description="东关路1号井盖缺失了"))
    assert "相似的事件" in page and first.number in page
    response = report_as(worker, world, description="东关路1号井盖缺失了", not_duplicate="1",
                         merge_into=str(first.id))
    assert response.status_code == 302
    second = latest()
    assert second.status == "merged" and second.merged_into_id == first.id


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
}


@pytest.fixture()
def sample(world):
    with write_transactions():
        matter = reporting.report(reporting.MatterValues(class_code="city", description="井盖缺失",
                                                       grid=world.grid_a), reporter=world.users["worker_a"])
        matter.handler_level, matter.handler_department_id = "department", world.department.id
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


def test_the_timeline_is_written_for_every_step(client_as, world):
    report_as(client_as("worker_a"), world)
    matter = latest()
    step(client_as("station_a"), matter, "reject", note="不属实")
    fresh()
    steps = list(db.session.scalars(select(MatterStep).where(MatterStep.matter_id == matter.id)
                                    .order_by(MatterStep.id)))
    assert [(s.action, s.from_status, s.to_status) for s in steps] == [
        ("report", None, "reported"), ("reject", "reported", "invalid")]
    assert steps[1].note == "不属实" and steps[1].actor_id == world.users["station_a"].id


def test_people_involved_are_linked_from_the_register_within_scope(client_as, world):
    worker = client_as("worker_a")
    report_as(worker, world, description="张伟家门口积水")
    matter = latest()
    page = text_of(worker.get(f"/matters/{matter.id}/residents?q=zw"))
    assert "张伟" in page and "李娜" not in page
    assert worker.post(f"/matters/{matter.id}/residents",
                       data={"resident_id": world.residents["a"].id}).status_code == 302
    assert worker.post(f"/matters/{matter.id}/residents",
                       data={"resident_id": world.residents["b"].id}).status_code == 404
    fresh()
    assert [r.name for r in db.session.get(Matter, matter.id).residents] == ["张伟"]
    assert "张伟" in text_of(worker.get(f"/matters/{matter.id}"))


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
        matter = reporting.report(reporting.MatterValues(class_code="city", description="热线工单", grid=world.grid_a,
                                                       source="hotline"), now=now)
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
