"""A grid's open work and current lettings, as the split, the bulk move and the handover
pack all read them: matters still in the loop, task targets not reported done, rentals
not ended before a day."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, Select, or_, select

from app.matters.models import Matter
from app.matters.reference import OPEN_STATUSES
from app.registry.housing.models import Rental
from app.supervision.models import AssignedTask, TaskTarget


def open_matters(grid_ids: list[int]) -> Select:
    return select(Matter).where(Matter.grid_id.in_(grid_ids), Matter.status.in_(OPEN_STATUSES))


def open_task_targets(grid_ids: list[int]) -> Select:
    """Targets of the grids not yet reported done, of tasks not withdrawn."""
    return (
        select(TaskTarget)
        .join(AssignedTask)
        .where(
            TaskTarget.division_id.in_(grid_ids),
            TaskTarget.completed_on.is_(None),
            AssignedTask.withdrawn_at.is_(None),
        )
    )


def rental_current_on(day: date) -> ColumnElement[bool]:
    """A rental not ended before `day` (one that ended is history)."""
    return or_(Rental.end_date.is_(None), Rental.end_date >= day)
