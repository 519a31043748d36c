"""The 100-point scoreboards (百分制考核), monthly and annual, per grid and per grid
worker.

Each subject starts at 100. Every enabled rule that applies to the subject's kind
adds points × occurrences (negative points deduct); a rule's total is held to its
cap for the board's period — `cap_month` on a monthly board, `cap_year` on the
annual one — and occurrences past the cap are listed at 0 points, so the
breakdown still shows them. The score never goes below 0; bonuses may lift it over
100.

The annual board is a direct computation over the calendar year's records with the
yearly caps, not the mean of the months: a year's missed reports and overdue
matters all count, and the half-yearly survey bonuses both fall inside it.

Thresholds (app.assessment.reference): under 80 通报批评; on the annual board also
under 70 培训 and under 60 辞退.

Nothing before the county's in-use date counts (reference.in_use_from): a month
wholly before it is not assessed, and the year it falls in counts from it
(`Period.counted_from`)."""

from __future__ import annotations

import calendar as month_calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from operator import attrgetter

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from app.assessment import reference, surveys
from app.assessment.computations import COMPUTATIONS, Context, Occurrence
from app.assessment.models import ScoringRule, WarningCard
from app.core.timeutil import local_today, utcnow
from app.extensions import db
from app.org.models import GRID_WORKER_ROLES, Division, StaffAssignment, StaffMember
from app.org.services import grid_label

START_SCORE = 100


@dataclass(frozen=True)
class Period:
    year: int
    month: int | None = None  # None: the whole year

    @property
    def first(self) -> date:
        return date(self.year, self.month or 1, 1)

    @property
    def last(self) -> date:
        if self.month is None:
            return date(self.year, 12, 31)
        return date(self.year, self.month, month_calendar.monthrange(self.year, self.month)[1])

    @property
    def is_year(self) -> bool:
        return self.month is None

    def counted_from(self, in_use: date | None) -> date | None:
        """The period's first day that counts (None: the period is wholly before the
        in-use date, so nothing in it is assessed)."""
        if in_use is None or in_use <= self.first:
            return self.first
        return in_use if in_use <= self.last else None

    @property
    def param(self) -> str:
        return str(self.year) if self.month is None else f"{self.year}-{self.month:02d}"

    @property
    def label(self) -> str:
        if self.month is None:
            return _("%(year)d年度", year=self.year)
        return _("%(year)d年%(month)d月", year=self.year, month=self.month)

    @classmethod
    def parse(cls, text: str | None, today: date) -> Period:
        """ "2026-10" or "2026"; anything else: the month before today's."""
        text = (text or "").strip()
        try:
            # The same years as a month: "0000" or "-001" would make no date (a 500).
            if len(text) == 4 and text.isdigit() and 2000 <= int(text) <= 2100:
                return cls(int(text))
            year, month = text.split("-")
            if 1 <= int(month) <= 12 and 2000 <= int(year) <= 2100:
                return cls(int(year), int(month))
        except ValueError:
            pass
        previous = today.replace(day=1).toordinal() - 1
        last_month = date.fromordinal(previous)
        return cls(last_month.year, last_month.month)


@dataclass
class Entry:
    occurrence: Occurrence
    points: int


@dataclass
class RuleLine:
    rule: ScoringRule
    entries: list[Entry] = field(default_factory=list)
    capped: bool = False

    @property
    def points(self) -> int:
        return sum(e.points for e in self.entries)


@dataclass
class ScoreRow:
    kind: str  # grid | worker
    subject: Division | StaffMember
    label: str
    grid_names: str
    lines: list[RuleLine]
    # Half-years ending in the period whose satisfaction rate is under the line
    # (通报批评 whatever the score): "2026年上半年满意率 78.0%".
    survey_flags: list[str] = field(default_factory=list)
    # The same half-years' public answers, shown apart: how many, their own rate and
    # whether they count towards the 满意率 yet.
    public_surveys: list[str] = field(default_factory=list)
    # An annual board's row: only then may 培训 and 辞退 be shown.
    yearly: bool = False

    @property
    def deducted(self) -> int:
        return sum(line.points for line in self.lines if line.points < 0)

    @property
    def added(self) -> int:
        return sum(line.points for line in self.lines if line.points > 0)

    @property
    def score(self) -> int:
        return max(0, START_SCORE + sum(line.points for line in self.lines))

    @property
    def flag(self) -> str | None:
        return reference.flag_for(self.score, self.yearly)

    @property
    def flag_label(self) -> str:
        return str(reference.FLAG_LABELS[self.flag]) if self.flag else ""


def active_rules(kind: str) -> list[ScoringRule]:
    column = ScoringRule.applies_to_grid if kind == "grid" else ScoringRule.applies_to_worker
    return [
        rule
        for rule in db.session.scalars(
            select(ScoringRule).where(ScoringRule.is_enabled, column).order_by(ScoringRule.sort_order, ScoringRule.id)
        )
        if rule.code in COMPUTATIONS
    ]


_day_of = attrgetter("day")


def _lines(rules: list[ScoringRule], occurrences: list[Occurrence], period: Period) -> list[RuleLine]:
    by_code: dict[str, list[Occurrence]] = defaultdict(list)
    for occurrence in occurrences:
        by_code[occurrence.rule_code].append(occurrence)
    lines = []
    for rule in rules:
        line = RuleLine(rule)
        cap = rule.cap_year if period.is_year else rule.cap_month
        room = abs(cap) if cap is not None else None
        # Read once: an annual county board gives tens of thousands of entries.
        rule_points = rule.points
        for occurrence in sorted(by_code.get(rule.code, []), key=_day_of):
            points = rule_points if occurrence.points is None else occurrence.points
            if room is not None:
                allowed = min(abs(points), room)
                if allowed < abs(points):
                    line.capped = True
                room -= allowed
                points = allowed if points > 0 else -allowed
            line.entries.append(Entry(occurrence, points))
        lines.append(line)
    return lines


def _occurrences(
    rules: list[ScoringRule], grid_ids: list[int], period: Period, today: date, now: datetime
) -> list[Occurrence]:
    in_use = reference.in_use_from()
    first = period.counted_from(in_use)
    if not grid_ids or first is None:
        return []
    context = Context(first, period.last, today, now, in_use=in_use)
    found = []
    for rule in rules:
        found.extend(COMPUTATIONS[rule.code](grid_ids, context))
    return found


def grid_board(
    grids: list[Division], period: Period, today: date | None = None, now: datetime | None = None
) -> list[ScoreRow]:
    """One row per grid, in code order."""
    today, now = today or local_today(), now or utcnow()
    rules = active_rules("grid")
    occurrences = _occurrences(rules, [g.id for g in grids], period, today, now)
    flags, public = _survey_notes([g.id for g in grids], period)
    by_grid: dict[int, list[Occurrence]] = defaultdict(list)
    for occurrence in occurrences:
        if occurrence.for_grid:
            by_grid[occurrence.grid_id].append(occurrence)
    labels = _grid_labels(grids)
    rows = []
    for grid in sorted(grids, key=lambda g: g.code):
        mine = by_grid.get(grid.id, [])
        rows.append(
            ScoreRow(
                "grid",
                grid,
                labels[grid.id],
                grid.name,
                _lines(rules, mine, period),
                flags.get(grid.id, []),
                public.get(grid.id, []),
                yearly=period.is_year,
            )
        )
    return rows


def _grid_labels(grids: list[Division]) -> dict[int, str]:
    """grid_label of each grid ("东关社区 · 东关一网格"). Their communities are read in
    one query and held while the labels are made, so that each grid.parent is found
    in the session instead of fetched one at a time (60 queries on a county board)."""
    if not grids:
        return {}
    communities = list(
        db.session.scalars(
            select(Division).where(Division.id.in_({g.parent_id for g in grids if g.parent_id is not None}))
        )
    )
    labels = {grid.id: grid_label(grid) for grid in grids}
    del communities  # held until the labels are made (the session keeps only weak references)
    return labels


def _survey_notes(grid_ids: list[int], period: Period) -> tuple[dict[int, list[str]], dict[int, list[str]]]:
    """Per grid, the half-years ending in the period: those flagged for their
    official 满意率, and what their public answers were (apart)."""
    flags: dict[int, list[str]] = defaultdict(list)
    public: dict[int, list[str]] = defaultdict(list)
    if not grid_ids:
        return flags, public
    for half in (1, 2):
        if period.first <= surveys.half_end(period.year, half) <= period.last:
            for grid_id, tally in surveys.tallies(grid_ids, period.year, half).items():
                if tally.criticised:
                    flags[grid_id].append(
                        _(
                            "%(year)d年%(half)s满意率 %(rate)s%%",
                            year=period.year,
                            half=surveys.half_label(half),
                            rate=tally.rate,
                        )
                    )
                if tally.public.total:
                    public[grid_id].append(
                        _(
                            "%(year)d年%(half)s网上评价 %(n)d 份（满意及基本满意 %(rate)s%%）：%(note)s",
                            year=period.year,
                            half=surveys.half_label(half),
                            n=tally.public.total,
                            rate=tally.public.rate,
                            note=tally.public.note,
                        )
                    )
    return flags, public


def _worker_assignments(grid_ids: list[int], period: Period, staff_ids=None) -> list[StaffAssignment]:
    statement = select(StaffAssignment).where(
        StaffAssignment.division_id.in_(grid_ids),
        StaffAssignment.role.in_(GRID_WORKER_ROLES),
        StaffAssignment.start_date <= period.last,
        or_(StaffAssignment.end_date.is_(None), StaffAssignment.end_date >= period.first),
    )
    if staff_ids is not None:
        statement = statement.where(StaffAssignment.staff_id.in_(staff_ids))
    # Each row names its worker: the staff come with their assignments (one query, not one a worker).
    return list(db.session.scalars(statement.options(joinedload(StaffAssignment.staff))))


def worker_board(
    grids: list[Division], period: Period, today: date | None = None, now: datetime | None = None, staff_ids=None
) -> list[ScoreRow]:
    """One row per grid worker assigned to any of the grids during the period (only
    `staff_ids` when given). A grid-wide occurrence counts for the workers assigned to
    its grid on its day; a worker's own (a patrol week, a card) for that worker."""
    today, now = today or local_today(), now or utcnow()
    grid_ids = [g.id for g in grids]
    assignments = _worker_assignments(grid_ids, period, staff_ids)
    if not assignments:
        return []
    rules = active_rules("worker")
    occurrences = _occurrences(rules, sorted({a.division_id for a in assignments}), period, today, now)
    by_staff: dict[int, list[StaffAssignment]] = defaultdict(list)
    for assignment in assignments:
        by_staff[assignment.staff_id].append(assignment)
    own: dict[int, list[Occurrence]] = defaultdict(list)
    shared: dict[int, list[Occurrence]] = defaultdict(list)
    for occurrence in occurrences:
        if occurrence.staff_id is not None:
            own[occurrence.staff_id].append(occurrence)
        elif occurrence.for_workers:
            shared[occurrence.grid_id].append(occurrence)
    names = {g.id: g.name for g in grids}
    rows = []
    for staff_id, mine in by_staff.items():
        staff = mine[0].staff
        counted = list(own.get(staff_id, []))
        for assignment in mine:
            counted += [
                o
                for o in shared.get(assignment.division_id, [])
                if assignment.start_date <= o.day and (assignment.end_date is None or assignment.end_date >= o.day)
            ]
        # Two assignments to one grid overlapping the same day must not count it twice.
        counted = list({id(o): o for o in counted}.values())
        grid_names = _("、").join(sorted({names.get(a.division_id, "") for a in mine}))
        rows.append(
            ScoreRow("worker", staff, staff.name, grid_names, _lines(rules, counted, period), yearly=period.is_year)
        )
    return sorted(rows, key=lambda r: (r.grid_names, r.label, r.subject.id))


def withdrawn_cards(row: ScoreRow, period: Period, grid_ids=None) -> list[WarningCard]:
    """The cards issued to the row's subject in the period and withdrawn since: shown
    on its breakdown as withdrawn, so that a card missing from the deductions is
    accounted for. `grid_ids`: only those of these grids (the board's), since a
    worker may also work in a grid of another town that the viewer does not see."""
    statement = select(WarningCard).where(
        WarningCard.withdrawn_at.is_not(None), WarningCard.issued_on.between(period.first, period.last)
    )
    if grid_ids is not None:
        statement = statement.where(WarningCard.grid_id.in_(grid_ids))
    if row.kind == "grid":
        statement = statement.where(WarningCard.grid_id == row.subject.id, WarningCard.staff_id.is_(None))
    else:
        statement = statement.where(WarningCard.staff_id == row.subject.id)
    return list(db.session.scalars(statement.order_by(WarningCard.issued_on, WarningCard.id)))
