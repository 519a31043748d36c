"""The units' yearly board (单位考核: 002 篇九 and 003 "五个到位" ask the departments,
towns and stations that handle what the grids report to be assessed too).

For each unit — a department (职能部门), a town (镇/街道) or a community's station
(村/社区工作站) — over a calendar year, counting from the county's in-use date, the
matters it handled (those dispatched to it: the matter's handler now):

- 承办数 assigned: dispatched to it in the year.
- 应办结数 due: whose handling deadline (extensions included) falls in the year, as
  the matters indicators count it; 按期办结数 on time: of those, closed on time;
  按期办结率 = on time / due.
- 超期数 overdue: due in the year and not on time — closed late, or open now past
  the deadline.
- 结案数 closed: closed in the year; 返工数 reworked: of those, sent back for rework at
  least once; 返工率 = reworked / closed.
- 被催办 chased: the owner chased it (催办) in the year, last chase counted.

The score starts at 100; the unit rules of the scoring rules page (codes in
UNIT_RULES, points per overdue and per reworked matter, with their yearly cap) deduct,
and the manual adjustments (人工加减分) recorded for the unit in the year, not
withdrawn, add or deduct their own points. A unit under the 通报批评 line is flagged;
培训 and 辞退 are for people, not units."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import and_, or_, select

from app.assessment import reference
from app.assessment.models import ScoreAdjustment, ScoringRule
from app.core.timeutil import local_day_start_utc, utcnow
from app.extensions import db
from app.matters import reference as matter_reference
from app.matters.indicators import count_where, ratio
from app.matters.models import Matter
from app.org.models import Department, Division

START_SCORE = 100
# Rule code → the UnitCounts field it counts (one deduction per matter).
UNIT_RULES = {"unit_overdue": "overdue", "unit_rework": "reworked"}


@dataclass
class UnitCounts:
    assigned: int = 0
    due: int = 0
    on_time: int = 0
    overdue: int = 0
    closed: int = 0
    reworked: int = 0
    chased: int = 0

    @property
    def on_time_rate(self) -> Decimal | None:
        return ratio(self.on_time, self.due)

    @property
    def rework_rate(self) -> Decimal | None:
        return ratio(self.reworked, self.closed)


@dataclass
class RuleDeduction:
    rule: ScoringRule
    count: int
    points: int
    capped: bool


@dataclass
class UnitRow:
    kind: str  # department | town | community
    subject: Department | Division
    counts: UnitCounts
    deductions: list[RuleDeduction] = field(default_factory=list)
    adjustments: list[ScoreAdjustment] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.subject.name

    @property
    def adjusted(self) -> int:
        return sum(a.points for a in self.adjustments)

    @property
    def score(self) -> int:
        return max(0, START_SCORE + sum(d.points for d in self.deductions) + self.adjusted)

    @property
    def flag(self) -> str | None:
        return reference.flag_for(self.score, yearly=False)

    @property
    def flag_label(self) -> str:
        return str(reference.FLAG_LABELS[self.flag]) if self.flag else ""


def _counts(key, condition, start: datetime, end: datetime, now: datetime) -> dict[int, UnitCounts]:
    """UnitCounts per value of `key` (the handling department or division) among the
    matters matching `condition`, for the UTC range [start, end)."""
    base = [condition, Matter.status != "merged"]
    closed = Matter.status == "closed"
    due = and_(Matter.handle_due_at > start, Matter.handle_due_at <= end)
    on_time = and_(closed, Matter.closed_on_time.is_(True))
    late = or_(
        and_(closed, Matter.closed_on_time.is_(False)),
        and_(Matter.status.in_(matter_reference.OPEN_STATUSES), Matter.handle_due_at < now),
    )
    closed_in = and_(closed, Matter.closed_at >= start, Matter.closed_at < end)
    statement = (
        select(
            key,
            count_where(and_(Matter.dispatched_at >= start, Matter.dispatched_at < end)),
            count_where(due),
            count_where(and_(due, on_time)),
            count_where(and_(due, late)),
            count_where(closed_in),
            count_where(and_(closed_in, Matter.rework_count > 0)),
            count_where(and_(Matter.chased_at >= start, Matter.chased_at < end)),
        )
        .where(*base)
        .group_by(key)
    )
    found = {}
    for unit_id, *values in db.session.execute(statement):
        found[unit_id] = UnitCounts(*map(int, values))
    return found


def _deductions(counts: UnitCounts, rules: list[ScoringRule]) -> list[RuleDeduction]:
    lines = []
    for rule in rules:
        number = getattr(counts, UNIT_RULES[rule.code])
        points = rule.points * number
        capped = rule.cap_year is not None and abs(points) > abs(rule.cap_year)
        if capped:
            points = abs(rule.cap_year) * (1 if points > 0 else -1)
        lines.append(RuleDeduction(rule, number, points, capped))
    return lines


def unit_rules() -> list[ScoringRule]:
    return list(
        db.session.scalars(
            select(ScoringRule)
            .where(ScoringRule.is_enabled, ScoringRule.code.in_(UNIT_RULES))
            .order_by(ScoringRule.sort_order, ScoringRule.id)
        )
    )


def board(
    year: int, departments: list[Department], divisions: list[Division], now: datetime | None = None
) -> list[UnitRow]:
    """The year's rows of these departments and these towns and communities, each
    kind in the order given. Nothing before the county's in-use date counts; a year
    wholly before it gives rows of zeros."""
    now = now or utcnow()
    in_use = reference.in_use_from()
    first = date(year, 1, 1)
    if in_use is not None and in_use > first:
        first = in_use
    last = date(year, 12, 31)
    start, end = local_day_start_utc(first), local_day_start_utc(last + timedelta(days=1))
    by_department: dict[int, UnitCounts] = {}
    by_division: dict[int, UnitCounts] = {}
    if first <= last:
        if departments:
            by_department = _counts(
                Matter.handler_department_id,
                Matter.handler_department_id.in_([d.id for d in departments]),
                start,
                end,
                now,
            )
        if divisions:
            by_division = _counts(
                Matter.handler_division_id,
                and_(
                    Matter.handler_department_id.is_(None),
                    Matter.handler_division_id.in_([d.id for d in divisions]),
                ),
                start,
                end,
                now,
            )
    adjustments = _adjustments(departments, divisions, first, last)
    rules = unit_rules()
    rows = []
    for department in departments:
        counts = by_department.get(department.id, UnitCounts())
        rows.append(
            UnitRow(
                "department",
                department,
                counts,
                _deductions(counts, rules),
                adjustments.get(("department", department.id), []),
            )
        )
    for division in divisions:
        counts = by_division.get(division.id, UnitCounts())
        rows.append(
            UnitRow(
                division.level,
                division,
                counts,
                _deductions(counts, rules),
                adjustments.get(("division", division.id), []),
            )
        )
    return rows


def _adjustments(
    departments: list[Department], divisions: list[Division], first: date, last: date
) -> dict[tuple[str, int], list[ScoreAdjustment]]:
    found: dict[tuple[str, int], list[ScoreAdjustment]] = {}
    if first > last or not (departments or divisions):
        return found
    statement = (
        select(ScoreAdjustment)
        .where(
            ScoreAdjustment.withdrawn_at.is_(None),
            ScoreAdjustment.day >= first,
            ScoreAdjustment.day <= last,
            or_(
                ScoreAdjustment.department_id.in_([d.id for d in departments]),
                and_(
                    ScoreAdjustment.department_id.is_(None),
                    ScoreAdjustment.division_id.in_([d.id for d in divisions]),
                ),
            ),
        )
        .order_by(ScoreAdjustment.day, ScoreAdjustment.id)
    )
    for adjustment in db.session.scalars(statement):
        key = (
            ("department", adjustment.department_id)
            if adjustment.department_id is not None
            else ("division", adjustment.division_id)
        )
        found.setdefault(key, []).append(adjustment)
    return found
