"""今日工作: what a grid worker or a station has to do, for the start page.

Nothing here decides a rule: each count comes from the service that owns it (visit
schedule, patrol quota, report days, task and rectification status), only gathered
per grid of the user's scope. The cost stays a handful of queries whatever the number
of grids (a station has up to about nine), plus one per grid for its report days.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import selectinload

from app.auth.roles import Permission, holds
from app.core.scoping import scoped_select, visible_division_ids
from app.extensions import db
from app.org.models import Division
from app.org.services import visible_grids

# Households whose next visit falls due within this many days are listed with the overdue ones.
DUE_WITHIN_DAYS = 7


@dataclass
class GridWork:
    grid: Division
    visits_overdue: int = 0
    visits_due: int = 0
    # WorkerWeek rows of this week still short of the quota.
    patrols_short: list = field(default_factory=list)
    report_days: list[date] = field(default_factory=list)
    rectifications_open: int = 0
    rectifications_overdue: int = 0

    @property
    def report_days_text(self) -> str:
        return ", ".join(d.strftime("%m-%d") for d in self.report_days)

    @property
    def empty(self) -> bool:
        return not (
            self.visits_overdue or self.visits_due or self.patrols_short or self.report_days or self.rectifications_open
        )


@dataclass
class Worklist:
    grids: list[GridWork]
    tasks_open: int = 0  # not completed, overdue ones included
    tasks_overdue: int = 0
    due_within: int = DUE_WITHIN_DAYS

    @property
    def empty(self) -> bool:
        return not self.tasks_open and all(g.empty for g in self.grids)


def applies_to(user) -> bool:
    return holds(user, Permission.HAS_WORKLIST)


def worklist(user, today: date) -> Worklist | None:
    """The user's work for `today` (None for roles without the panel)."""
    if not applies_to(user):
        return None
    grids = visible_grids(user)
    work = {g.id: GridWork(g) for g in grids}
    if work:
        _visits(user, work, today)
        _patrols(user, work, today)
        _reports(work, today)
        _rectifications(user, work, today)
    result = Worklist(list(work.values()))
    result.tasks_open, result.tasks_overdue = _tasks(user, today)
    return result


def _visits(user, work: dict[int, GridWork], today: date) -> None:
    from app.registry.people.models import Household
    from app.visits import schedule

    # All grids' households at once: due_for_route costs the same few queries for one
    # grid or nine. The building is loaded because the route order reads it.
    households = list(
        db.session.scalars(
            scoped_select(Household, user)
            .where(Household.grid_id.in_(list(work)), Household.status == "active")
            .options(selectinload(Household.building))
        )
    )
    for status in schedule.due_for_route(households, today, DUE_WITHIN_DAYS):
        row = work[status.household.grid_id]
        if status.is_overdue:
            row.visits_overdue += 1
        else:
            row.visits_due += 1


def _patrols(user, work: dict[int, GridWork], today: date) -> None:
    from app.patrols import compliance

    for week in compliance.patrol_compliance(list(work), today, today=today):
        # A grid worker sees their own quota, not their colleagues'; a station sees all.
        if not holds(user, Permission.SEE_COLLEAGUES_ROWS) and week.staff.user_id != user.id:
            continue
        if week.short:
            work[week.grid.id].patrols_short.append(week)


def _reports(work: dict[int, GridWork], today: date) -> None:
    from app.matters import workdays
    from app.patrols import compliance

    calendar = workdays.load_calendar()
    for grid_id, row in work.items():
        row.report_days = compliance.open_report_days(grid_id, today, calendar=calendar)


def _rectifications(user, work: dict[int, GridWork], today: date) -> None:
    from app.supervision import inspections
    from app.supervision.models import Inspection, Rectification

    open_ones = db.session.execute(
        scoped_select(Rectification, user)
        .join(Inspection, Inspection.id == Rectification.inspection_id)
        .where(Rectification.status == "open", Inspection.grid_id.in_(list(work)))
        .with_only_columns(Inspection.grid_id, Rectification)
    ).all()
    for grid_id, rectification in open_ones:
        row = work[grid_id]
        row.rectifications_open += 1
        if inspections.rectification_status(rectification, today) == "overdue":
            row.rectifications_overdue += 1


def _tasks(user, today: date) -> tuple[int, int]:
    """Targets of tasks from above (as the received list shows them) not yet completed,
    and how many of those are overdue; withdrawn tasks are left out by target_status."""
    from app.supervision import tasks
    from app.supervision.models import AssignedTask, TaskTarget

    ids = visible_division_ids(user)
    targets = db.session.scalars(
        scoped_select(TaskTarget, user)
        .join(AssignedTask, AssignedTask.id == TaskTarget.task_id)
        .where(
            TaskTarget.division_id.in_(ids),
            AssignedTask.issuing_division_id.not_in(ids),
            TaskTarget.completed_on.is_(None),
        )
        .options(selectinload(TaskTarget.task))
    ).all()
    found = defaultdict(int)
    for target in targets:
        found[tasks.target_status(target, today)] += 1
    return found["open"] + found["overdue"], found["overdue"]
