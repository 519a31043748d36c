"""跟踪问效: the yearly rules that ask the town (办事处) to move a grid chief off the
post (劝退和调离本岗), counted per grid chief over a calendar year.

1. 首问: residents' complaints about the chief's first contact that the station found
   to hold (FirstContactComplaint.upheld), four or more in the year. Each one that
   holds already asks for training and a written training note.
2. 不满意: matters of the chief's grid rated 不满意 by the reporter, four or more in
   the year — a matter counts for whoever was the grid's chief on the day it was rated.
3. 满意度: both half-yearly satisfaction surveys of the year under the line (80 %) —
   a half counts for the chiefs of the grids under the line on its last day.

"Four or more" is the regulation's 四次以上 (以上 includes the number). Only records on
or after the county's in-use date count (reference.in_use_from): a half-year that
ended before it is not judged. The annual 100-point board's 70/60 lines (培训/辞退) are
a separate rule, applied in app.assessment.scoring."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from app.assessment import reference, surveys
from app.assessment.models import FirstContactComplaint
from app.assessment.scoring import Period
from app.core.timeutil import local_day_start_utc, to_local
from app.extensions import db
from app.matters.models import Matter
from app.org.models import Division, StaffAssignment, StaffMember, StaffRole

# 四次以上: four counts.
REPEAT_LIMIT = 4


@dataclass
class HalfResult:
    half: int
    grid: Division
    rate: object  # Decimal


@dataclass
class ChiefYear:
    staff: StaffMember
    grids: list[Division]
    complaints: list[FirstContactComplaint] = field(default_factory=list)
    unsatisfied: list[Matter] = field(default_factory=list)
    # Per half (1, 2): the chief's grids under the line at the half's end.
    low_halves: dict[int, list[HalfResult]] = field(default_factory=dict)

    @property
    def reasons(self) -> list[str]:
        """Each rule the year meets, in the regulation's order."""
        found = []
        if len(self.complaints) >= REPEAT_LIMIT:
            found.append(_("首问问题 %(n)d 次", n=len(self.complaints)))
        if len(self.unsatisfied) >= REPEAT_LIMIT:
            found.append(_("群众不满意 %(n)d 次", n=len(self.unsatisfied)))
        if self.low_halves.get(1) and self.low_halves.get(2):
            found.append(_("两次满意度调查均低于 %(line)d%%", line=reference.satisfaction_criticised_below()))
        return found

    @property
    def flagged(self) -> bool:
        return bool(self.reasons)

    @property
    def grid_names(self) -> str:
        return _("、").join(g.name for g in self.grids)


def counted_from(year: int) -> date | None:
    """The year's first day that counts: 1 January, or the in-use date within it (None:
    the year is wholly before it)."""
    return Period(year).counted_from(reference.in_use_from())


def _chief_assignments(grid_ids: list[int], first: date, last: date) -> list[StaffAssignment]:
    return list(
        db.session.scalars(
            select(StaffAssignment)
            .where(
                StaffAssignment.division_id.in_(grid_ids),
                StaffAssignment.role == StaffRole.GRID_CHIEF.value,
                StaffAssignment.start_date <= last,
                or_(StaffAssignment.end_date.is_(None), StaffAssignment.end_date >= first),
            )
            .options(joinedload(StaffAssignment.staff), joinedload(StaffAssignment.division))
        )
    )


def _chiefs_on(assignments: list[StaffAssignment], grid_id: int, day: date) -> list[int]:
    return [a.staff_id for a in assignments if a.division_id == grid_id and a.is_active_on(day)]


def chief_years(grids: list[Division], year: int, staff_ids: list[int] | None = None) -> list[ChiefYear]:
    """One row per grid chief of any of the grids during the counted part of the year
    (only `staff_ids` when given), with the records behind each rule."""
    first, last = counted_from(year), date(year, 12, 31)
    if first is None or not grids:
        return []
    grid_ids = [g.id for g in grids]
    assignments = _chief_assignments(grid_ids, first, last)
    if staff_ids is not None:
        assignments = [a for a in assignments if a.staff_id in staff_ids]
    rows: dict[int, ChiefYear] = {}
    for assignment in sorted(assignments, key=lambda a: (a.division.code, a.start_date)):
        row = rows.setdefault(assignment.staff_id, ChiefYear(assignment.staff, []))
        if assignment.division not in row.grids:
            row.grids.append(assignment.division)
    if not rows:
        return []

    for complaint in db.session.scalars(
        select(FirstContactComplaint)
        .where(
            FirstContactComplaint.staff_id.in_(rows),
            FirstContactComplaint.grid_id.in_(grid_ids),
            FirstContactComplaint.upheld.is_(True),
            FirstContactComplaint.received_on.between(first, last),
        )
        .order_by(FirstContactComplaint.received_on, FirstContactComplaint.id)
    ):
        rows[complaint.staff_id].complaints.append(complaint)

    # rated_at is UTC: the year's days in local time.
    next_year = date(year + 1, 1, 1)
    for matter in db.session.scalars(
        select(Matter)
        .where(
            Matter.grid_id.in_(grid_ids),
            Matter.rating == "unsatisfied",
            Matter.rated_at >= local_day_start_utc(first),
            Matter.rated_at < local_day_start_utc(next_year),
        )
        .order_by(Matter.rated_at, Matter.id)
    ):
        rated_on = to_local(matter.rated_at).date()
        for staff_id in _chiefs_on(assignments, matter.grid_id, rated_on):
            rows[staff_id].unsatisfied.append(matter)

    by_id = {g.id: g for g in grids}
    for half in (1, 2):
        end = surveys.half_end(year, half)
        if end < first:
            continue  # ended before the system was in use: not judged
        for grid_id, tally in surveys.tallies(grid_ids, year, half).items():
            if not tally.criticised:
                continue
            for staff_id in _chiefs_on(assignments, grid_id, end):
                rows[staff_id].low_halves.setdefault(half, []).append(HalfResult(half, by_id[grid_id], tally.rate))
    return sorted(rows.values(), key=lambda r: (not r.flagged, r.grids[0].code, r.staff.name))


def flagged_grids(grids: list[Division], year: int) -> dict[int, list[ChiefYear]]:
    """Per grid id, its chiefs flagged for the year (for the annual grid board)."""
    found: dict[int, list[ChiefYear]] = defaultdict(list)
    for row in chief_years(grids, year):
        if row.flagged:
            for grid in row.grids:
                found[grid.id].append(row)
    return found
