"""Indicators of the matters loop (事件指标), for any scope and period, per grid,
community (村/社区) or town (镇/街道).

The period is a range of local (Beijing) days, both ends included. Merged
duplicates (已合并) never count: they are counted in the matter they joined. Each
matter counts in the period by when it was reported (its created time; for a 12345
work order, the call), except "due" and "closed on time", which go by the deadline:

- 上报数 reported: matters reported in the period.
- 应办结数 due: matters whose handling deadline (handle_due_at, extensions included)
  falls in the period (a deadline is the end of a working day, 24:00, and belongs to
  that day); a matter handled on the spot has no handling deadline and is due when it
  was closed. Counted as of now: a deadline later in the period counts.
- 结案数 closed: matters reported in the period that are closed now (结案).
- 按期办结数 closed on time: due matters that are closed and were closed on time
  (fed back by the handling deadline and passed the check; on the spot counts as
  on time).
- 按期办结率 = 按期办结数 / 应办结数 (the usual 按期办结率 = 按期办结数 / 应办结数).
- 按时核实率 = matters reported in the period and verified (受理, 不予受理, escalated
  or handled on the spot) by their verification deadline / those verified.
- 返工率 = matters reported in the period, closed, that were sent back for rework
  (返工) at least once / 结案数.
- 超期数 overdue: matters reported in the period that are open now past the
  deadline of the stage they are in (as the 已超期 inbox), or closed late.
- 延期次数 extensions: approved extensions of the matters reported in the period.
- 迟报数 late: matters reported in the period later after they happened than their
  urgency allows (reference.late_report_hours; decided when reported, and only for
  matters whose occurrence time was given).
- 满意率 = matters reported in the period rated 满意 or 基本满意 / those rated.

A rate whose denominator is 0 is None (shown "—"); rates are percentages rounded
half up to one decimal.

Counting is three GROUP BY grid queries (the reported cohort through the index on
grid and created time; the due cohort through the index on grid and handling
deadline, and the closing time for matters handled on the spot); grids are then
rolled up to communities and towns in Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import selectinload

from app.core.scoping import scope_condition, scoped_select
from app.core.timeutil import local_day_start_utc, utcnow
from app.extensions import db
from app.matters import reference
from app.matters.models import Matter
from app.org.models import Division, Level
from app.org.services import grid_label

LEVELS = {"grid": _l("按网格"), "community": _l("按村（社区）"), "town": _l("按镇（街道）")}
UNIT_HEADERS = {"grid": _l("网格"), "community": _l("村（社区）"), "town": _l("镇（街道）")}
SATISFIED = ("satisfied", "basically")


@dataclass(frozen=True)
class Period:
    first_day: date
    last_day: date

    @property
    def start(self) -> datetime:
        return local_day_start_utc(self.first_day)

    @property
    def end(self) -> datetime:
        """The first moment after the period (naive UTC)."""
        return local_day_start_utc(self.last_day + timedelta(days=1))


def ratio(numerator: int, denominator: int) -> Decimal | None:
    """A percentage rounded half up to one decimal; None when nothing to divide by."""
    if not denominator:
        return None
    return (Decimal(numerator * 100) / Decimal(denominator)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def percent(value: Decimal | None) -> str:
    return "—" if value is None else f"{value}%"


@dataclass
class Counts:
    reported: int = 0
    due: int = 0
    closed: int = 0
    on_time: int = 0
    verified: int = 0
    verified_on_time: int = 0
    reworked: int = 0
    overdue: int = 0
    extensions: int = 0
    rated: int = 0
    satisfied: int = 0
    late: int = 0

    def add(self, other: Counts) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    @property
    def on_time_rate(self) -> Decimal | None:
        return ratio(self.on_time, self.due)

    @property
    def verify_rate(self) -> Decimal | None:
        return ratio(self.verified_on_time, self.verified)

    @property
    def rework_rate(self) -> Decimal | None:
        return ratio(self.reworked, self.closed)

    @property
    def satisfaction_rate(self) -> Decimal | None:
        return ratio(self.satisfied, self.rated)


@dataclass
class IndicatorRow:
    code: str
    label: str
    counts: Counts = field(default_factory=Counts)


@dataclass
class IndicatorTable:
    period: Period
    level: str
    rows: list[IndicatorRow]
    total: Counts


def count_where(condition):
    """SQL: how many rows of the group meet the condition (0 for none)."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def overdue_condition(now: datetime):
    """超期: open now past the deadline of the stage it is in (as the 已超期 inbox), or
    closed late. The one definition, shared with the assessment's scoring rule."""
    return or_(
        and_(Matter.status.in_(reference.OPEN_STATUSES), Matter.due_at < now),
        and_(Matter.status == "closed", Matter.closed_on_time.is_(False)),
    )


def per_grid(user, period: Period, within: Division | None = None, now: datetime | None = None) -> dict[int, Counts]:
    """Counts per grid id for the matters the user may see (under `within`)."""
    now = now or utcnow()
    start, end = period.start, period.end
    base = [scope_condition(Matter, user), Matter.status != "merged"]
    if within is not None:
        base.append(
            Matter.grid_id.in_(select(Division.id).where(Division.code.startswith(within.code, autoescape=True)))
        )
    closed = Matter.status == "closed"
    reported = (
        select(
            Matter.grid_id,
            func.count(Matter.id),
            count_where(closed),
            count_where(Matter.verified_at.is_not(None)),
            count_where(
                and_(
                    Matter.verified_at.is_not(None),
                    Matter.verify_due_at.is_not(None),
                    Matter.verified_at <= Matter.verify_due_at,
                )
            ),
            count_where(and_(closed, Matter.rework_count > 0)),
            count_where(overdue_condition(now)),
            func.coalesce(func.sum(Matter.extension_count), 0),
            count_where(Matter.rating.is_not(None)),
            count_where(Matter.rating.in_(SATISFIED)),
            count_where(Matter.reported_late.is_(True)),
        )
        .where(*base, Matter.created_at >= start, Matter.created_at < end)
        .group_by(Matter.grid_id)
    )
    # Due: by the handling deadline, or (handled on the spot) by the closing time. Two
    # queries rather than one OR, so each runs on its own index. A deadline is the end
    # of a day (24:00 is the next day's 00:00) and belongs to the day it ends: (start, end].
    on_time = count_where(and_(closed, Matter.closed_on_time.is_(True)))
    due_by_deadline = (
        select(Matter.grid_id, func.count(Matter.id), on_time)
        .where(*base, Matter.handle_due_at > start, Matter.handle_due_at <= end)
        .group_by(Matter.grid_id)
    )
    due_on_the_spot = (
        select(Matter.grid_id, func.count(Matter.id), on_time)
        .where(*base, Matter.handle_due_at.is_(None), Matter.closed_at >= start, Matter.closed_at < end)
        .group_by(Matter.grid_id)
    )
    result: dict[int, Counts] = {}
    for grid_id, *values in db.session.execute(reported):
        (
            n_reported,
            n_closed,
            n_verified,
            n_verified_on_time,
            n_reworked,
            n_overdue,
            n_extensions,
            n_rated,
            n_satisfied,
            n_late,
        ) = map(int, values)
        result[grid_id] = Counts(
            reported=n_reported,
            closed=n_closed,
            verified=n_verified,
            verified_on_time=n_verified_on_time,
            reworked=n_reworked,
            overdue=n_overdue,
            extensions=n_extensions,
            rated=n_rated,
            satisfied=n_satisfied,
            late=n_late,
        )
    for statement in (due_by_deadline, due_on_the_spot):
        for grid_id, n_due, n_on_time in db.session.execute(statement):
            counts = result.setdefault(grid_id, Counts())
            counts.due += int(n_due)
            counts.on_time += int(n_on_time)
    return result


def _grids(user, within: Division | None, with_data: set[int]) -> list[Division]:
    """The user's active grids (under `within`), and any other grid that has counts
    (a grid retired since), each with its community and town loaded."""
    statement = scoped_select(Division, user).where(Division.level == Level.GRID.value)
    if within is not None:
        statement = statement.where(Division.code.startswith(within.code, autoescape=True))
    statement = statement.where(
        or_(Division.status == "active", Division.id.in_(with_data)) if with_data else Division.status == "active"
    )
    return list(db.session.scalars(statement.options(selectinload(Division.parent).selectinload(Division.parent))))


def _unit(grid: Division, level: str) -> tuple[str, str]:
    """The (code, label) of the row a grid rolls up into."""
    community = grid.parent
    town = community.parent if community is not None else None
    if level == "town" and town is not None:
        return town.code, town.name
    if level in ("town", "community") and community is not None:
        return community.code, f"{town.name} · {community.name}" if town is not None else community.name
    return grid.code, grid_label(grid)


def compute(
    user, period: Period, level: str = "grid", within: Division | None = None, now: datetime | None = None
) -> IndicatorTable:
    """The indicators of the user's scope (under `within`), one row per grid,
    community or town, in code order, with the total."""
    counts = per_grid(user, period, within, now)
    rows: dict[str, IndicatorRow] = {}
    total = Counts()
    for grid in _grids(user, within, set(counts)):
        code, label = _unit(grid, level)
        row = rows.setdefault(code, IndicatorRow(code, label))
        grid_counts = counts.get(grid.id)
        if grid_counts is not None:
            row.counts.add(grid_counts)
            total.add(grid_counts)
    return IndicatorTable(period, level, [rows[code] for code in sorted(rows)], total)
