"""Who is due for a visit, and by when.

The rule (docs/domain.md; the frequencies are the county's, from app.registry.settings.visit_classes):
a class asks for `visits_required` visits per calendar month, quarter or year. The
visits of a period are spread evenly over it: the k-th of n visits is due by the day
that ends the k/n-th part of the period (a quarter of 92 days with 2 visits: the first
by day 46, the second by its last day). A household is *due* while the period has fewer
visits than required, *overdue* once the date of the next required visit has passed.

The class in force counts. The registers keep each class change as a dated population
event (a household correction whose before/after snapshots differ in `visit_class`),
so the class on any day is known. When the class in force today took effect inside
the current period (or the household was registered inside it), its visits are spread
over the rest of the period from that day; every visit in the period counts, whatever
the class was on the day of the visit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from app.adjustments.history import before_day, grid_then, was_in_grids
from app.core.timeutil import to_local
from app.extensions import db
from app.registry.people.models import Household, PopulationEvent
from app.registry.settings.visit_classes import VisitClassInfo, period_bounds, visit_classes
from app.visits.models import Visit


@dataclass(frozen=True)
class ClassChange:
    day: date
    before: int
    after: int


def class_changes(household_ids: list[int]) -> dict[int, list[ClassChange]]:
    """Each household's class changes in date order, from the population events."""
    changes: dict[int, list[ClassChange]] = {}
    if not household_ids:
        return changes
    for chunk_start in range(0, len(household_ids), 500):
        chunk = household_ids[chunk_start : chunk_start + 500]
        events = db.session.execute(
            select(
                PopulationEvent.household_id, PopulationEvent.occurred_on, PopulationEvent.before, PopulationEvent.after
            )
            .where(PopulationEvent.household_id.in_(chunk), PopulationEvent.kind == "corrected")
            .order_by(PopulationEvent.occurred_on, PopulationEvent.id)
        )
        for household_id, day, before, after in events:
            change = _class_change(day, before, after)
            if change is not None:
                changes.setdefault(household_id, []).append(change)
    return changes


def _class_change(day: date, before, after) -> ClassChange | None:
    """The class change a household correction records, if it changed the class."""
    old = (before or {}).get("visit_class") if isinstance(before, dict) else None
    new = (after or {}).get("visit_class") if isinstance(after, dict) else None
    if old is not None and new is not None and old != new:
        return ClassChange(day, int(old), int(new))
    return None


def household_grid_on(day: date):
    """The grid a household was in on `day`, as SQL: a split or bulk move that carried
    it later leaves it, for that day, in the grid it left (app/adjustments/history.py)."""
    return grid_then("household", Household.id, Household.grid_id, before_day(day))


def households_in_grids_on(grid_ids, day: date):
    """Households that were in one of these grids on `day` (see household_grid_on)."""
    return was_in_grids("household", Household.id, Household.grid_id, before_day(day), grid_ids)


def class_changes_in_grids(grid_ids, on: date | None = None) -> dict[int, tuple[int, list[ClassChange]]]:
    """{household id: (class now, its class changes in date order)} of the active
    households of these grids (on that day, when given: one carried into another grid
    later counts for the grid it was in) that ever changed class — one query, however
    many households the grids hold (class_changes takes them 500 at a time)."""
    in_grids = Household.grid_id.in_(grid_ids) if on is None else households_in_grids_on(grid_ids, on)
    found: dict[int, tuple[int, list[ClassChange]]] = {}
    events = db.session.execute(
        select(
            PopulationEvent.household_id,
            PopulationEvent.occurred_on,
            PopulationEvent.before,
            PopulationEvent.after,
            Household.visit_class,
        )
        .join(Household, Household.id == PopulationEvent.household_id)
        .where(in_grids, Household.status == "active", PopulationEvent.kind == "corrected")
        .order_by(PopulationEvent.occurred_on, PopulationEvent.id)
    )
    for household_id, day, before, after, current in events:
        change = _class_change(day, before, after)
        if change is not None:
            found.setdefault(household_id, (current, []))[1].append(change)
    return found


def class_on(current: int, changes: list[ClassChange], day: date) -> tuple[int, date | None]:
    """The class in force on `day` and the day it took effect (None: before any
    recorded change). A change dated `day` is in force from that day."""
    later = [c for c in changes if c.day > day]
    level = later[0].before if later else current
    earlier = [c for c in changes if c.day <= day]
    return level, (earlier[-1].day if earlier else None)


def nth_due_day(start: date, end: date, k: int, n: int) -> date:
    """The day by which the k-th of n visits spread over [start, end] is due."""
    length = (end - start).days + 1
    return start + timedelta(days=max(1, -(-k * length // n)) - 1)


@dataclass
class DueStatus:
    household: Household
    level: int
    class_info: VisitClassInfo
    period_start: date
    period_end: date
    spread_from: date
    done: int
    last_visit: date | None
    due_by: date | None
    state: str  # done | due | overdue

    @property
    def required(self) -> int:
        return self.class_info.visits_required

    @property
    def is_overdue(self) -> bool:
        return self.state == "overdue"


def status_of(
    household: Household,
    changes: list[ClassChange],
    visit_days: list[date],
    today: date,
    classes: dict[int, VisitClassInfo],
) -> DueStatus | None:
    """One household's standing on `today` (None when its class asks for no visits)."""
    level, since = class_on(household.visit_class, changes, today)
    info = classes.get(level)
    if info is None or info.visits_required <= 0:
        return None
    start, end = period_bounds(info.visit_period, today)
    spread_from = start
    if since is not None and since > spread_from:
        spread_from = since
    registered = to_local(household.created_at).date() if household.created_at else None
    if registered is not None and start < registered <= today:
        spread_from = max(spread_from, registered)
    done = sum(1 for d in visit_days if start <= d <= today)
    last = max((d for d in visit_days if d <= today), default=None)
    if done >= info.visits_required:
        return DueStatus(household, level, info, start, end, spread_from, done, last, None, "done")
    due_by = nth_due_day(spread_from, end, done + 1, info.visits_required)
    return DueStatus(
        household, level, info, start, end, spread_from, done, last, due_by, "overdue" if due_by < today else "due"
    )


def statuses(households: list[Household], today: date) -> list[DueStatus]:
    """The standing of each household that must be visited, in the given order."""
    classes = {c.level: c for c in visit_classes()}
    ids = [h.id for h in households]
    changes = class_changes(ids)
    # A year back is the longest period there is.
    days = visit_days(ids, date(today.year, 1, 1), today)
    found = []
    for household in households:
        status = status_of(household, changes.get(household.id, []), days.get(household.id, []), today, classes)
        if status is not None:
            found.append(status)
    return found


def visit_days(household_ids: list[int], start: date, end: date) -> dict[int, list[date]]:
    days: dict[int, list[date]] = {}
    for chunk_start in range(0, len(household_ids), 500):
        chunk = household_ids[chunk_start : chunk_start + 500]
        for household_id, day in db.session.execute(
            select(Visit.household_id, Visit.visited_on).where(
                Visit.household_id.in_(chunk), Visit.visited_on >= start, Visit.visited_on <= end
            )
        ):
            days.setdefault(household_id, []).append(day)
    return days


def last_visits(household_ids: list[int]) -> dict[int, date]:
    """The last visit ever of each household (for the lists; older than this year too)."""
    if not household_ids:
        return {}
    return dict(
        db.session.execute(
            select(Visit.household_id, func.max(Visit.visited_on))
            .where(Visit.household_id.in_(household_ids))
            .group_by(Visit.household_id)
        ).all()
    )


def _natural(text: str) -> tuple:
    """ "2号楼" < "10号楼"; "301" after "205" (rooms carry their floor)."""
    return tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", text or "") if part
    )


def walking_order(household: Household) -> tuple:
    """Building by building (in their number order), then unit, then room — which
    carries the floor; households without a building last, by address."""
    building = household.building
    if building is None:
        return (1, (), (), _natural(household.address_text), household.household_number)
    return (
        0,
        _natural(building.number),
        building.id,
        _natural(household.unit),
        _natural(household.room),
        household.household_number,
    )


def due_for_route(households: list[Household], today: date, within_days: int | None) -> list[DueStatus]:
    """The households to visit: due or overdue, the next visit due within
    `within_days` (None: all that are due), in walking order."""
    limit = today + timedelta(days=within_days) if within_days is not None else None
    chosen = [s for s in statuses(households, today) if s.state != "done" and (limit is None or s.due_by <= limit)]
    return sorted(chosen, key=lambda s: walking_order(s.household))
