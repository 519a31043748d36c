"""跟踪问效 against hand-computed fixtures: four upheld 首问 complaints in a year, four
不满意 ratings (counted by the local day they were rated, for whoever was the grid's
chief that day), both half-yearly surveys under 80 %; the in-use date; the pages —
the chief's row with the records behind it, the tag on the annual grid board, the
station's complaint form as rendered, and scope."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from app.assessment import accountability
from app.assessment.models import FirstContactComplaint, SatisfactionSurvey
from app.auth.models import AuditEvent
from app.core import settings
from app.extensions import db
from app.matters import reporting
from app.org.models import StaffAssignment, StaffMember, StaffRole
from tests.conftest import fresh
from tests.web import choose, form_on, press, visible_text


def complaint(world, day: date, upheld: bool = True, staff: str = "chief_a") -> FirstContactComplaint:
    record = FirstContactComplaint(
        grid_id=world.grid_a.id,
        staff_id=world.staff[staff].id,
        received_on=day,
        content=f"{day.isoformat()} 咨询未得到答复",
        upheld=upheld,
        recorded_by_name="station",
    )
    db.session.add(record)
    db.session.commit()
    return record


def rated(world, rated_at: datetime, rating: str = "unsatisfied"):
    matter = reporting.report(
        reporting.MatterValues(class_code="livelihood", description="路灯不亮", grid=world.grid_a, source="visit")
    )
    matter.status = "closed"
    matter.rating, matter.rated_at = rating, rated_at
    db.session.commit()
    return matter


def survey(world, half: int, satisfied: int, basically: int, dissatisfied: int) -> None:
    db.session.add(
        SatisfactionSurvey(
            grid_id=world.grid_a.id,
            year=2026,
            half=half,
            respondents=satisfied + basically + dissatisfied,
            satisfied=satisfied,
            basically=basically,
            dissatisfied=dissatisfied,
        )
    )
    db.session.commit()


def rows(world, year: int = 2026) -> dict[str, accountability.ChiefYear]:
    return {r.staff.name: r for r in accountability.chief_years([world.grid_a, world.grid_b], year)}


def test_four_upheld_complaints_in_a_year_flag_the_chief(world):
    for day in (date(2026, 2, 3), date(2026, 5, 5), date(2026, 9, 9)):
        complaint(world, day)
    complaint(world, date(2026, 10, 1), upheld=False)  # checked and did not hold
    complaint(world, date(2025, 12, 30))  # last year's
    chief = rows(world)["员工chief_a"]
    assert [c.received_on.day for c in chief.complaints] == [3, 5, 9]
    assert not chief.flagged
    complaint(world, date(2026, 11, 2))
    assert rows(world)["员工chief_a"].reasons == ["首问问题 4 次"]
    # Only grid chiefs are judged: the grid's worker has no row.
    assert set(rows(world)) == {"员工chief_a"}


def test_four_dissatisfied_ratings_by_the_local_day_and_the_chief_of_that_day(world):
    rated(world, datetime(2025, 12, 31, 16, 30))  # 1 January 2026, 00:30 in Beijing: counts
    rated(world, datetime(2026, 3, 1, 2))
    rated(world, datetime(2026, 6, 1, 2))
    rated(world, datetime(2026, 12, 31, 16, 30))  # 1 January 2027 in Beijing: next year's
    rated(world, datetime(2026, 8, 1, 2), rating="basically")  # 基本满意 is not 不满意
    assert len(rows(world)["员工chief_a"].unsatisfied) == 3
    assert not rows(world)["员工chief_a"].flagged
    # A second chief from 15 June answers only for the ratings from that day.
    newcomer = StaffMember(home_division=world.community_a, name="新网格长", phone="")
    db.session.add(newcomer)
    db.session.add(
        StaffAssignment(
            staff=newcomer, division=world.grid_a, role=StaffRole.GRID_CHIEF.value, start_date=date(2026, 6, 15)
        )
    )
    db.session.commit()
    rated(world, datetime(2026, 7, 1, 2))
    found = rows(world)
    assert found["员工chief_a"].reasons == ["群众不满意 4 次"]
    assert len(found["新网格长"].unsatisfied) == 1 and not found["新网格长"].flagged


def test_both_half_year_surveys_under_80_flag_the_chief(world):
    survey(world, 1, 30, 8, 12)  # (30 + 8) / 50 = 76 %
    survey(world, 2, 40, 6, 4)  # 92 %
    assert not rows(world)["员工chief_a"].flagged
    db.session.execute(db.delete(SatisfactionSurvey).where(SatisfactionSurvey.half == 2))
    survey(world, 2, 28, 7, 15)  # 70 %
    chief = rows(world)["员工chief_a"]
    assert chief.reasons == ["两次满意度调查均低于 80%"]
    assert [str(r.rate) for r in chief.low_halves[1]] == ["76.0"]


def test_nothing_before_the_in_use_date_counts(world):
    for day in (date(2026, 2, 3), date(2026, 5, 5), date(2026, 9, 9), date(2026, 11, 2)):
        complaint(world, day)
    survey(world, 1, 30, 8, 12)
    survey(world, 2, 28, 7, 15)
    assert rows(world)["员工chief_a"].reasons == ["首问问题 4 次", "两次满意度调查均低于 80%"]
    settings.change("ASSESSMENT_IN_USE_FROM", date(2026, 7, 1), None)
    db.session.commit()
    chief = rows(world)["员工chief_a"]
    # Two complaints from July; the first half-year ended before the system was used.
    assert len(chief.complaints) == 2 and 1 not in chief.low_halves and not chief.flagged
    assert rows(world, 2025) == {}  # a year wholly before: nobody is judged


def test_the_board_shows_the_records_behind_the_flag(world, web_as):
    for day in (date(2026, 2, 3), date(2026, 5, 5), date(2026, 9, 9), date(2026, 11, 2)):
        complaint(world, day)
    matter = rated(world, datetime(2026, 3, 1, 2))
    web = web_as("station_a")
    page = web.get("/assessment/accountability?year=2026")
    text = visible_text(page)
    assert "员工chief_a" in text and "劝退和调离 首问问题 4 次" in text
    assert "2026-11-02" in text and "群众不满意 1 次" in text
    assert page.html.find("a", string=matter.number) is not None
    # The annual grid board names the chief; a monthly one does not.
    board = visible_text(web.get("/assessment/?period=2026"))
    assert "网格长员工chief_a：首问问题 4 次，劝退和调离" in board
    assert "劝退" not in visible_text(web.get("/assessment/?period=2026-11"))
    # A grid worker who is not a chief sees no chief's row.
    worker = visible_text(web_as("worker_a").get("/assessment/accountability?year=2026"))
    assert "员工chief_a" not in worker and "这个范围内这一年没有网格长。" in worker


def test_the_station_records_a_complaint_as_a_person_would(world, web_as):
    web = web_as("station_a")
    page = web.get(f"/assessment/complaints/new?grid_id={world.grid_a.id}")
    form = form_on(page, action="/assessment/complaints/new")
    choose(form, "staff_id", "员工chief_a")
    form["received_on"] = "2026-11-20"
    form["content"] = "居民咨询低保续办材料，网格长答复有误"
    form["matter_number"] = "20990101-0001"
    form["upheld"] = "yes"
    form["training_note"] = "重新学习低保政策"
    refused = press(form, "保存", status=400)
    assert refused.status_int == 400
    assert "没有找到这个事件编号（或不在您的管辖范围内）。" in visible_text(refused)
    again = form_on(refused, action="/assessment/complaints/new")
    assert again["content"].value == "居民咨询低保续办材料，网格长答复有误"
    again["matter_number"] = ""
    saved = press(again, "保存").follow()
    assert "已登记。" in visible_text(saved)
    fresh()
    [record] = db.session.scalars(select(FirstContactComplaint).where(FirstContactComplaint.content.like("居民咨询%")))
    assert record.staff_id == world.staff["chief_a"].id and record.upheld and record.training_note == "重新学习低保政策"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "first_contact_complaint_recorded"))
    assert event is not None and event.actor_name == "station_a"
    # Later, it is found not to hold: the station corrects the finding.
    detail = web.get(f"/assessment/complaints/{record.id}")
    edit = form_on(detail, action=f"/assessment/complaints/{record.id}")
    edit["upheld"] = "no"
    edit["finding"] = "回访核实，答复无误"
    assert "已保存。" in visible_text(press(edit, "保存").follow())
    fresh()
    assert db.session.get(FirstContactComplaint, record.id).upheld is False


def test_a_chief_not_on_the_grid_that_day_is_refused(world, web_as):
    web = web_as("station_a")
    form = form_on(
        web.get(f"/assessment/complaints/new?grid_id={world.grid_a2.id}"), action="/assessment/complaints/new"
    )
    assert "这个网格在这一天没有网格长" in visible_text(form.response)
    form["content"] = "咨询未答复"
    refused = press(form, "保存", status=400)
    assert refused.status_int == 400 and "请选择反映日期当天这个网格的网格长。" in visible_text(refused)


def test_scope_of_complaints(world, web_as, client_as):
    record = complaint(world, date(2026, 3, 3))
    assert client_as("worker_b").get(f"/assessment/complaints/{record.id}").status_code == 404
    # worker_a works in the grid, but the complaint is about the chief: not theirs.
    assert client_as("worker_a").get(f"/assessment/complaints/{record.id}").status_code == 404
    assert client_as("station_a").get(f"/assessment/complaints/{record.id}").status_code == 200
    assert client_as("worker_a").get("/assessment/complaints/new").status_code == 403


def test_the_in_use_date_is_set_on_the_rules_page(world, web_as):
    web = web_as("admin")
    form = form_on(web.get("/assessment/rules"), action="/assessment/in-use")
    form["in_use_from"] = "2026-03-01"
    assert "已保存系统启用日期。" in visible_text(press(form, "保存启用日期").follow())
    assert "本期在系统启用日期（2026-03-01）之前，不考核。" in visible_text(web.get("/assessment/?period=2026-02"))
    assert "本年自这一天起计" not in visible_text(web.get("/assessment/?period=2026-03"))
    assert "系统启用日期为 2026-03-01：本期自这一天起计" in visible_text(web.get("/assessment/?period=2026"))
    fresh()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "setting_changed"))
    assert event.detail == {"setting": "ASSESSMENT_IN_USE_FROM", "before": None, "after": "2026-03-01"}
    # A date that is not one: the message at the field, nothing saved.
    form = form_on(web.get("/assessment/rules"), action="/assessment/in-use")
    form["in_use_from"] = "2026-02-30"
    refused = press(form, "保存启用日期", status=400)
    assert refused.status_int == 400 and "2026-02-30" in refused.text
