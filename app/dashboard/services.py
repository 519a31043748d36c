"""The dashboard's figures for a user's scope, each counted in SQL by one aggregate
query (GROUP BY, or filtered counts in one pass) — never a loop over residents or
matters in Python: a county holds 200,000 people.

`within` narrows the scope to one division the user may see (its grids). Population
and key persons are counted as they stand now; matters by when they were reported in
the period, as the indicators count them (app.matters.indicators, whose definitions
the on-time trend reuses month by month: 按期办结率 = 按期办结数 ÷ 应办结数).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import cast

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, and_, case, func, select, true
from sqlalchemy.orm import selectinload

from app.core.scoping import scope_condition, scoped_select
from app.core.timeutil import local_today, utcnow
from app.extensions import db
from app.matters import indicators, reference, workdays
from app.matters.models import Matter, MatterType
from app.org.models import Division
from app.registry.keypersons.models import KeyPerson, KeyPersonCategory
from app.registry.people import reference as registry_reference
from app.registry.people.models import Resident

# (code, label, youngest age in the band); the last band has no upper end.
AGE_BANDS = (
    ("0-6", _l("0–6岁"), 0),
    ("7-17", _l("7–17岁"), 7),
    ("18-34", _l("18–34岁"), 18),
    ("35-59", _l("35–59岁"), 35),
    ("60-79", _l("60–79岁"), 60),
    ("80+", _l("80岁及以上"), 80),
)
UNKNOWN = "unknown"
UNKNOWN_LABEL = _l("未知")
TREND_MONTHS = 12
OVERDUE_LIST_LIMIT = 50
TOP_TYPES = 10


def grids_within(column, within: Division | None) -> ColumnElement[bool]:
    """`column` (a grid id) lies under `within`; no limit without one."""
    if within is None:
        return true()
    return column.in_(select(Division.id).where(Division.code.startswith(within.code, autoescape=True)))


def years_before(day: date, years: int) -> date:
    """The same day `years` earlier (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _count_where(condition):
    return func.count().filter(condition)


@dataclass
class Population:
    total: int = 0
    by_sex: dict[str, int] = field(default_factory=dict)
    by_age: dict[str, int] = field(default_factory=dict)
    by_type: dict[str, int] = field(default_factory=dict)
    party_members: int = 0

    def sex_rows(self) -> list[tuple[str, int]]:
        rows = [(str(label), self.by_sex.get(code, 0)) for code, label in registry_reference.SEXES.items()]
        if self.by_sex.get(UNKNOWN):
            rows.append((str(UNKNOWN_LABEL), self.by_sex[UNKNOWN]))
        return rows

    def age_rows(self) -> list[tuple[str, int]]:
        rows = [(str(label), self.by_age.get(code, 0)) for code, label, _lower in AGE_BANDS]
        if self.by_age.get(UNKNOWN):
            rows.append((str(UNKNOWN_LABEL), self.by_age[UNKNOWN]))
        return rows

    def type_rows(self) -> list[tuple[str, int]]:
        return [(str(label), self.by_type.get(code, 0)) for code, label in registry_reference.POPULATION_TYPES.items()]


def population(user, within: Division | None = None, today: date | None = None) -> Population:
    """Residents on the register (在册) by sex, age band and 户籍/流动/境外, in one pass
    of filtered counts (a GROUP BY would sort all 200,000 rows first). Ages are
    counted cumulatively — "younger than N" is "born after the day N years ago" —
    and the bands are the differences."""
    today = today or local_today()
    figures = [("sex", code, Resident.sex == code) for code in registry_reference.SEXES]
    figures += [("type", code, Resident.population_type == code) for code in registry_reference.POPULATION_TYPES]
    figures.append(("age", UNKNOWN, Resident.birth_date.is_(None)))
    figures.append(("party", "members", Resident.political_status.in_(registry_reference.PARTY_MEMBER_STATUSES)))
    # Counted after the figures, in the same pass: how many are younger than each band's lower age.
    younger = [(lower, Resident.birth_date > years_before(today, lower)) for _c, _l, lower in AGE_BANDS[1:]]
    row = db.session.execute(
        select(
            func.count(),
            *[_count_where(condition) for _figure, _code, condition in figures],
            *[_count_where(condition) for _lower, condition in younger],
        ).where(scope_condition(Resident, user), Resident.status == "active", grids_within(Resident.grid_id, within))
    ).one()
    result = Population(total=int(row[0]))
    for (figure, code, _condition), number in zip(figures, row[1 : 1 + len(figures)]):
        if figure == "party":
            result.party_members = int(number)
            continue
        {"sex": result.by_sex, "type": result.by_type, "age": result.by_age}[figure][code] = int(number)
    younger_than = {0: 0}
    for (lower, _condition), number in zip(younger, row[1 + len(figures) :]):
        younger_than[lower] = int(number)
    known_birth = result.total - result.by_age[UNKNOWN]
    bounds = [lower for _code, _label, lower in AGE_BANDS] + [None]
    for (code, _label, lower), upper in zip(AGE_BANDS, bounds[1:]):
        result.by_age[code] = (known_birth if upper is None else younger_than[upper]) - younger_than[lower]
    result.by_sex[UNKNOWN] = result.total - sum(result.by_sex.values())
    return result


def key_persons(user, within: Division | None = None) -> list[tuple[str, int]]:
    """Key persons under management (在管) per category — counts only, and only for
    those who may see key persons (the scope rule gives others nothing)."""
    counts = dict(
        db.session.execute(
            select(KeyPerson.category_id, func.count())
            .where(
                scope_condition(KeyPerson, user), KeyPerson.status == "active", grids_within(KeyPerson.grid_id, within)
            )
            .group_by(KeyPerson.category_id)
        ).all()
    )
    categories = db.session.scalars(select(KeyPersonCategory).order_by(KeyPersonCategory.id))
    return [
        (category.name, counts.get(category.id, 0))
        for category in categories
        if category.is_active or counts.get(category.id)
    ]


def _reported_in(user, period: indicators.Period, within: Division | None) -> list:
    """Conditions of the indicators' reported cohort: reported in the period, merged
    duplicates left out."""
    return [
        scope_condition(Matter, user),
        Matter.status != "merged",
        grids_within(Matter.grid_id, within),
        Matter.created_at >= period.start,
        Matter.created_at < period.end,
    ]


@dataclass
class MatterBreakdown:
    total: int = 0
    by_class: dict[str, int] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)
    by_source: dict[str, int] = field(default_factory=dict)

    @staticmethod
    def _rows(labels: dict, counts: dict[str, int]) -> list[tuple[str, int]]:
        return [(str(label), counts.get(code, 0)) for code, label in labels.items() if code != "merged"]

    def class_rows(self):
        return self._rows(reference.CLASSES, self.by_class)

    def status_rows(self):
        return self._rows(reference.STATUSES, self.by_status)

    def source_rows(self):
        return self._rows(reference.SOURCES, self.by_source)


def matter_breakdown(user, period: indicators.Period, within: Division | None = None) -> MatterBreakdown:
    """Matters reported in the period by class, status (now) and source, in one query."""
    statement = (
        select(Matter.class_code, Matter.status, Matter.source, func.count())
        .where(*_reported_in(user, period, within))
        .group_by(Matter.class_code, Matter.status, Matter.source)
    )
    result = MatterBreakdown()
    classes: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    sources: Counter[str] = Counter()
    for class_code, status, source, number in db.session.execute(statement):
        classes[class_code] += number
        statuses[status] += number
        sources[source] += number
        result.total += number
    result.by_class, result.by_status, result.by_source = dict(classes), dict(statuses), dict(sources)
    return result


def top_types(
    user, period: indicators.Period, within: Division | None = None, limit: int = TOP_TYPES
) -> list[tuple[str, int]]:
    """The matter subtypes reported most often in the period (matters without a
    subtype are not a type and are left out), most first."""
    number = func.count(Matter.id)
    # type_id is never NULL here (the query leaves those out); the row types cannot know it.
    rows = cast(
        Sequence[tuple[int, int]],
        db.session.execute(
            select(Matter.type_id, number)
            .where(*_reported_in(user, period, within), Matter.type_id.is_not(None))
            .group_by(Matter.type_id)
            .order_by(number.desc(), Matter.type_id)
            .limit(limit)
        ).all(),
    )
    types = {
        t.id: t
        for t in db.session.scalars(
            select(MatterType)
            .where(MatterType.id.in_([type_id for type_id, _n in rows]))
            .options(selectinload(MatterType.parent))
        )
    }
    return [(f"{types[type_id].class_label} › {types[type_id].path}", n) for type_id, n in rows]


def period_counts(
    user, period: indicators.Period, within: Division | None = None, now: datetime | None = None
) -> indicators.Counts:
    """The indicators of the whole scope (under `within`) for one period."""
    total = indicators.Counts()
    for counts in indicators.per_grid(user, period, within, now).values():
        total.add(counts)
    return total


@dataclass(frozen=True)
class MonthRate:
    month: date
    on_time: int
    due: int

    @property
    def rate(self):
        return indicators.ratio(self.on_time, self.due)


def month_period(month: date) -> indicators.Period:
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return indicators.Period(month, date.fromordinal(following.toordinal() - 1))


def months_back(last: date, count: int) -> list[date]:
    """The first days of `count` months ending with `last`'s month, oldest first."""
    index = last.year * 12 + last.month - 1
    return [date((index - back) // 12, (index - back) % 12 + 1, 1) for back in range(count - 1, -1, -1)]


def on_time_trend(
    user, last_day: date, within: Division | None = None, months: int = TREND_MONTHS, now: datetime | None = None
) -> list[MonthRate]:
    """按期办结率 month by month (the indicators' 按期办结数 ÷ 应办结数), the last
    `months` months up to `last_day`'s month.

    The indicators' two due cohorts (app.matters.indicators.per_grid) in one query
    each over the whole span, every matter put in its month by a CASE over the
    months' bounds — a deadline in (start, end], a matter handled on the spot by its
    closing time in [start, end) — instead of the indicators' three queries per
    month (36 at county scale, most of the dashboard's time). `now` is not needed:
    being due and closed on time do not depend on the clock."""
    firsts = months_back(last_day, months)
    periods = [month_period(first) for first in firsts]
    first_start, last_end = periods[0].start, periods[-1].end
    base = [scope_condition(Matter, user), Matter.status != "merged", grids_within(Matter.grid_id, within)]
    on_time = _count_where(and_(Matter.status == "closed", Matter.closed_on_time.is_(True)))
    by_deadline = case(
        *[
            (and_(Matter.handle_due_at > p.start, Matter.handle_due_at <= p.end), index)
            for index, p in enumerate(periods)
        ]
    )
    by_closing = case(
        *[(and_(Matter.closed_at >= p.start, Matter.closed_at < p.end), index) for index, p in enumerate(periods)]
    )
    cohorts = (
        (by_deadline, [Matter.handle_due_at > first_start, Matter.handle_due_at <= last_end]),
        (by_closing, [Matter.handle_due_at.is_(None), Matter.closed_at >= first_start, Matter.closed_at < last_end]),
    )
    due, done = [0] * len(periods), [0] * len(periods)
    for bucket, conditions in cohorts:
        month = bucket.label("month_index")
        for index, n_due, n_on_time in db.session.execute(
            select(month, func.count(Matter.id), on_time).where(*base, *conditions).group_by(month)
        ):
            if index is not None:
                due[index] += int(n_due)
                done[index] += int(n_on_time)
    return [MonthRate(first, done[i], due[i]) for i, first in enumerate(firsts)]


@dataclass
class OverdueList:
    total: int
    matters: list[Matter]
    lights: dict[int, str | None]


def overdue_matters(
    user, within: Division | None = None, now: datetime | None = None, limit: int = OVERDUE_LIST_LIMIT
) -> OverdueList:
    """Open matters of the scope past the deadline of the stage they are in, the
    longest overdue first (as the inbox's 已超期, but for the whole scope)."""
    now = now or utcnow()
    condition = and_(
        Matter.status.in_(reference.OPEN_STATUSES),
        Matter.due_at.is_not(None),
        Matter.due_at < now,
        grids_within(Matter.grid_id, within),
    )
    total = db.session.execute(
        select(func.count(Matter.id)).where(scope_condition(Matter, user), condition)
    ).scalar_one()
    matters = list(
        db.session.scalars(
            scoped_select(Matter, user)
            .where(condition)
            .order_by(Matter.due_at, Matter.id)
            .limit(limit)
            .options(selectinload(Matter.grid).selectinload(Division.parent))
        )
    )
    # Past its stage's deadline a matter's light is red whatever the working-day
    # calendar says (workdays.share_used), so the clock need not be read for each.
    return OverdueList(total, matters, {m.id: workdays.RED for m in matters})
