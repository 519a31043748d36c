"""Deadlines in Chinese working days and the traffic light."""

from datetime import UTC, date, datetime, timedelta

from app.core.database import write_transactions
from app.core.timeutil import LOCAL_ZONE
from app.extensions import db
from app.matters import workdays
from app.matters.models import HolidayDay, HolidayYear

CALENDAR = workdays.Calendar({})


def utc(year, month, day, hour=0, minute=0, second=0) -> datetime:
    """A local (Asia/Shanghai) wall-clock time as the naive UTC the database keeps."""
    local = datetime(year, month, day, hour, minute, second, tzinfo=LOCAL_ZONE)
    return local.astimezone(UTC).replace(tzinfo=None)


def test_national_day_and_the_make_up_saturday():
    # Wednesday 30 September 2026, three working days: 1–7 October are holidays,
    # Thursday 8 and Friday 9 count, Saturday 10 October is a make-up working day.
    due = workdays.deadline_after(CALENDAR, utc(2026, 9, 30, 10), 3)
    assert due == utc(2026, 10, 11)
    # Across the Mid-Autumn Friday (25 September) and the weekend to Monday 28.
    assert workdays.deadline_after(CALENDAR, utc(2026, 9, 24, 9), 1) == utc(2026, 9, 29)
    # Sunday 20 September 2026 is a make-up working day: it counts.
    assert workdays.deadline_after(CALENDAR, utc(2026, 9, 19, 9), 1) == utc(2026, 9, 21)


def test_the_traffic_light_edges_at_80_and_100_percent():
    start, due = utc(2026, 10, 12), workdays.deadline_after(CALENDAR, utc(2026, 10, 12), 5)
    assert due == utc(2026, 10, 20)  # Tue–Fri and Monday 19 October
    # Six working days of 24 hours are allowed (the start day is whole here): 80 % is
    # 115.2 hours of working time, reached on Friday 16 October at 19:12.
    at_80 = utc(2026, 10, 16, 19, 12)
    share = workdays.share_used(CALENDAR, start, due, at_80)
    assert share == 0.8 and workdays.traffic_light(share) == workdays.YELLOW
    just_before = at_80 - timedelta(seconds=1)
    assert workdays.traffic_light(workdays.share_used(CALENDAR, start, due, just_before)) == workdays.GREEN
    # The weekend does not eat the allowance: Saturday noon is still 5/6 used.
    assert abs(workdays.share_used(CALENDAR, start, due, utc(2026, 10, 17, 12)) - 5 / 6) < 1e-9
    at_due = workdays.share_used(CALENDAR, start, due, due)
    assert at_due == 1.0 and workdays.traffic_light(at_due) == workdays.YELLOW
    late = workdays.share_used(CALENDAR, start, due, due + timedelta(seconds=1))
    assert workdays.traffic_light(late) == workdays.RED


def test_administrators_fill_in_a_year_the_package_does_not_know(app):
    assert 2027 not in workdays.package_years()
    assert not workdays.year_is_known(2027)
    # Without data, Monday to Friday: 1 January 2027 is a Friday.
    assert workdays.load_calendar().is_workday(date(2027, 1, 1))
    with write_transactions():
        db.session.add(HolidayDay(day=date(2027, 1, 1), is_workday=False, name="元旦"))
        db.session.commit()
    calendar = workdays.load_calendar()
    assert not calendar.is_workday(date(2027, 1, 1))
    assert calendar.add_workdays(date(2026, 12, 31), 1) == date(2027, 1, 4)
    # One day entered is not the year's arrangement: still estimated until confirmed.
    assert not workdays.year_is_known(2027)
    with write_transactions():
        db.session.add(HolidayYear(year=2027))
        db.session.commit()
    assert workdays.year_is_known(2027)


def test_a_deadline_is_shown_as_the_end_of_its_last_day(app):
    shown = app.jinja_env.filters["deadline"](utc(2026, 10, 11))
    assert shown == "2026-10-10 24:00"
    assert app.jinja_env.filters["deadline"](utc(2026, 10, 11, 9, 30)) == "2026-10-11 09:30"
