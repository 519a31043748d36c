"""Field work on the dashboard: visit coverage (app.visits.services.visit_coverage_by_group) and
patrol compliance (app.patrols.compliance.patrol_compliance), for the whole scope and
for each unit one level down (a county's towns, a town's communities, a community's
grids), so the figures point at who is behind. The rules are those modules'; this
one only chooses the grids and adds them up."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select

from app.core.scoping import scope_condition, scoped_select
from app.core.timeutil import local_today
from app.extensions import db
from app.matters.indicators import Period, ratio
from app.org.models import Division, Level
from app.patrols.compliance import WorkerWeek, patrol_compliance, week_start
from app.visits.services import VisitCoverage, visit_coverage_by_group

BEHIND_LIST_LIMIT = 20


def _grid_ids(user, under: Division | None) -> list[int]:
    statement = select(Division.id).where(scope_condition(Division, user), Division.level == Level.GRID.value)
    if under is not None:
        statement = statement.where(Division.code.startswith(under.code, autoescape=True))
    return list(db.session.scalars(statement))


def _grid_ids_by_unit(user, chosen: list[Division]) -> list[list[int]]:
    """The visible grids under each unit, in one query (codes nest: a grid belongs
    to the unit whose code starts its own)."""
    grids = db.session.execute(
        select(Division.id, Division.code).where(scope_condition(Division, user), Division.level == Level.GRID.value)
    ).all()
    return [[grid_id for grid_id, code in grids if code.startswith(unit.code)] for unit in chosen]


def units(user, within: Division | None) -> list[Division]:
    """The divisions one level below the top of what the figures cover: the chosen
    division's children, else the children of the user's highest visible nodes;
    a grid is its own unit."""
    if within is not None:
        tops = [within]
    else:
        visible = list(
            db.session.scalars(scoped_select(Division, user).where(Division.status == "active").order_by(Division.code))
        )
        tops = [
            node
            for node in visible
            if not any(node.code.startswith(other.code) and node is not other for other in visible)
        ]
    result = []
    for top in tops:
        if top.level == Level.GRID.value:
            result.append(top)
            continue
        result.extend(
            db.session.scalars(
                scoped_select(Division, user)
                .where(Division.parent_id == top.id, Division.status == "active")
                .order_by(Division.code)
            )
        )
    return result


@dataclass
class UnitCoverage:
    unit: Division
    coverage: VisitCoverage

    @property
    def percent(self):
        return ratio(self.coverage.visited_households, self.coverage.households)


@dataclass
class VisitFigures:
    total: VisitCoverage
    units: list[UnitCoverage]

    @property
    def percent(self):
        return ratio(self.total.visited_households, self.total.households)


def visit_figures(user, period: Period, within: Division | None = None) -> VisitFigures:
    """Households visited at least once in the period, of those on the register."""
    span = (period.first_day, period.last_day)
    chosen = units(user, within)
    # One pass over the visits for all units (visit_coverage_by_group), not three
    # queries per unit.
    coverage = visit_coverage_by_group(_grid_ids_by_unit(user, chosen), span)
    rows = [UnitCoverage(unit, unit_coverage) for unit, unit_coverage in zip(chosen, coverage)]
    # The units split the scope's grids between them (a household and its visits
    # belong to one grid), so the whole is their sum: no second pass over the scope.
    total = VisitCoverage(
        sum(row.coverage.households for row in rows),
        sum(row.coverage.visited_households for row in rows),
        sum(row.coverage.visits for row in rows),
    )
    return VisitFigures(total, rows)


@dataclass
class UnitPatrols:
    unit: Division
    workers: int = 0
    met: int = 0
    patrols: int = 0
    required: int = 0

    @property
    def percent(self):
        return ratio(self.met, self.workers)


@dataclass
class PatrolFigures:
    week_start: date
    total: UnitPatrols
    units: list[UnitPatrols]
    behind: list[WorkerWeek] = field(default_factory=list)

    @property
    def week_end(self) -> date:
        return self.week_start + timedelta(days=6)


def last_ended_week(period: Period, today: date | None = None) -> date:
    """The Monday of the last week (Monday–Sunday) that has ended by the period's end
    and by today: a week still running is not yet judged."""
    today = today or local_today()
    last = min(period.last_day, today)
    monday = week_start(last)
    if last < monday + timedelta(days=6) or today <= monday + timedelta(days=6):
        monday -= timedelta(days=7)
    return monday


def patrol_figures(user, period: Period, within: Division | None = None, today: date | None = None) -> PatrolFigures:
    """Grid workers who made their weekly patrols (the quota, pro rata for part weeks)
    in the last ended week of the period."""
    today = today or local_today()
    monday = last_ended_week(period, today)
    weeks = patrol_compliance(_grid_ids(user, within), monday, today=today)
    unit_rows = [UnitPatrols(unit) for unit in units(user, within)]
    total = UnitPatrols(within)
    for week in weeks:
        targets = [total] + [row for row in unit_rows if week.grid.code.startswith(row.unit.code)]
        for row in targets:
            row.workers += 1
            row.met += week.patrols >= week.required
            row.patrols += week.patrols
            row.required += week.required
    behind = [week for week in weeks if week.behind][:BEHIND_LIST_LIMIT]
    return PatrolFigures(monday, total, unit_rows, behind)
