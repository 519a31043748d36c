"""A worker's second patrol of a grid at the same time (the form sent twice, the same
patrol typed again) is refused: it would count twice towards the weekly quota."""

from datetime import date, time

import pytest
from sqlalchemy import func, select

from app.auth.models import AuditEvent
from app.extensions import db
from app.patrols import corrections, services
from app.patrols.models import Patrol
from tests.conftest import fresh
from tests.web import form_on, press

DAY = date(2026, 11, 3)


def _values(world, start: time, end: time, day: date = DAY) -> services.PatrolValues:
    return services.PatrolValues(
        grid=world.grid_a,
        staff_id=world.staff["worker_a"].id,
        patrol_date=day,
        start_time=start,
        end_time=end,
        route="东关路—菜市场",
    )


def test_an_overlapping_patrol_is_refused_one_that_touches_is_not(world):
    services.record_patrol(_values(world, time(8, 30), time(10, 0)), world.users["worker_a"])
    with pytest.raises(services.FieldworkError) as refused:
        services.record_patrol(_values(world, time(9, 0), time(11, 0)), world.users["worker_a"])
    assert refused.value.field == "start_time"
    assert str(refused.value) == "此人这段时间已登记了一次巡查，巡查时间不能重叠。"
    services.record_patrol(_values(world, time(10, 0), time(11, 0)), world.users["worker_a"])
    services.record_patrol(_values(world, time(9, 0), time(10, 0), day=date(2026, 11, 4)), world.users["worker_a"])
    assert db.session.scalar(select(func.count(Patrol.id)).where(Patrol.patrol_date.in_([DAY, date(2026, 11, 4)]))) == 3


def test_the_same_patrol_typed_again_shows_the_refusal_at_the_field(web_as, world):
    web = web_as("worker_a")

    def typed_patrol():
        form = form_on(web.get("/patrols/").click(description="登记巡查"), button="保存")
        for name, value in (
            ("patrol_date", DAY.isoformat()),
            ("start_time", "08:30"),
            ("end_time", "10:00"),
            ("route", "东关路—菜市场—1号楼"),
        ):
            form[name] = value
        return form

    first = typed_patrol()
    assert press(first, "保存").status_int == 303
    press(first, "保存")  # the same rendered form sent again (back and resend)
    response = press(typed_patrol(), "保存")
    html = response.text
    assert "此人这段时间已登记了一次巡查，巡查时间不能重叠。" in html and "start_time-error" in html
    assert form_on(response, button="保存")["route"].value == "东关路—菜市场—1号楼"
    fresh()
    assert db.session.scalar(select(func.count(Patrol.id)).where(Patrol.route == "东关路—菜市场—1号楼")) == 1


def test_a_correction_may_not_move_a_patrol_onto_another(world):
    services.record_patrol(_values(world, time(8, 30), time(10, 0)), world.users["worker_a"])
    second = services.record_patrol(_values(world, time(14, 0), time(15, 0)), world.users["worker_a"])
    db.session.commit()
    audits = db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "patrol_updated"))
    with pytest.raises(services.FieldworkError) as refused:
        corrections.update_patrol(
            second, corrections.PatrolChanges(DAY, time(9, 30), time(11, 0), "东关路"), world.users["worker_a"]
        )
    assert refused.value.field == "start_time"
    db.session.rollback()
    # Changing its own times within itself is no overlap with itself.
    assert corrections.update_patrol(
        second, corrections.PatrolChanges(DAY, time(14, 0), time(15, 30), "东关路"), world.users["worker_a"]
    )
    assert (
        db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "patrol_updated")) == audits + 1
    )
