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
from tests.web import form_on, post_forms, press, tick, visible_text


def test_training_hours_per_person_in_a_period(world):
    chief, worker = world.staff["chief_a"], world.staff["worker_a"]
    town = world.users["town_a"]
    for day, hours, attendees in (
        (date(2026, 11, 3), Decimal("2"), [chief, worker]),
        (date(2026, 11, 17), Decimal("1.5"), [worker]),
        (date(2026, 12, 1), Decimal("3"), [chief]),
    ):
        services.record_training(
            services.TrainingValues(day, "网格员业务培训", "张老师", hours),
            world.community_a,
            attendees,
            town,
            today=date(2026, 12, 1),
        )
    db.session.commit()
    staff = services.staff_of(world.community_a, town)
    assert {s.name for s in staff} == {"员工chief_a", "员工worker_a"}
    report = services.training_hours(staff, date(2026, 11, 1), date(2026, 11, 30))
    assert [(r.staff.name, r.hours, r.sessions) for r in report.rows] == [
        ("员工worker_a", Decimal("3.5"), 2),
        ("员工chief_a", Decimal("2"), 1),
    ]
    assert report.total == Decimal("5.5")
    # The world's 2024 training (2 hours, worker_a) counts in its own period only.
    early = services.training_hours(staff, date(2024, 1, 1), date(2024, 12, 31))
    assert [(r.staff.name, r.hours) for r in early.rows] == [("员工worker_a", Decimal("2")), ("员工chief_a", 0)]


def _first_step(web, list_url, link, division):
    """记录会议 / 记录培训 from its list: the holding division chosen, 下一步 pressed."""
    page = web.get(list_url).click(description=link)
    pick = next(f for key, f in page.forms.items() if isinstance(key, int) and "division" in f.fields)
    pick["division"] = str(division.id)
    return press(pick, "下一步")


def test_station_records_a_meeting_with_attendees_and_decisions(web_as, world):
    web = web_as("station_a")
    page = _first_step(web, "/meetings/", "记录会议", world.community_a)
    assert "员工chief_a" in visible_text(page) and "员工worker_b" not in visible_text(page)
    form = form_on(page)
    assert form["kind"].value == "regular" and form["held_on"].value == local_today().isoformat()
    form["host"] = "王书记"
    tick(form, "attendee_ids", "员工chief_a")
    tick(form, "attendee_ids", "员工worker_a")
    form["minutes"] = "各网格汇报本周走访情况"
    form["decisions"] = "本周内清理1号楼楼道杂物\n下周一前报送出租房屋变化"
    response = press(form, "保存")
    assert response.status_int == 303
    fresh()
    meeting = db.session.scalar(select(Meeting).where(Meeting.division_id == world.community_a.id))
    assert [d.text for d in meeting.decisions] == ["本周内清理1号楼楼道杂物", "下周一前报送出租房屋变化"]
    assert {s.name for s in meeting.attendees} == {"员工chief_a", "员工worker_a"}
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "meeting_recorded")) is not None
    detail = visible_text(response.follow())
    assert "已保存会议记录。" in detail and "各网格汇报本周走访情况" in detail and "下达为任务" in detail
    assert "例会" in visible_text(web.get("/meetings/"))


def test_meeting_errors_in_chinese_keep_the_input(web_as, world):
    web = web_as("station_a")
    form = form_on(_first_step(web, "/meetings/", "记录会议", world.community_a))
    form["minutes"] = "纪要草稿甲"
    form["host"] = "王书记"
    response = press(form, "保存")
    assert response.status_int == 200 and "请选择参加人员。" in visible_text(response)
    form = form_on(response)
    assert form["minutes"].value == "纪要草稿甲" and form["host"].value == "王书记"
    tick(form, "attendee_ids", "员工chief_a")
    form["held_on"] = (local_today() + timedelta(days=1)).isoformat()
    response = press(form, "保存")
    assert "日期不能晚于今天。" in visible_text(response)
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


def test_training_form_and_hours_page(web_as, world):
    web = web_as("town_a")
    form = form_on(_first_step(web, "/trainings/", "记录培训", world.community_a))
    assert form["held_on"].value == local_today().isoformat()
    form["topic"] = "矛盾纠纷调解"
    form["trainer"] = "司法所李所长"
    form["hours"] = "30"
    tick(form, "attendee_ids", "员工worker_a")
    response = press(form, "保存")
    assert "学时应在 0.5 到 24 之间。" in visible_text(response)
    form = form_on(response)
    assert form["trainer"].value == "司法所李所长"
    form["hours"] = "2.5"
    response = press(form, "保存")
    assert response.status_int == 303 and "已保存培训记录。" in visible_text(response.follow())
    hours = visible_text(web.get(f"/trainings/hours?division={world.community_a.id}"))
    assert "员工worker_a" in hours and "2.5" in hours


def test_correcting_a_meeting_keeps_its_decisions_and_adds_new_ones(web_as, client_as, world):
    meeting = world.records["a"]["meeting"]
    web = web_as("worker_a")
    page = web.get(f"/meetings/{meeting.id}").click(description="修改", href=f"/meetings/{meeting.id}/edit")
    form = form_on(page)
    assert form["minutes"].value == "例会纪要a" and form["decisions"].value == ""
    form["held_on"] = "2024-01-02"
    form["minutes"] = "例会纪要（更正）"
    form["host"] = "网格长"
    tick(form, "attendee_ids", "员工chief_a")
    form["decisions"] = "补充：下周复查"
    response = press(form, "保存")
    assert response.status_int == 303
    fresh()
    corrected = db.session.get(Meeting, meeting.id)
    assert corrected.minutes == "例会纪要（更正）" and corrected.held_on == date(2024, 1, 2)
    assert [d.text for d in corrected.decisions] == ["清理楼道杂物a", "补充：下周复查"]
    assert {s.name for s in corrected.attendees} == {"员工chief_a", "员工worker_a"}
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "meeting_updated"))
    assert {"held_on", "minutes", "host", "attendees", "decisions"} <= set(event.detail["changed"])
    form = form_on(web.get(f"/meetings/{meeting.id}/edit"))
    form["minutes"] = ""
    tick(form, "attendee_ids", "员工chief_a", checked=False)
    tick(form, "attendee_ids", "员工worker_a", checked=False)
    response = press(form, "保存")
    assert "请填写会议纪要。" in visible_text(response)
    assert web.get(f"/meetings/{world.records['b']['meeting'].id}/edit", expect_errors=True).status_int == 404
    assert client_as("leader_a").get(f"/meetings/{meeting.id}/edit").status_code == 403


def test_correcting_a_training(web_as, world):
    training = world.records["a"]["training"]
    web = web_as("station_a")
    page = web.get(f"/trainings/{training.id}").click(description="修改", href=f"/trainings/{training.id}/edit")
    form = form_on(page)
    assert form["topic"].value == "信息采集培训a" and form["hours"].value in ("2", "2.0")
    form["hours"] = "3"
    response = press(form, "保存")
    assert response.status_int == 303
    fresh()
    report = services.training_hours([world.staff["worker_a"]], date(2024, 1, 1), date(2024, 1, 31))
    assert report.rows[0].hours == Decimal("3")
    assert web.get(f"/trainings/{world.records['b']['training'].id}/edit", expect_errors=True).status_int == 404


def test_meeting_list_filters_and_answers_htmx_with_the_rows_only(client_as, world):
    client = client_as("station_a")
    page = client.get("/meetings/?kind=regular")
    assert "东关一网格" in text_of(page) and "滨河一网格" not in text_of(page)
    fragment = client.get("/meetings/?kind=scheduling", headers={"HX-Request": "true", "HX-Target": "meeting-rows"})
    html = fragment.get_data(as_text=True)
    assert "<html" not in html and "暂无会议记录。" in html


def test_a_division_without_staff_is_offered_no_form_it_could_never_save(web_as, world):
    """李家村 has no staff registered: attendees are required but none can be ticked, so
    the page sends the user to register staff instead of a form refused whatever is typed."""
    web = web_as("town_a")
    for list_url, link in (("/meetings/", "记录会议"), ("/trainings/", "记录培训")):
        page = _first_step(web, list_url, link, world.community_a2)
        assert "该单位还没有登记网格力量" in visible_text(page), link
        assert post_forms(page) == [], link
        assert page.click(description="网格力量", href="/staff/$", index=1).status_int == 200
