"""A report slot that began before the pages' window: Thursday 2026-10-01 and Monday
10-05 fall in the National Day holiday (10-01 … 10-07) and are due with Thursday
10-08 on the end of 10-08, one slot named 10-01. Its report, saved on 10-08, answers
10-05 too, also when a page's weeks start on Monday 10-05."""

from datetime import UTC, date, datetime

from app.core.timeutil import LOCAL_ZONE
from app.extensions import db
from app.patrols import compliance, services


def _utc(local: str) -> datetime:
    return datetime.fromisoformat(local).replace(tzinfo=LOCAL_ZONE).astimezone(UTC).replace(tzinfo=None)


def _report_for_national_day(world):
    report = services.record_chief_report(
        world.grid_a, date(2026, 10, 5), [], "本期无一般信息", world.users["worker_a"], now=_utc("2026-10-08T10:00")
    )
    db.session.commit()
    assert report.report_day == date(2026, 10, 1)  # the slot's name
    return report


def test_a_window_starting_inside_the_slot_finds_its_report(world):
    report = _report_for_national_day(world)
    slots = compliance.report_punctuality(
        world.grid_a.id, date(2026, 10, 5), date(2026, 10, 18), now=_utc("2026-10-19T09:00")
    )
    first = slots[0]
    assert date(2026, 10, 5) in first.covers and first.report is report
    assert first.status == "on_time"
    # Then 10-12, 10-15 with no report: missing on 10-19.
    assert [(s.report_day, s.status) for s in slots[1:]] == [
        (date(2026, 10, 12), "missing"),
        (date(2026, 10, 15), "missing"),
    ]


def test_open_report_days_do_not_offer_a_day_already_answered(world):
    _report_for_national_day(world)
    # On Monday 10-19 the last two weeks start on Monday 10-05.
    assert compliance.open_report_days(world.grid_a.id, date(2026, 10, 19)) == [
        date(2026, 10, 12),
        date(2026, 10, 15),
        date(2026, 10, 19),
    ]
