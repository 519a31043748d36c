"""How grid workers keep the rules of field work, computed from the records.

Patrol quota (002 篇九: "每周巡查不少于3次"): weeks run Monday to Sunday (local
dates). Each full- or part-time grid worker assigned to a grid owes
`reference.patrols_per_week()` patrols of that grid a week. A worker assigned for
only part of a week (starting or leaving mid-week) owes the quota in proportion to
the days assigned, rounded up: ceil(3 × days / 7) — a worker starting on a Thursday
(4 days) owes 2, one assigned on the Sunday only owes 1. A week still running is
"in progress", not yet missed.

Reports to the grid chief (002 篇二: "一般信息每周一、四主动报网格长"): every Monday and
Thursday is a report day. Its report is due by the end of that day (24:00, as the
matters loop's deadlines) when it is a working day; a report day that falls on a
holiday or weekend is due at the end of the next working day (app/matters/workdays.py,
the same calendar as the matters loop). Report days that fall due on the same working
day (Monday and Thursday inside one long holiday) are answered by one report, the
slot named after the first of them. A report saved after its due time is late; a
slot whose due time passed with no report is missing: both are flagged overdue.
A report entered afterwards for an old report day (补录) keeps its real entry time,
so its slot turns from missing to late, never to on time.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from app.core.timeutil import local_today, utcnow
from app.extensions import db
from app.matters import workdays
from app.org.models import GRID_WORKER_ROLES, Division, StaffAssignment, StaffMember
from app.patrols import reference
from app.patrols.models import ChiefReport, OpinionEntry, Patrol

WEEK = timedelta(days=7)
REPORT_WEEKDAYS = (0, 3)  # Monday, Thursday
# The longest a report slot runs (report days merged by a long holiday): how far back
# slots are laid out to find the one a day belongs to.
SLOT_LOOKBACK = timedelta(days=21)


def week_start(day: date) -> date:
    """The Monday of the week holding `day`."""
    return day - timedelta(days=day.weekday())


# --- Patrol compliance ----------------------------------------------------------------------


@dataclass
class WorkerWeek:
    grid: Division
    staff: StaffMember
    week_start: date
    days_assigned: int
    required: int
    patrols: int
    in_progress: bool

    @property
    def week_end(self) -> date:
        return self.week_start + timedelta(days=6)

    @property
    def short(self) -> int:
        return max(0, self.required - self.patrols)

    @property
    def behind(self) -> bool:
        """Below the quota in a week that has ended."""
        return self.short > 0 and not self.in_progress


def required_patrols(days_assigned: int, quota: int) -> int:
    return math.ceil(quota * days_assigned / 7) if days_assigned > 0 else 0


def _assigned_days(spans: list[tuple[date, date | None]], first: date, last: date) -> int:
    """Days of [first, last] inside any of the assignment spans (start, end; None: still
    assigned); days two spans share count once. Arithmetic on spans, not sets of
    days: a year's board asks this for every worker and week."""
    if len(spans) == 1:  # the usual case, and the same sum as the loop below
        start, end = spans[0]
        return max(0, (min(last, end or last) - max(first, start)).days + 1)
    days, counted_to = 0, first - timedelta(days=1)
    for start, end in sorted((max(first, start), min(last, end or last)) for start, end in spans):
        start = max(start, counted_to + timedelta(days=1))
        if end >= start:
            days += (end - start).days + 1
            counted_to = end
    return days


def patrol_weeks(
    grid_ids, first_day: date, last_day: date, quota: int | None = None, today: date | None = None
) -> dict[date, list[WorkerWeek]]:
    """Each grid worker of the given grids in every week from the one holding
    `first_day` to the one holding `last_day`, by Monday: days assigned, patrols
    required and made. Four queries whatever the number of weeks and grids, so that a
    year (the annual assessment) costs what a week costs. `grid_ids` may be a list or
    a select of ids. This is the definition; patrol_compliance is one week of it."""
    first_monday, last_monday = week_start(first_day), week_start(last_day)
    if last_monday < first_monday:
        return {}
    mondays = [first_monday + WEEK * i for i in range((last_monday - first_monday).days // 7 + 1)]
    first, last = first_monday, last_monday + timedelta(days=6)
    quota = reference.patrols_per_week() if quota is None else quota
    today = today or local_today()
    weeks: dict[date, list[WorkerWeek]] = {monday: [] for monday in mondays}
    assignments = db.session.execute(
        select(
            StaffAssignment.division_id, StaffAssignment.staff_id, StaffAssignment.start_date, StaffAssignment.end_date
        ).where(
            StaffAssignment.division_id.in_(grid_ids),
            StaffAssignment.role.in_(GRID_WORKER_ROLES),
            StaffAssignment.start_date <= last,
            (StaffAssignment.end_date.is_(None)) | (StaffAssignment.end_date >= first),
        )
    ).all()
    if not assignments:
        return weeks
    # A worker owes a week when one of their assignments overlaps it (starts by its
    # Sunday, ends on or after its Monday): the weeks from the one holding the start
    # to the one holding the end.
    assigned: dict[date, dict[tuple[int, int], list[tuple[date, date | None]]]] = {
        monday: defaultdict(list) for monday in mondays
    }
    for grid_id, staff_id, start, end in assignments:
        monday = max(first_monday, week_start(start))
        until = last_monday if end is None else min(last_monday, week_start(end))
        while monday <= until:
            assigned[monday][(grid_id, staff_id)].append((start, end))
            monday += WEEK
    grid_set = {grid_id for grid_id, _staff_id, _start, _end in assignments}
    staff_set = {staff_id for _grid_id, staff_id, _start, _end in assignments}
    # The week of a patrol as an index into `mondays`, by a CASE over the weeks'
    # Sundays (the dates are local calendar days, Monday to Sunday, as week_start):
    # the same on SQLite and PostgreSQL, where date functions differ.
    week_index = case(
        *[(Patrol.patrol_date <= monday + timedelta(days=6), index) for index, monday in enumerate(mondays)]
    ).label("week_index")
    counts = {
        (grid_id, staff_id, index): count
        for grid_id, staff_id, index, count in db.session.execute(
            select(Patrol.grid_id, Patrol.staff_id, week_index, func.count())
            .where(Patrol.grid_id.in_(grid_set), Patrol.patrol_date.between(first, last))
            .group_by(Patrol.grid_id, Patrol.staff_id, week_index)
        )
    }
    grids = {g.id: g for g in db.session.scalars(select(Division).where(Division.id.in_(grid_set)))}
    staff = {s.id: s for s in db.session.scalars(select(StaffMember).where(StaffMember.id.in_(staff_set)))}
    # Every week lists its workers in the same order: sorted once.
    order = sorted(
        {(grid_id, staff_id) for grid_id, staff_id, _start, _end in assignments},
        key=lambda pair: (grids[pair[0]].code, staff[pair[1]].name, pair[1]),
    )
    for index, monday in enumerate(mondays):
        sunday = monday + timedelta(days=6)
        held = assigned[monday]
        rows = weeks[monday]
        for grid_id, staff_id in order:
            spans = held.get((grid_id, staff_id))
            if spans is None:
                continue
            days = _assigned_days(spans, monday, sunday)
            rows.append(
                WorkerWeek(
                    grid=grids[grid_id],
                    staff=staff[staff_id],
                    week_start=monday,
                    days_assigned=days,
                    required=required_patrols(days, quota),
                    patrols=counts.get((grid_id, staff_id, index), 0),
                    in_progress=today <= sunday,
                )
            )
    return weeks


def patrol_compliance(
    grid_ids, week_start_day: date, quota: int | None = None, today: date | None = None
) -> list[WorkerWeek]:
    """Each grid worker of the given grids in the week holding `week_start_day`
    (patrol_weeks for one week)."""
    monday = week_start(week_start_day)
    return patrol_weeks(grid_ids, monday, monday, quota, today)[monday]


@dataclass
class ComplianceRow:
    grid: Division
    staff: StaffMember
    weeks: dict[date, WorkerWeek] = field(default_factory=dict)

    @property
    def behind_weeks(self) -> int:
        return sum(1 for w in self.weeks.values() if w.behind)


def compliance_table(
    grid_ids, weeks: list[date], quota: int | None = None, today: date | None = None
) -> list[ComplianceRow]:
    """One row per grid worker and grid, one cell per week (None: not assigned then)."""
    if not weeks:
        return []
    # One run of weeks from the first to the last asked for (four queries in all).
    cells = patrol_weeks(grid_ids, min(weeks), max(weeks), quota, today)
    rows: dict[tuple[int, int], ComplianceRow] = {}
    for monday in weeks:
        for cell in cells[week_start(monday)]:
            row = rows.setdefault((cell.grid.id, cell.staff.id), ComplianceRow(cell.grid, cell.staff))
            row.weeks[monday] = cell
    return sorted(rows.values(), key=lambda r: (r.grid.code, r.staff.name, r.staff.id))


# --- Reports to the grid chief --------------------------------------------------------------


def is_report_day(day: date) -> bool:
    return day.weekday() in REPORT_WEEKDAYS


def due_day(calendar: workdays.Calendar, report_day: date) -> date:
    """The report day itself when worked, else the next working day."""
    return report_day if calendar.is_workday(report_day) else calendar.add_workdays(report_day, 1)


@dataclass
class ReportSlot:
    report_day: date
    due_day: date
    covers: list[date]
    report: ChiefReport | None = None
    now: datetime | None = None

    @property
    def due_at(self) -> datetime:
        return workdays.end_of_day_utc(self.due_day)

    @property
    def status(self) -> str:
        """on_time | late | missing | pending."""
        return slot_status(
            self.report.reported_at if self.report is not None else None, self.due_at, self.now or utcnow()
        )

    @property
    def overdue(self) -> bool:
        return self.status in ("late", "missing")


def slot_status(reported_at: datetime | None, due_at: datetime, now: datetime) -> str:
    """A slot's status from when its report was saved (None: no report yet), its due
    time and the time it is judged at: on_time | late | missing | pending. The one
    rule, used by ReportSlot and by the assessment's many-grid reading of the slots."""
    if reported_at is not None:
        return "on_time" if reported_at <= due_at else "late"
    return "missing" if now > due_at else "pending"


REPORT_STATUSES = {"on_time": _l("按时"), "late": _l("逾期报告"), "missing": _l("未报告"), "pending": _l("未到期")}


def report_slots(calendar: workdays.Calendar, first: date, last: date) -> list[ReportSlot]:
    """The report slots whose report days fall in [first, last], in order."""
    slots: dict[date, ReportSlot] = {}
    day = first
    while day <= last:
        if is_report_day(day):
            due = due_day(calendar, day)
            if due in slots:
                slots[due].covers.append(day)
            else:
                slots[due] = ReportSlot(report_day=day, due_day=due, covers=[day])
        day += timedelta(days=1)
    return sorted(slots.values(), key=lambda s: s.report_day)


def slot_day(report_day: date, calendar: workdays.Calendar | None = None) -> date:
    """The report day naming the slot `report_day` belongs to (the first report day
    falling due on the same working day)."""
    calendar = calendar or workdays.load_calendar()
    slots = report_slots(calendar, report_day - SLOT_LOOKBACK, report_day)
    return next(s.report_day for s in slots if report_day in s.covers)


def report_punctuality(
    grid_id: int, first: date, last: date, now: datetime | None = None, calendar: workdays.Calendar | None = None
) -> list[ReportSlot]:
    """The grid's report slots in the period with the report made for each (if any)."""
    calendar = calendar or workdays.load_calendar()
    now = now or utcnow()
    # A slot may begin before `first` (Thursday 10-01 and Monday 10-05 in the National
    # Day holiday are one slot named 10-01, as slot_day names it when a report is
    # saved): laid out from as far back as slot_day looks, so that its report is found.
    slots = [
        s for s in report_slots(calendar, first - SLOT_LOOKBACK, last) if any(first <= d <= last for d in s.covers)
    ]
    reports = {
        r.report_day: r
        for r in db.session.scalars(
            select(ChiefReport)
            .where(
                ChiefReport.grid_id == grid_id,
                ChiefReport.report_day.between(slots[0].report_day if slots else first, last),
            )
            # The reports page shows how many entries each report carried.
            .options(selectinload(ChiefReport.entries))
        )
    }
    for slot in slots:
        slot.now = now
        slot.report = next((reports[d] for d in slot.covers if d in reports), None)
    return slots


def open_report_days(
    grid_id: int, today: date, lookback_weeks: int = 2, calendar: workdays.Calendar | None = None
) -> list[date]:
    """Report days (slots) of the last weeks up to today that have no report yet."""
    first = week_start(today) - WEEK * lookback_weeks
    return [s.report_day for s in report_punctuality(grid_id, first, today, calendar=calendar) if s.report is None]


# --- Weekly summary of the 民情日志 ---------------------------------------------------------


@dataclass
class WeeklySummary:
    week_start: date
    counts: dict[tuple[str, str], int]
    entries: list[OpinionEntry]

    def count(self, category: str | None = None, disposition: str | None = None) -> int:
        return sum(
            n
            for (c, d), n in self.counts.items()
            if (category is None or c == category) and (disposition is None or d == disposition)
        )


def weekly_summary(grid_ids, monday: date) -> WeeklySummary:
    first = week_start(monday)
    entries = list(
        db.session.scalars(
            select(OpinionEntry)
            .where(OpinionEntry.grid_id.in_(grid_ids), OpinionEntry.said_on.between(first, first + timedelta(days=6)))
            # The summary lists each entry's grid and matter: loaded here, not one per entry.
            .options(selectinload(OpinionEntry.grid), selectinload(OpinionEntry.matter))
            .order_by(OpinionEntry.said_on, OpinionEntry.id)
        )
    )
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for entry in entries:
        counts[(entry.category, entry.disposition)] += 1
    return WeeklySummary(first, dict(counts), entries)
