"""Meetings and trainings: recording them (a Chinese error at the field keeps what
was typed), 404 for another community's, and training hours per person."""
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from app.auth.models import AuditEvent
from app.core.timeutil import local_today
from app.extensions import db
from app.supervision import meetings as services
from app.supervision.models import Meeting
from tests.conftest import fresh, text_of


def test_training_hours_per_person_in_a_period(world):
    chief, worker = world.staff["chief_a"], world.staff["worker_a"]
    town = world.users["town_a"]
    for day, hours, attendees in ((date(2026, 11, 3), Decimal("2"), [chief, worker]),
                                  (date(2026, 11, 17), Decimal("1.5"), [worker]),
                                  (date(2026, 12, 1), Decimal("3"), [chief])):
        services.record_training(services.TrainingValues(day, "网格员业务培训", "张老师", hours), world.community_a,
                                 attendees, town, today=date(2026, 12, 1))
    db.session.commit()
    staff = services.staff_of(world.community_a, town)
    assert {s.name for s in staff} == {"员工chief_a", "员工worker_a"}
    report = services.training_hours(staff, date(2026, 11, 1), date(2026, 11, 30))
    assert [(r.staff.name, r.hours, r.sessions) for r in report.rows] == [
        ("员工worker_a", Decimal("3.5"), 2), ("员工chief_a", Decimal("2"), 1)]
    assert report.total == Decimal("5.5")
    # The world's 2024 training (2 hours, worker_a) counts in its own period only.
    early = services.training_hours(staff, date(2024, 1, 1), date(2024, 12, 31))
    assert [(r.staff.name, r.hours) for r in early.rows] == [("员工worker_a", Decimal("2")), ("员工chief_a", 0)]


def test_station_records_a_meeting_with_attendees_and_decisions(client_as, world):
    client = client_as("station_a")
    page = client.get(f"/meetings/new?division={world.community_a.id}")
    assert "员工chief_a" in text_of(page) and "员工worker_b" not in text_of(page)
    data = {"kind": "regular", "held_on": local_today().isoformat(), "host": "王书记",
            "attendee_ids": [world.staff["chief_a"].id, world.staff["worker_a"].id],
            "minutes": "各网格汇报本周走访情况", "decisions": "本周内清理1号楼楼道杂物\n下周一前报送出租房屋变化"}
    response = client.post(f"/meetings/new?division={world.community_a.id}", data=data)
    assert response.status_code == 303
    fresh()
    meeting = db.session.scalar(select(Meeting).where(Meeting.division_id == world.community_a.id))
    assert [d.text for d in meeting.decisions] == ["本周内清理1号楼楼道杂物", "下周一前报送出租房屋变化"]
    assert {s.name for s in meeting.attendees} == {"员工chief_a", "员工worker_a"}
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "meeting_recorded")) is not None
    detail = text_of(client.get(response.headers["Location"]))
    assert "各网格汇报本周走访情况" in detail and "下达为任务" in detail
    assert "各网格汇报本周走访情况" in text_of(client.get("/meetings/")) or "例会" in text_of(client.get("/meetings/"))


def test_meeting_errors_in_chinese_keep_the_input(client_as, world):
    client = client_as("station_a")
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    response = client.post(f"/meetings/new?division={world.community_a.id}",
                           data={"kind": "regular", "held_on": local_today().isoformat(), "minutes": "纪要草稿甲",
                                 "host": "王书记"})
    text = text_of(response)
    assert response.status_code == 200 and "请选择参加人员。" in text
    assert "纪要草稿甲" in response.get_data(as_text=True) and "王书记" in response.get_data(as_text=True)
    response = client.post(f"/meetings/new?division={world.community_a.id}",
                           data={"kind": "regular", "held_on": tomorrow, "minutes": "纪要草稿甲",
                                 "attendee_ids": [world.staff["chief_a"].id]})
    assert "日期不能晚于今天。" in text_of(response)
    assert db.session.scalar(select(Meeting).where(Meeting.division_id == world.community_a.id)) is None


def test_other_communities_meetings_are_404_and_leaders_only_read(client_as, world):
    station = client_as("station_a")
    assert station.get(f"/meetings/{world.records['b']['meeting'].id}").status_code == 404
    assert station.get(f"/meetings/{world.records['a']['meeting'].id}").status_code == 200
    assert station.get(f"/meetings/new?division={world.community_b.id}").status_code == 200  # asks again
    assert "滨河社区" not in text_of(station.get(f"/meetings/new?division={world.community_b.id}"))
    leader = client_as("leader_a")
    assert leader.get("/meetings/new").status_code == 403
    assert leader.get(f"/trainings/{world.records['a']['training'].id}").status_code == 200


def test_training_form_and_hours_page(client_as, world):
    client = client_as("town_a")
    response = client.post(f"/trainings/new?division={world.community_a.id}",
                           data={"held_on": local_today().isoformat(), "topic": "矛盾纠纷调解", "trainer": "司法所李所长",
                                 "hours": "30", "attendee_ids": [world.staff["worker_a"].id]})
    assert "学时应在 0.5 到 24 之间。" in text_of(response) and "司法所李所长" in response.get_data(as_text=True)
    response = client.post(f"/trainings/new?division={world.community_a.id}",
                           data={"held_on": local_today().isoformat(), "topic": "矛盾纠纷调解", "trainer": "司法所李所长",
                                 "hours": "2.5", "attendee_ids": [world.staff["worker_a"].id]})
    assert response.status_code == 303
    hours = text_of(client.get(f"/trainings/hours?division={world.community_a.id}"))
    assert "员工worker_a" in hours and "2.5" in hours


def test_correcting_a_meeting_keeps_its_decisions_and_adds_new_ones(client_as, world):
    meeting = world.records["a"]["meeting"]
    client = client_as("worker_a")
    page = client.get(f"/meetings/{meeting.id}/edit")
    assert page.status_code == 200 and "例会纪要a" in page.get_data(as_text=True)
    response = client.post(f"/meetings/{meeting.id}/edit", data={
        "kind": "regular", "held_on": "2024-01-02", "minutes": "例会纪要（更正）", "host": "网格长",
        "attendee_ids": [world.staff["worker_a"].id, world.staff["chief_a"].id], "decisions": "补充：下周复查"})
    assert response.status_code == 303
    fresh()
    corrected = db.session.get(Meeting, meeting.id)
    assert corrected.minutes == "例会纪要（更正）" and corrected.held_on == date(2024, 1, 2)
    assert [d.text for d in corrected.decisions] == ["清理楼道杂物a", "补充：下周复查"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "meeting_updated"))
    assert {"held_on", "minutes", "host", "attendees", "decisions"} <= set(event.detail["changed"])
    response = client.post(f"/meetings/{meeting.id}/edit", data={"kind": "regular", "held_on": "2024-01-02",
                                                                 "minutes": "", "attendee_ids": []})
    assert "请填写会议纪要。" in text_of(response)
    assert client.get(f"/meetings/{world.records['b']['meeting'].id}/edit").status_code == 404
    assert client_as("leader_a").get(f"/meetings/{meeting.id}/edit").status_code == 403


def test_correcting_a_training(client_as, world):
    training = world.records["a"]["training"]
    client = client_as("station_a")
    response = client.post(f"/trainings/{training.id}/edit", data={
        "held_on": "2024-01-01", "topic": "信息采集培训a", "trainer": "讲师", "hours": "3",
        "attendee_ids": [world.staff["worker_a"].id]})
    assert response.status_code == 303
    fresh()
    report = services.training_hours([world.staff["worker_a"]], date(2024, 1, 1), date(2024, 1, 31))
    assert report.rows[0].hours == Decimal("3")
    assert client.get(f"/trainings/{world.records['b']['training'].id}/edit").status_code == 404


def test_meeting_list_filters_and_answers_htmx_with_the_rows_only(client_as, world):
    client = client_as("station_a")
    page = client.get("/meetings/?kind=regular")
    assert "东关一网格" in text_of(page) and "滨河一网格" not in text_of(page)
    fragment = client.get("/meetings/?kind=scheduling", headers={"HX-Request": "true", "HX-Target": "meeting-rows"})
    html = fragment.get_data(as_text=True)
    assert "<html" not in html and "暂无会议记录。" in html
