"""Patrol compliance and report punctuality against hand-computed fixtures."""

from datetime import UTC, date, datetime, time

import pytest

from app.extensions import db
from app.matters import workdays
from app.org.models import StaffAssignment, StaffMember, StaffRole
from app.patrols import compliance, services
from app.patrols.models import ChiefReport

MONDAY_1 = date(2026, 11, 2)  # week 1: 2026-11-02 (Mon) … 2026-11-08 (Sun)
MONDAY_2 = date(2026, 11, 9)  # week 2: 2026-11-09 … 2026-11-15
TODAY = date(2026, 11, 22)


def _patrol(world, staff, day, grid=None, hour=9):
    grid = grid or world.grid_a
    return services.record_patrol(
        services.PatrolValues(
            grid=grid,
            staff_id=staff.id,
            patrol_date=day,
            start_time=time(hour, 0),
            end_time=time(hour + 1, 0),
            route="东关路—菜市场",
        ),
        world.users["worker_a"],
    )


def _row(rows, staff):
    return next(r for r in rows if r.staff.id == staff.id)


def test_two_patrols_then_three(world):
    worker = world.staff["worker_a"]
    for day in (date(2026, 11, 3), date(2026, 11, 6)):
        _patrol(world, worker, day)
    for day in (date(2026, 11, 9), date(2026, 11, 11), date(2026, 11, 15)):
        _patrol(world, worker, day)
    _patrol(world, worker, date(2026, 11, 16))  # next week: not counted in week 2
    db.session.commit()
    week_1 = _row(compliance.patrol_compliance([world.grid_a.id], MONDAY_1, today=TODAY), worker)
    week_2 = _row(compliance.patrol_compliance([world.grid_a.id], MONDAY_2, today=TODAY), worker)
    assert (week_1.patrols, week_1.required, week_1.behind, week_1.short) == (2, 3, True, 1)
    assert (week_2.patrols, week_2.required, week_2.behind) == (3, 3, False)
    # Any day of the week names the week.
    assert _row(compliance.patrol_compliance([world.grid_a.id], date(2026, 11, 5), today=TODAY), worker).patrols == 2


def _new_worker(world, start, end=None):
    staff = StaffMember(home_division=world.community_a, name="新网格员")
    db.session.add(staff)
    db.session.add(
        StaffAssignment(
            staff=staff, division=world.grid_a, role=StaffRole.PART_TIME_WORKER.value, start_date=start, end_date=end
        )
    )
    db.session.flush()
    return staff


@pytest.mark.parametrize(
    "start, end, days, required",
    [
        (date(2026, 11, 12), None, 4, 2),  # from Thursday: ceil(3 × 4 / 7) = 2
        (date(2026, 11, 15), None, 1, 1),  # Sunday only: ceil(3 / 7) = 1
        (date(2026, 11, 1), date(2026, 11, 10), 2, 1),  # leaves on Tuesday: ceil(6 / 7) = 1
        (date(2026, 11, 1), None, 7, 3),
    ],
)
def test_a_worker_assigned_mid_week_owes_a_share(world, start, end, days, required):
    staff = _new_worker(world, start, end)
    db.session.commit()
    row = _row(compliance.patrol_compliance([world.grid_a.id], MONDAY_2, today=TODAY), staff)
    assert (row.days_assigned, row.required, row.patrols, row.behind) == (days, required, 0, True)


def test_mid_week_worker_with_two_patrols_is_not_behind(world):
    staff = _new_worker(world, date(2026, 11, 12))
    _patrol(world, staff, date(2026, 11, 12))
    _patrol(world, staff, date(2026, 11, 14))
    db.session.commit()
    row = _row(compliance.patrol_compliance([world.grid_a.id], MONDAY_2, today=TODAY), staff)
    assert (row.patrols, row.required, row.behind) == (2, 2, False)


def test_a_running_week_is_in_progress_not_missed(world):
    worker = world.staff["worker_a"]
    _patrol(world, worker, date(2026, 11, 16))
    db.session.commit()
    row = _row(compliance.patrol_compliance([world.grid_a.id], date(2026, 11, 16), today=date(2026, 11, 18)), worker)
    assert (row.patrols, row.short, row.in_progress, row.behind) == (1, 2, True, False)


def test_quota_is_configuration(app, world):
    app.config["PATROLS_PER_WEEK"] = 4
    worker = world.staff["worker_a"]
    row = _row(compliance.patrol_compliance([world.grid_a.id], MONDAY_1, today=TODAY), worker)
    assert row.required == 4
    assert compliance.required_patrols(4, 4) == 3  # ceil(16 / 7)


def test_only_the_given_grids_and_their_workers(world):
    _patrol(world, world.staff["worker_b"], date(2026, 11, 3), grid=world.grid_b)
    db.session.commit()
    rows = compliance.patrol_compliance([world.grid_a.id, world.grid_a2.id], MONDAY_1, today=TODAY)
    assert [r.staff.name for r in rows] == ["员工worker_a"]  # the grid chief owes no patrols
    rows_b = compliance.patrol_compliance([world.grid_b.id], MONDAY_1, today=TODAY)
    assert [(r.staff.name, r.patrols) for r in rows_b] == [("员工worker_b", 1)]


def test_patrol_of_someone_not_working_the_grid_is_refused(world):
    with pytest.raises(services.FieldworkError) as refused:
        _patrol(world, world.staff["worker_b"], date(2026, 11, 3))
    assert refused.value.field == "staff_id"
    with pytest.raises(services.FieldworkError) as refused:
        services.record_patrol(
            services.PatrolValues(
                grid=world.grid_a,
                staff_id=world.staff["worker_a"].id,
                patrol_date=date(2026, 11, 3),
                start_time=time(10, 0),
                end_time=time(9, 0),
                route="x",
            ),
            None,
        )
    assert refused.value.field == "end_time"


# --- A run of weeks at once (patrol_weeks: the annual board, the compliance table) ----------

OCT_19, OCT_26, NOV_2, NOV_9 = date(2026, 10, 19), date(2026, 10, 26), date(2026, 11, 2), date(2026, 11, 9)


def _cells(rows):
    return [
        (r.grid.id, r.staff.id, r.week_start, r.days_assigned, r.required, r.patrols, r.in_progress, r.behind)
        for r in rows
    ]


@pytest.fixture()
def four_weeks(world):
    """Four weeks of patrols in grids A and B; the week of 26 October runs into November.
    A newcomer joins grid A on Thursday 29 October and is re-assigned from 2 November
    (the two assignments overlap on 2–3 November) until Tuesday 10 November."""
    worker_a, worker_b = world.staff["worker_a"], world.staff["worker_b"]
    newcomer = _new_worker(world, date(2026, 10, 29), date(2026, 11, 3))
    db.session.add(
        StaffAssignment(
            staff=newcomer,
            division=world.grid_a,
            role=StaffRole.PART_TIME_WORKER.value,
            start_date=NOV_2,
            end_date=date(2026, 11, 10),
        )
    )
    db.session.flush()
    for day in (
        date(2026, 10, 20),
        date(2026, 10, 22),
        date(2026, 10, 25),  # week of 19 Oct: 3
        date(2026, 10, 27),
        date(2026, 11, 1),  # 26 Oct – 1 Nov: 2
        date(2026, 11, 2),
        date(2026, 11, 8),  # week of 2 Nov: 2
        date(2026, 11, 9),
        date(2026, 11, 11),
        date(2026, 11, 15),
    ):  # week of 9 Nov: 3
        _patrol(world, worker_a, day)
    for day in (date(2026, 10, 30), date(2026, 11, 1), date(2026, 11, 4)):
        _patrol(world, newcomer, day)
    _patrol(world, worker_b, date(2026, 11, 3), grid=world.grid_b)
    db.session.commit()
    return worker_a, newcomer, worker_b


def test_a_run_of_weeks_is_each_week_on_its_own(on_2026_11_20, world, four_weeks):
    worker_a, newcomer, worker_b = four_weeks
    grids = [world.grid_a.id, world.grid_b.id]
    weeks = compliance.patrol_weeks(grids, OCT_19, NOV_9, today=TODAY)
    assert list(weeks) == [OCT_19, OCT_26, NOV_2, NOV_9]
    for monday, rows in weeks.items():
        assert _cells(rows) == _cells(compliance.patrol_compliance(grids, monday, today=TODAY))
    # By hand: (worker, days assigned, required, patrols) per week; the grid chief owes none.
    figures = {
        monday: [(r.staff.id, r.days_assigned, r.required, r.patrols) for r in rows] for monday, rows in weeks.items()
    }
    assert figures == {
        OCT_19: [(worker_a.id, 7, 3, 3), (worker_b.id, 7, 3, 0)],
        # 1 November (a Sunday) belongs to the week of 26 October; the newcomer from
        # Thursday owes ceil(3 × 4 / 7) = 2 and made them.
        OCT_26: [(worker_a.id, 7, 3, 2), (newcomer.id, 4, 2, 2), (worker_b.id, 7, 3, 0)],
        # The overlapping assignments count each day once: 7 days, not 9.
        NOV_2: [(worker_a.id, 7, 3, 2), (newcomer.id, 7, 3, 1), (worker_b.id, 7, 3, 1)],
        # Leaves on Tuesday: ceil(3 × 2 / 7) = 1.
        NOV_9: [(worker_a.id, 7, 3, 3), (newcomer.id, 2, 1, 0), (worker_b.id, 7, 3, 0)],
    }
    # Seen on Thursday 12 November, the last week is still running: in progress, not behind.
    running = compliance.patrol_weeks(grids, OCT_19, NOV_9, today=date(2026, 11, 12))
    assert [(r.in_progress, r.behind) for r in running[NOV_9]] == [(True, False)] * 3
    assert _cells(running[NOV_9]) == _cells(compliance.patrol_compliance(grids, NOV_9, today=date(2026, 11, 12)))


def test_the_compliance_table_matches_the_weeks(on_2026_11_20, world, four_weeks):
    worker_a, newcomer, _worker_b = four_weeks
    table = compliance.compliance_table([world.grid_a.id], [OCT_19, OCT_26, NOV_2, NOV_9], today=TODAY)
    assert [(row.staff.id, row.behind_weeks) for row in table] == [(worker_a.id, 2), (newcomer.id, 2)]
    newcomer_row = table[1]
    assert list(newcomer_row.weeks) == [OCT_26, NOV_2, NOV_9]  # not assigned in the week of 19 October
    for monday, cell in newcomer_row.weeks.items():
        assert _cells([cell]) == _cells(
            [_row(compliance.patrol_compliance([world.grid_a.id], monday, today=TODAY), newcomer)]
        )


# --- Reports to the grid chief ------------------------------------------------------------


def _utc(local: str) -> datetime:
    """A local (Asia/Shanghai) time as the naive UTC the database keeps."""

    from app.core.timeutil import LOCAL_ZONE

    return datetime.fromisoformat(local).replace(tzinfo=LOCAL_ZONE).astimezone(UTC).replace(tzinfo=None)


def test_report_days_move_past_the_national_day_holiday(app):
    calendar = workdays.load_calendar()
    slots = compliance.report_slots(calendar, date(2026, 9, 28), date(2026, 10, 15))
    # 10-01 (Thu) and 10-05 (Mon) are holidays: both fall due on 10-08, itself a report day.
    assert [(s.report_day, s.due_day, s.covers) for s in slots] == [
        (date(2026, 9, 28), date(2026, 9, 28), [date(2026, 9, 28)]),
        (date(2026, 10, 1), date(2026, 10, 8), [date(2026, 10, 1), date(2026, 10, 5), date(2026, 10, 8)]),
        (date(2026, 10, 12), date(2026, 10, 12), [date(2026, 10, 12)]),
        (date(2026, 10, 15), date(2026, 10, 15), [date(2026, 10, 15)]),
    ]


def _report(world, day, at_local):
    report = ChiefReport(
        grid_id=world.grid_a.id,
        report_day=day,
        reporter_name="员工worker_a",
        reported_at=_utc(at_local),
        note="本期无一般信息",
    )
    db.session.add(report)
    return report


def test_punctuality_on_time_late_missing_pending(world):
    _report(world, date(2026, 9, 28), "2026-09-29T09:00")  # Monday's, on Tuesday: late
    _report(world, date(2026, 10, 1), "2026-10-08T23:30")  # the holiday slot, by 10-08 24:00: on time
    db.session.commit()
    slots = compliance.report_punctuality(
        world.grid_a.id, date(2026, 9, 28), date(2026, 10, 15), now=_utc("2026-10-13T10:00")
    )
    assert [(s.report_day, s.status, s.overdue) for s in slots] == [
        (date(2026, 9, 28), "late", True),
        (date(2026, 10, 1), "on_time", False),
        (date(2026, 10, 12), "missing", True),  # due 10-12 24:00, now 10-13
        (date(2026, 10, 15), "pending", False),
    ]


def test_a_monday_report_is_due_by_midnight(world):
    _report(world, date(2026, 11, 16), "2026-11-16T23:59")
    _report(world, date(2026, 11, 19), "2026-11-20T00:01")
    db.session.commit()
    slots = compliance.report_punctuality(
        world.grid_a.id, date(2026, 11, 16), date(2026, 11, 19), now=_utc("2026-11-21T12:00")
    )
    assert [s.status for s in slots] == ["on_time", "late"]


def test_record_chief_report_rules(world):
    user = world.users["worker_a"]
    now = _utc("2026-11-19T16:00")
    with pytest.raises(services.FieldworkError) as refused:
        services.record_chief_report(world.grid_a, date(2026, 11, 18), [], "x", user, now=now)
    assert refused.value.field == "report_day"  # a Wednesday
    with pytest.raises(services.FieldworkError) as refused:
        services.record_chief_report(world.grid_a, date(2026, 11, 19), [], "", user, now=now)
    assert refused.value.field == "note"  # nothing reported at all
    entry = services.record_entry(
        services.EntryValues(
            grid=world.grid_a,
            said_on=date(2026, 11, 18),
            category="economy",
            content="想开网店",
            disposition="settled",
            settled_note="介绍电商培训",
        ),
        user,
    )
    entry_ids = [e.id for e in services.unreported_entries(world.grid_a.id)]
    assert entry_ids == [entry.id]
    report = services.record_chief_report(world.grid_a, date(2026, 11, 19), entry_ids, "", user, now=now)
    db.session.commit()
    assert report.reporter_name == "员工worker_a" and report.chief_name == "员工chief_a"
    assert services.unreported_entries(world.grid_a.id) == [] and report.entries == [entry]
    with pytest.raises(services.FieldworkError) as refused:
        services.record_chief_report(world.grid_a, date(2026, 11, 19), [], "again", user, now=now)
    assert refused.value.field == "report_day"
    slot = compliance.report_punctuality(world.grid_a.id, date(2026, 11, 19), date(2026, 11, 19), now=now)[0]
    assert slot.status == "on_time"


def test_a_report_for_a_holiday_monday_answers_its_slot(world):
    report = services.record_chief_report(
        world.grid_a, date(2026, 10, 5), [], "本期无一般信息", world.users["worker_a"], now=_utc("2026-10-08T09:00")
    )
    assert report.report_day == date(2026, 10, 1)
