"""What each scoring rule counts: one function per rule code, over the records of a
set of grids in a period. The points, caps and on/off of a rule are data
(ScoringRule); how its occurrences are found is here, reusing the definitions of
the packages that own the records:

- report_missing / report_late: the Monday/Thursday report slots of
  app.patrols.compliance.report_punctuality whose report day is in the period
  (未报告 / 逾期报告 as of now; a slot not yet due counts nothing).
- matter_overdue: matters reported in the period that are 超期 by the matters
  indicators' own condition (app.matters.indicators.overdue_condition).
- matter_urged: each 督办 step (黄牌督办/红牌督办) on a matter of the grid in the period.
- patrol_week_short: each grid worker's week (Monday–Sunday) ending in the period
  and already over, below the patrol quota (app.patrols.compliance.patrol_weeks, the
  definition patrol_compliance also uses).
- task_target_late / rectification_late: a grid's task targets and inspection
  rectifications due in the period that missed the deadline (late_targets,
  late_rectifications of app.supervision).
- key_group_visits_short: a grid's quarter ending in the period and already over in
  which the station visited fewer key-group households than the quota
  (app.visits.rates.key_group_quota: at least 3, or all when fewer; counts only).
- card_yellow / card_red: warning cards issued in the period and not withdrawn (撤销:
  a withdrawn card is listed apart on the breakdown, never as a deduction).
- satisfaction_bonus: a half-year ending in the period whose satisfaction rate
  reaches the bonus line (app.assessment.surveys).
- manual_adjustment: each 人工加减分 recorded for the grid on a day in the period and
  not withdrawn, with its own points (the rule's points are not used).

Who an occurrence counts for: a grid-wide failing (a missed report, an overdue
matter …) counts for the grid and for each grid worker assigned to it on that day;
a patrol week counts for its worker and the grid; a card counts for whom it was
issued to (the grid, or one worker) only. Matters, task targets and inspections that a
split or merge carried into another grid count, for what happened before it, for the
grid they were in then (app.adjustments.history)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import NamedTuple

# Labels are lazy: an annual county board finds tens of thousands of occurrences,
# and only those on a breakdown page are ever shown.
from flask_babel import lazy_gettext as _
from sqlalchemy import func, select

from app.adjustments.history import before_day, before_time, grid_then, was_in_grids
from app.assessment import surveys
from app.assessment.models import ScoreAdjustment, WarningCard

# Free text is cut short here, so its numbers are masked first (a cut number would no
# longer be recognised where the line is shown).
from app.core.masking import mask_numbers
from app.core.timeutil import local_day_start_utc, to_local
from app.extensions import db
from app.matters import workdays
from app.matters.indicators import overdue_condition
from app.matters.models import Matter, MatterStep
from app.patrols import compliance
from app.patrols.models import ChiefReport
from app.supervision.inspections import late_rectifications
from app.supervision.models import AssignedTask, Inspection, Rectification, TaskTarget
from app.supervision.tasks import late_targets
from app.visits import rates as visit_rates


@dataclass
class Occurrence:
    """One thing a rule scores, with the record behind it (an endpoint and its values)."""

    rule_code: str
    grid_id: int
    day: date
    label: str  # a lazy string
    endpoint: str
    values: dict
    staff_id: int | None = None
    # A card issued to a grid counts for the grid only; one issued to a worker for
    # that worker only. Everything else counts for the grid and its workers.
    for_grid: bool = True
    for_workers: bool = True
    # An occurrence scored by its own record (a manual adjustment), not by the rule.
    points: int | None = None


@dataclass
class Context:
    first: date
    last: date
    today: date
    now: datetime
    # What two rules share (the report slots of every grid), computed once.
    memo: dict = field(default_factory=dict)
    # The county's in-use date: a week or quarter that began before it is not judged
    # (its first days had nothing recorded in the system).
    in_use: date | None = None

    def began_in_use(self, first_day: date) -> bool:
        return self.in_use is None or first_day >= self.in_use

    @property
    def start(self) -> datetime:
        return local_day_start_utc(self.first)

    @property
    def end(self) -> datetime:
        return local_day_start_utc(self.last + timedelta(days=1))


def _local_day(value: datetime) -> date:
    return to_local(value).date()


class GridSlot(NamedTuple):
    """One report slot of one grid as the scoreboards read it: its report day, its
    status (compliance.slot_status) and the report answering it, if any."""

    report_day: date
    status: str
    report_id: int | None


def _punctuality(grid_ids: list[int], ctx: Context) -> dict[int, list[GridSlot]]:
    """report_punctuality for many grids at once: the slots depend on the calendar
    only, so they are laid out once with their due times (each computed once, not
    once per grid), each grid's reports attached as report_punctuality does (one
    query for all grids, reading only the id, grid, day and time saved) and each
    status decided by the same rule as ReportSlot.status."""
    if "slots" not in ctx.memo:
        calendar = workdays.load_calendar()
        # A slot belongs to the period of its first report day. One that began before
        # the period (Thu 30 January and Mon 3 February 2025, both in the Spring
        # Festival, fall due together on 5 February) is laid out whole from three weeks
        # back, so its later days are not taken for a slot of their own, unreported.
        template = [
            (slot.report_day, slot.covers, slot.due_at)
            for slot in compliance.report_slots(calendar, ctx.first - compliance.SLOT_LOOKBACK, ctx.last)
            if slot.report_day >= ctx.first
        ]
        unanswered = [
            GridSlot(day, compliance.slot_status(None, due_at, ctx.now), None) for day, _covers, due_at in template
        ]
        by_grid = {grid_id: list(unanswered) for grid_id in grid_ids}
        slot_of = {day: index for index, (_day, covers, _due) in enumerate(template) for day in covers}
        answered_by: dict[tuple[int, int], date] = {}
        for report_id, grid_id, report_day, reported_at in db.session.execute(
            select(ChiefReport.id, ChiefReport.grid_id, ChiefReport.report_day, ChiefReport.reported_at).where(
                ChiefReport.grid_id.in_(grid_ids), ChiefReport.report_day.between(ctx.first, ctx.last)
            )
        ):
            index = slot_of.get(report_day)
            # A slot is answered by the report of the first of its days that has one.
            if index is None or answered_by.get((grid_id, index), report_day) < report_day:
                continue
            answered_by[(grid_id, index)] = report_day
            slot_day, _covers, due_at = template[index]
            by_grid[grid_id][index] = GridSlot(
                slot_day, compliance.slot_status(reported_at, due_at, ctx.now), report_id
            )
        ctx.memo["slots"] = by_grid
    return ctx.memo["slots"]


def _report_slots(code: str, wanted: str):
    def compute(grid_ids: list[int], ctx: Context) -> list[Occurrence]:
        found = []
        for grid_id, slots in _punctuality(grid_ids, ctx).items():
            for slot in slots:
                if slot.status != wanted:
                    continue
                if wanted == "late":
                    found.append(
                        Occurrence(
                            code,
                            grid_id,
                            slot.report_day,
                            _("%(day)s 的报告逾期", day=slot.report_day.isoformat()),
                            "patrols.chief_report_detail",
                            {"chief_report_id": slot.report_id},
                        )
                    )
                else:
                    found.append(
                        Occurrence(
                            code,
                            grid_id,
                            slot.report_day,
                            _("%(day)s 未报告", day=slot.report_day.isoformat()),
                            "patrols.chief_reports",
                            {"division_id": grid_id, "week": slot.report_day.isoformat()},
                        )
                    )
        return found

    return compute


# The matter rules read only the columns their occurrences show: whole rows (thirty
# columns) for a year of a county's matters would be loaded to be thrown away.


def matters_overdue(grid_ids: list[int], ctx: Context) -> list[Occurrence]:
    """Counted on the day the matter was reported, for the grid it was in that day (a
    matter carried by a later split still counts for the grid it left)."""
    then = before_time(Matter.created_at)
    grid = grid_then("matter", Matter.id, Matter.grid_id, then)
    rows = db.session.execute(
        select(Matter.id, Matter.number, grid, Matter.created_at)
        .where(
            was_in_grids("matter", Matter.id, Matter.grid_id, then, grid_ids),
            Matter.status != "merged",
            Matter.created_at >= ctx.start,
            Matter.created_at < ctx.end,
            overdue_condition(ctx.now),
        )
        .order_by(Matter.created_at)
    )
    return [
        Occurrence(
            "matter_overdue",
            grid_id,
            _local_day(created_at),
            _("事件 %(number)s 超期", number=number),
            "matters.matter_detail",
            {"matter_id": matter_id},
        )
        for matter_id, number, grid_id, created_at in rows
    ]


def matters_urged(grid_ids: list[int], ctx: Context) -> list[Occurrence]:
    # The time window is tested on coalesce(at, at), the same value as `at` but not
    # the column itself: SQLite's statistics cannot tell that 督办 steps are rare, and
    # with the bare column it walks every step of the year by time (190,000 at county
    # scale) instead of the thousand urge steps by action. Ties in time keep the
    # order of the time index (then id). An urge counts for the grid the matter was
    # in when it was urged.
    at = func.coalesce(MatterStep.at, MatterStep.at)
    then = before_time(MatterStep.at)
    rows = db.session.execute(
        select(MatterStep.at, Matter.id, Matter.number, grid_then("matter", Matter.id, Matter.grid_id, then))
        .join(Matter, Matter.id == MatterStep.matter_id)
        .where(
            was_in_grids("matter", Matter.id, Matter.grid_id, then, grid_ids),
            MatterStep.action == "urge",
            at >= ctx.start,
            at < ctx.end,
        )
        .order_by(MatterStep.at, MatterStep.id)
    )
    return [
        Occurrence(
            "matter_urged",
            grid_id,
            _local_day(at),
            _("事件 %(number)s 被督办", number=number),
            "matters.matter_detail",
            {"matter_id": matter_id},
        )
        for at, matter_id, number, grid_id in rows
    ]


def patrol_weeks_short(grid_ids: list[int], ctx: Context) -> list[Occurrence]:
    """Weeks are judged when they end: a week belongs to the period holding its Sunday,
    once that Sunday is past. All the period's weeks come from one
    compliance.patrol_weeks (four queries for a year, not four a week)."""
    last_sunday = min(ctx.last, ctx.today - timedelta(days=1))
    # The Monday of the last week whose Sunday is on or before last_sunday.
    last_monday = compliance.week_start(last_sunday + timedelta(days=1)) - compliance.WEEK
    first_monday = compliance.week_start(ctx.first)
    if last_monday < first_monday:
        return []
    found = []
    for monday, weeks in compliance.patrol_weeks(grid_ids, first_monday, last_monday, today=ctx.today).items():
        sunday = monday + timedelta(days=6)
        if not ctx.began_in_use(monday):
            continue
        for week in weeks:
            if week.behind:
                found.append(
                    Occurrence(
                        "patrol_week_short",
                        week.grid.id,
                        sunday,
                        _(
                            "%(name)s %(first)s 至 %(last)s 巡查 %(done)d 次，应 %(required)d 次",
                            name=week.staff.name,
                            first=monday.isoformat(),
                            last=sunday.isoformat(),
                            done=week.patrols,
                            required=week.required,
                        ),
                        "patrols.patrol_compliance",
                        {"division_id": week.grid.id, "week": monday.isoformat()},
                        staff_id=week.staff.id,
                    )
                )
    return found


def task_targets_late(grid_ids: list[int], ctx: Context) -> list[Occurrence]:
    """Counted on the deadline, for the grid the target was in that day."""
    then = before_day(AssignedTask.deadline)
    grid = grid_then("task", TaskTarget.id, TaskTarget.division_id, then)
    rows = db.session.execute(
        late_targets(ctx.first, ctx.last, ctx.today)
        .where(was_in_grids("task", TaskTarget.id, TaskTarget.division_id, then, grid_ids))
        .add_columns(grid)
    )
    return [
        Occurrence(
            "task_target_late",
            grid_id,
            t.task.deadline,
            _("“%(title)s”逾期（期限 %(deadline)s）", title=t.task.title, deadline=t.task.deadline.isoformat()),
            "supervision.task_target",
            {"target_id": t.id},
        )
        for t, grid_id in rows
    ]


def rectifications_late(grid_ids: list[int], ctx: Context) -> list[Occurrence]:
    """Counted on the first deadline, for the grid the inspection was in that day."""
    then = before_day(Rectification.first_deadline)
    grid = grid_then("inspection", Inspection.id, Inspection.grid_id, then)
    rows = db.session.execute(
        late_rectifications(ctx.first, ctx.last, ctx.today)
        .where(was_in_grids("inspection", Inspection.id, Inspection.grid_id, then, grid_ids))
        .add_columns(grid)
    )
    return [
        Occurrence(
            "rectification_late",
            grid_id,
            r.first_deadline,
            _(
                "整改“%(problem)s”逾期（期限 %(deadline)s）",
                problem=mask_numbers(r.problem)[:40],
                deadline=r.first_deadline.isoformat(),
            ),
            "supervision.inspection_detail",
            {"inspection_id": r.inspection_id},
        )
        for r, grid_id in rows
    ]


def key_group_visits_short(grid_ids: list[int], ctx: Context) -> list[Occurrence]:
    found = []
    start, end = visit_rates.quarter_of(ctx.first)
    while start <= ctx.last:
        if ctx.first <= end <= ctx.last and end < ctx.today and ctx.began_in_use(start):
            label = visit_rates.quarter_label(start)
            for grid_id, quota in sorted(visit_rates.key_group_quota(grid_ids, start, end).items()):
                if not quota.met:
                    found.append(
                        Occurrence(
                            "key_group_visits_short",
                            grid_id,
                            end,
                            _(
                                "%(quarter)s 重点人群走访 %(visited)d 户，应 %(required)d 户",
                                quarter=label,
                                visited=quota.visited,
                                required=quota.required,
                            ),
                            "visits.division_rates",
                            {"division_id": grid_id, "quarter": label},
                        )
                    )
        start, end = visit_rates.quarter_of(end + timedelta(days=1))
    return found


def _cards(colour: str):
    def compute(grid_ids: list[int], ctx: Context) -> list[Occurrence]:
        cards = db.session.scalars(
            select(WarningCard)
            .where(
                WarningCard.grid_id.in_(grid_ids),
                WarningCard.colour == colour,
                WarningCard.withdrawn_at.is_(None),
                WarningCard.issued_on.between(ctx.first, ctx.last),
            )
            .order_by(WarningCard.issued_on, WarningCard.id)
        )
        return [
            Occurrence(
                f"card_{colour}",
                c.grid_id,
                c.issued_on,
                _("%(day)s %(reason)s", day=c.issued_on.isoformat(), reason=mask_numbers(c.reason)[:60]),
                "assessment.card_detail",
                {"card_id": c.id},
                staff_id=c.staff_id,
                for_grid=c.staff_id is None,
                for_workers=c.staff_id is not None,
            )
            for c in cards
        ]

    return compute


def satisfaction_bonus(grid_ids: list[int], ctx: Context) -> list[Occurrence]:
    found = []
    for year in range(ctx.first.year, ctx.last.year + 1):
        for half in (1, 2):
            end = surveys.half_end(year, half)
            if not ctx.first <= end <= ctx.last:
                continue
            for grid_id, tally in surveys.tallies(grid_ids, year, half).items():
                if tally.earns_bonus:
                    found.append(
                        Occurrence(
                            "satisfaction_bonus",
                            grid_id,
                            end,
                            _(
                                "%(year)d年%(half)s满意率 %(rate)s%%",
                                year=year,
                                half=surveys.half_label(half),
                                rate=tally.rate,
                            ),
                            "assessment.survey_list",
                            {"division_id": grid_id, "year": year},
                        )
                    )
    return found


def manual_adjustments(grid_ids: list[int], ctx: Context) -> list[Occurrence]:
    """A grid's 人工加减分 (the grid's, not its workers')."""
    adjustments = db.session.scalars(
        select(ScoreAdjustment).where(
            ScoreAdjustment.division_id.in_(grid_ids),
            ScoreAdjustment.department_id.is_(None),
            ScoreAdjustment.withdrawn_at.is_(None),
            ScoreAdjustment.day >= ctx.first,
            ScoreAdjustment.day <= ctx.last,
        )
    )
    return [
        Occurrence(
            "manual_adjustment",
            a.division_id,
            a.day,
            mask_numbers(a.reason)[:60],
            "assessment.adjustment_detail",
            {"adjustment_id": a.id},
            for_workers=False,
            points=a.points,
        )
        for a in adjustments
    ]


COMPUTATIONS: dict[str, Callable[[list[int], Context], list[Occurrence]]] = {
    "report_missing": _report_slots("report_missing", "missing"),
    "report_late": _report_slots("report_late", "late"),
    "matter_overdue": matters_overdue,
    "matter_urged": matters_urged,
    "patrol_week_short": patrol_weeks_short,
    "task_target_late": task_targets_late,
    "rectification_late": rectifications_late,
    "key_group_visits_short": key_group_visits_short,
    "card_yellow": _cards("yellow"),
    "card_red": _cards("red"),
    "satisfaction_bonus": satisfaction_bonus,
    "manual_adjustment": manual_adjustments,
}
