"""Reports to the grid chief entered late (补录): any earlier report day without a
report may be chosen, checked like the recent ones (a Monday or Thursday, holidays
moving the slot, not in the future, not before the grid was set up, not twice);
the report keeps its real entry time, so its slot shows 逾期报告."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from app.auth.models import AuditEvent
from app.core.timeutil import LOCAL_ZONE, local_today
from app.extensions import db
from app.patrols import compliance, services
from app.patrols.models import ChiefReport
from tests.conftest import fresh
from tests.web import forge, form_on, press, visible_text


def _utc(local: str) -> datetime:
    return datetime.fromisoformat(local).replace(tzinfo=LOCAL_ZONE).astimezone(UTC).replace(tzinfo=None)


def test_an_old_report_day_entered_late_is_late(world):
    # Monday 2026-09-28 is due by 2026-09-28 24:00; entered on 2026-11-20 10:00.
    now = _utc("2026-11-20T10:00")
    report = services.record_chief_report(
        world.grid_a, date(2026, 9, 28), [], "补录：纸质记录", world.users["worker_a"], now=now
    )
    db.session.commit()
    assert report.report_day == date(2026, 9, 28) and report.reported_at == now
    slot = compliance.report_punctuality(world.grid_a.id, date(2026, 9, 28), date(2026, 9, 28), now=now)[0]
    assert (slot.due_day, slot.status, slot.overdue) == (date(2026, 9, 28), "late", True)
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "chief_report_made", AuditEvent.target_id == report.id)
    )
    assert event.detail == {"report_day": "2026-09-28", "late": True}


def test_a_holiday_monday_entered_late_answers_its_slot(world):
    # 10-01 (Thu) and 10-05 (Mon) fall in the National Day holiday: one slot named 10-01,
    # due at the end of 10-08. Entered on 11-20: late. 10-08 is then already reported.
    user, now = world.users["worker_a"], _utc("2026-11-20T10:00")
    report = services.record_chief_report(world.grid_a, date(2026, 10, 5), [], "补录", user, now=now)
    db.session.commit()
    assert report.report_day == date(2026, 10, 1)
    slot = compliance.report_punctuality(world.grid_a.id, date(2026, 10, 1), date(2026, 10, 1), now=now)[0]
    assert (slot.due_day, slot.status) == (date(2026, 10, 8), "late")
    with pytest.raises(services.FieldworkError) as refused:
        services.record_chief_report(world.grid_a, date(2026, 10, 8), [], "再补", user, now=now)
    assert refused.value.field == "report_day" and "已经报告过了" in str(refused.value)


def test_a_report_day_before_the_grid_existed_is_refused(world):
    world.grid_a.valid_from = date(2026, 9, 1)
    db.session.commit()
    user, now = world.users["worker_a"], _utc("2026-11-20T10:00")
    with pytest.raises(services.FieldworkError) as refused:
        services.record_chief_report(world.grid_a, date(2026, 8, 31), [], "补录", user, now=now)
    assert refused.value.field == "report_day" and "2026-09-01" in str(refused.value)
    # Its first report day, Thursday 2026-09-03, may be entered.
    assert services.record_chief_report(world.grid_a, date(2026, 9, 3), [], "补录", user, now=now).report_day == date(
        2026, 9, 3
    )


def _report_form(web, world):
    """记录报告 on the grid's row of the reports page."""
    page = web.get(f"/opinions/reports?division_id={world.grid_a.id}").click(description="记录报告")
    return form_on(page, button="记录已报告网格长")


def test_station_enters_an_older_report_from_the_form(web_as, world):
    web = web_as("worker_a")
    form = _report_form(web, world)
    assert "其他报告日" in visible_text(form.response)
    form["other_day"] = "2026-09-28"
    form["note"] = "补录：纸质记录"
    response = press(form, "记录已报告网格长")
    assert response.status_int == 303
    fresh()
    report = db.session.scalar(
        select(ChiefReport).where(ChiefReport.grid_id == world.grid_a.id, ChiefReport.report_day == date(2026, 9, 28))
    )
    assert report.note == "补录：纸质记录" and report.reported_at.date() >= date(2026, 11, 20)
    page = visible_text(web.get(f"/opinions/reports?division_id={world.grid_a.id}&week=2026-09-28"))
    assert "2026-09-28 2026-09-28 24:00" in page
    row = page.split("2026-09-28 2026-09-28 24:00")[1].split("2026-09-24")[0]
    assert "逾期报告" in row and "员工worker_a" in row and "按时" not in row
    detail = visible_text(web.get(f"/opinions/reports/{report.id}"))
    assert "截止 2026-09-28 24:00" in detail and "情况 逾期报告" in detail


def test_the_typed_day_wins_over_a_recent_open_day(web_as, world):
    recent = compliance.open_report_days(world.grid_a.id, local_today())[-1]
    form = _report_form(web_as("worker_a"), world)
    form["report_day"] = recent.isoformat()
    form["other_day"] = "2026-10-12"
    form["note"] = "补录"
    assert press(form, "记录已报告网格长").status_int == 303
    fresh()
    days = set(db.session.scalars(select(ChiefReport.report_day).where(ChiefReport.grid_id == world.grid_a.id)))
    assert date(2026, 10, 12) in days and recent not in days


@pytest.mark.parametrize(
    "typed, message",
    [
        ("2026-09-30", "报告日应为周一或周四。"),  # a Wednesday
        ("2100-01-04", "报告日还没有到。"),  # a Monday in the future
        ("2023-12-28", "这个网格 2024-01-01 才设立，报告日不能早于设立日期。"),  # a Thursday before the grid
        ("2026-13-40", "不是有效的日期值。"),
    ],
)
def test_other_day_errors_in_chinese_at_the_field_keep_input(web_as, world, typed, message):
    form = _report_form(web_as("worker_a"), world)
    form["other_day"] = typed
    form["note"] = "本期无一般信息"
    response = press(form, "记录已报告网格长", status=400)
    assert f'<span class="error" id="other_day-error">{message}</span>' in response.text
    again = form_on(response, button="记录已报告网格长")
    assert again["other_day"].value == typed and again["note"].value == "本期无一般信息"
    fresh()
    assert (
        db.session.scalar(
            select(ChiefReport).where(ChiefReport.grid_id == world.grid_a.id, ChiefReport.note == "本期无一般信息")
        )
        is None
    )


def test_an_already_reported_old_day_is_refused_at_the_field(web_as, world):
    # The factory's report for Monday 2024-01-01 in grid A.
    form = _report_form(web_as("worker_a"), world)
    form["other_day"] = "2024-01-01"
    form["note"] = "又补"
    response = press(form, "记录已报告网格长", status=400)
    assert '<span class="error" id="other_day-error">这个报告日已经报告过了。</span>' in response.text


def test_with_every_recent_day_reported_the_form_still_takes_an_older_one(web_as, world):
    for day in compliance.open_report_days(world.grid_a.id, local_today()):
        db.session.add(ChiefReport(grid_id=world.grid_a.id, report_day=day, reporter_name="员工worker_a"))
    db.session.commit()
    form = _report_form(web_as("worker_a"), world)
    assert "最近两周的报告日都已报告" in visible_text(form.response)
    assert "report_day" not in form.fields and "other_day" in form.fields
    form["note"] = "补录"
    empty = press(form, "记录已报告网格长", status=400)
    assert '<span class="error" id="other_day-error">请填写其他报告日。</span>' in empty.text
    form = form_on(empty, button="记录已报告网格长")
    form["other_day"] = "2026-10-12"
    assert press(form, "记录已报告网格长").status_int == 303


def test_another_grid_cannot_be_back_entered_by_a_forged_post(web_as, world):
    """Forged request: the reports page offers worker_a no form for grid B."""
    web = web_as("worker_a")
    assert f"grid_id={world.grid_b.id}" not in web.get("/opinions/reports").text
    response = forge(web, f"/opinions/reports/new?grid_id={world.grid_b.id}", {"other_day": "2026-09-28", "note": "x"})
    assert response.status_int == 404
    fresh()
    assert (
        db.session.scalar(
            select(ChiefReport).where(
                ChiefReport.grid_id == world.grid_b.id, ChiefReport.report_day == date(2026, 9, 28)
            )
        )
        is None
    )


def test_a_back_entered_report_counts_as_late_on_the_board(world):
    # The assessment fixture (tests/assessment/records.py): grid A missed 5 March (−2) and
    # was late on 12 March (−1), 76 in all. Entering 5 March's report on 10 April turns
    # the missing report into a late one: 76 + 2 − 1 = 77.
    from app.assessment import scoring
    from tests.assessment.records import NOW, TODAY, build_march

    build_march(world)
    services.record_chief_report(world.grid_a, date(2026, 3, 5), [], "补录：纸质记录", world.users["worker_a"], now=NOW)
    db.session.commit()
    row = scoring.grid_board([world.grid_a], scoring.Period(2026, 3), TODAY, NOW)[0]
    lines = {line.rule.code: line for line in row.lines}
    assert lines["report_missing"].entries == []
    assert [e.occurrence.day for e in lines["report_late"].entries] == [date(2026, 3, 5), date(2026, 3, 12)]
    assert row.score == 77
