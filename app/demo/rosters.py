"""This month's duty roster for every demo community, so the station's roster page,
the public grid page and `flask print roster --period month` have one to show."""

from __future__ import annotations

import random

from app.core.timeutil import local_today
from app.org.models import Division, StaffRole
from app.org.services import active_assignments
from app.printing import publicity

WEEKEND_NOTE = "周末值班，节假日带班领导在岗"


def load_demo_rosters(communities: list[Division], rng: random.Random) -> None:
    """Two grid chiefs on duty each working day, one on weekends, taken in turn."""
    start, end = publicity.period_bounds("month", local_today())
    for community in communities:
        grid_ids = [grid.id for grid in community.children]
        chiefs = sorted(
            {a.staff for a in active_assignments(grid_ids, start) if a.role == StaffRole.GRID_CHIEF.value},
            key=lambda staff: staff.id,
        )
        rng.shuffle(chiefs)
        on_duty, notes, turn = {}, {}, 0
        for day in publicity.days_of(start, end):
            weekend = day.weekday() >= 5
            count = 1 if weekend else 2
            on_duty[day] = {chiefs[(turn + k) % len(chiefs)].id for k in range(count)}
            turn += count
            if weekend:
                notes[day] = WEEKEND_NOTE
        publicity.save_roster(community, "month", start, on_duty, notes)
