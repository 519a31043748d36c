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
from sqlalchemy import func, select

from app.core.timeutil import local_today, utcnow
from app.extensions import db
from app.matters import workdays
from app.org.models import GRID_WORKER_ROLES, Division, StaffAssignment, StaffMember
from app.patrols import reference
from app.patrols.models import ChiefReport, OpinionEntry, Patrol

WEEK = timedelta(days=7)
REPORT_WEEKDAYS = (0, 3)  # Monday, Thursday


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


def _assigned_days(assignments: list[StaffAssignment], first: date, last: date) -> int:
    days = set()
    for assignment in assignments:
        start = max(first, assignment.start_date)
        end = min(last, assignment.end_date or last)
        days.update(start + timedelta(days=i) for i in range((end - start).days + 1))
    return len(days)


def patrol_compliance(grid_ids, week_start_day: date, quota: int | None = None,
                      today: date | None = None) -> list[WorkerWeek]:
    """Each grid worker of the given grids in the week starting on `week_start_day`
    (a Monday): days assigned, patrols required and made. Three queries whatever
    the number of grids. `grid_ids` may be a list or a select of ids."""
    first = week_start(week_start_day)
    last = first + timedelta(days=6)
    quota = reference.patrols_per_week() if quota is None else quota
    today = today or local_today()
    assignments = list(db.session.scalars(
        select(StaffAssignment).where(
            StaffAssignment.division_id.in_(grid_ids), StaffAssignment.role.in_(GRID_WORKER_ROLES),
            StaffAssignment.start_date <= last,
            (StaffAssignment.end_date.is_(None)) | (StaffAssignment.end_date >= first))))
    if not assignments:
        return []
    by_pair: dict[tuple[int, int], list[StaffAssignment]] = defaultdict(list)
    for assignment in assignments:
        by_pair[(assignment.division_id, assignment.staff_id)].append(assignment)
    counts = {(grid_id, staff_id): count for grid_id, staff_id, count in db.session.execute(
        select(Patrol.grid_id, Patrol.staff_id, func.count()).where(
            Patrol.grid_id.in_({g for g, _s in by_pair}), Patrol.patrol_date.between(first, last))
        .group_by(Patrol.grid_id, Patrol.staff_id))}
    grids = {g.id: g for g in db.session.scalars(select(Division).where(Division.id.in_({g for g, _s in by_pair})))}
    staff = {s.id: s for s in db.session.scalars(select(StaffMember).where(StaffMember.id.in_({s for _g, s in by_pair})))}
    rows = []
    for (grid_id, staff_id), pair in by_pair.items():
        days = _assigned_days(pair, first, last)
        rows.append(WorkerWeek(grid=grids[grid_id], staff=staff[staff_id], week_start=first, days_assigned=days,
                               required=required_patrols(days, quota), patrols=counts.get((grid_id, staff_id), 0),
                               in_progress=today <= last))
    return sorted(rows, key=lambda r: (r.grid.code, r.staff.name, r.staff.id))


@dataclass
class ComplianceRow:
    grid: Division
    staff: StaffMember
    weeks: dict[date, WorkerWeek] = field(default_factory=dict)

    @property
    def behind_weeks(self) -> int:
        return sum(1 for w in self.weeks.values() if w.behind)


def compliance_table(grid_ids, weeks: list[date], quota: int | None = None,
                     today: date | None = None) -> list[ComplianceRow]:
    """One row per grid worker and grid, one cell per week (None: not assigned then)."""
    rows: dict[tuple[int, int], ComplianceRow] = {}
    for monday in weeks:
        for cell in patrol_compliance(grid_ids, monday, quota, today):
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
        if self.report is not None:
            return "on_time" if self.report.reported_at <= self.due_at else "late"
        return "missing" if (self.now or utcnow()) > self.due_at else "pending"

    @property
    def overdue(self) -> bool:
        return self.status in ("late", "missing")


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
    slots = report_slots(calendar, report_day - timedelta(days=21), report_day)
    return next(s.report_day for s in slots if report_day in s.covers)


def report_punctuality(grid_id: int, first: date, last: date, now: datetime | None = None,
                       calendar: workdays.Calendar | None = None) -> list[ReportSlot]:
    """The grid's report slots in the period with the report made for each (if any)."""
    calendar = calendar or workdays.load_calendar()
    now = now or utcnow()
    slots = report_slots(calendar, first, last)
    reports = {r.report_day: r for r in db.session.scalars(select(ChiefReport).where(
        ChiefReport.grid_id == grid_id, ChiefReport.report_day.between(first, last)))}
    for slot in slots:
        slot.now = now
        slot.report = next((reports[d] for d in slot.covers if d in reports), None)
    return slots


def open_report_days(grid_id: int, today: date, lookback_weeks: int = 2,
                     calendar: workdays.Calendar | None = None) -> list[date]:
    """Report days (slots) of the last weeks up to today that have no report yet."""
    first = week_start(today) - WEEK * lookback_weeks
    return [s.report_day for s in report_punctuality(grid_id, first, today, calendar=calendar)
            if s.report is None]


# --- Weekly summary of the 民情日志 ---------------------------------------------------------

@dataclass
class WeeklySummary:
    week_start: date
    counts: dict[tuple[str, str], int]
    entries: list[OpinionEntry]

    def count(self, category: str | None = None, disposition: str | None = None) -> int:
        return sum(n for (c, d), n in self.counts.items()
                   if (category is None or c == category) and (disposition is None or d == disposition))


def weekly_summary(grid_ids, monday: date) -> WeeklySummary:
    first = week_start(monday)
    entries = list(db.session.scalars(
        select(OpinionEntry).where(OpinionEntry.grid_id.in_(grid_ids),
                                   OpinionEntry.said_on.between(first, first + timedelta(days=6)))
        .order_by(OpinionEntry.said_on, OpinionEntry.id)))
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for entry in entries:
        counts[(entry.category, entry.disposition)] += 1
    return WeeklySummary(first, dict(counts), entries)
