"""Which grid a carried record belonged to on a day, in SQL.

A split, merge or bulk move carries households and open work (matters, task targets,
inspections still to rectify) into other grids and writes a CarriedRecord for each. Questions about a past
period — how many matters of this grid fell overdue in March, which disputes it
screened, which inspections it had — must see such a record in the grid it was in on
the day in question. `grid_then` gives that grid as a column expression;
`was_in_grids` filters rows to those in the given grids on their day, using the
record's own grid column (indexed) for everything that was never carried."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import aliased

from app.adjustments.models import CarriedRecord

# Given the carry table (aliased), "the day in question is before this carry took
# effect": for a date column `carry.effective_on > day`, for a recorded time
# `carry.effective_from > at`.
BeforeCarry = Callable[[Any], ColumnElement[bool]]


def before_day(day: Any) -> BeforeCarry:
    return lambda carry: carry.effective_on > day


def before_time(at: Any) -> BeforeCarry:
    return lambda carry: carry.effective_from > at


def grid_then(kind: str, record_id: Any, grid_id: Any, before: BeforeCarry) -> ColumnElement[int]:
    """The grid the record was in on the day: the grid it left by the first carry that
    took effect after that day, else the grid it is in now."""
    carry = aliased(CarriedRecord)
    left_later = (
        select(carry.from_grid_id)
        .where(carry.kind == kind, carry.record_id == record_id, before(carry))
        .order_by(carry.effective_on, carry.id)
        .limit(1)
        .scalar_subquery()
    )
    return func.coalesce(left_later, grid_id)


def was_in_grids(kind: str, record_id: Any, grid_id: Any, before: BeforeCarry, grid_ids: Any) -> ColumnElement[bool]:
    """The record was in one of `grid_ids` (a list or a subquery of ids) on its day."""
    ever_carried_out = select(CarriedRecord.record_id).where(
        CarriedRecord.kind == kind, CarriedRecord.from_grid_id.in_(grid_ids)
    )
    return and_(
        or_(grid_id.in_(grid_ids), record_id.in_(ever_carried_out)),
        grid_then(kind, record_id, grid_id, before).in_(grid_ids),
    )
