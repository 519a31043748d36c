"""Chinese working days: deadlines of the matters loop are counted in them.

Which days are worked comes from, in order:
1. days an administrator entered (HolidayDay rows): for years the chinesecalendar
   package does not know yet — the State Council publishes each year's holidays
   in November or December, often before a package release — or for a local change;
2. chinesecalendar (official holidays and make-up working days, 2004 to its last
   year);
3. otherwise Monday to Friday, and the app warns (`year_is_known`).

A year is *known* when the package covers it or an administrator confirmed its whole
arrangement as entered (HolidayYear); a few entered days do not make it known. A
deadline, report day or due date in a year not known is an estimate: the `deadline`
filter marks it （预计）, and the pages that count deadlines warn
(`calendar_gap_years`, shown by base.html).

Deadlines (docs/domain.md, 002 篇七/篇八): "within N working days" counts from the day
after the start, as Chinese administrative practice does (期间开始之日不计入), and
ends at the end of the Nth working day. The time used is measured in working time
only: holidays and weekends do not eat into the handler's allowance.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import chinese_calendar
from flask import g, has_request_context
from sqlalchemy import select

from app.core.timeutil import LOCAL_ZONE, to_local
from app.extensions import db

DAY = timedelta(days=1)


@dataclass(frozen=True)
class Calendar:
    """Working days from the package plus the administrators' own entries."""

    overrides: dict[date, bool]
    # Years whose arrangement is complete (the package's, and confirmed ones); None:
    # every year (a calendar made by hand, in tests of the counting itself).
    known_years: frozenset[int] | None = None
    # Each day's answer once asked: an inbox's traffic lights ask about the same few
    # weeks thousands of times (chinesecalendar takes some 20 µs an answer).
    _answers: dict[date, bool] = field(default_factory=dict, compare=False, repr=False)

    def is_workday(self, day: date) -> bool:
        if self.known_years is not None and day.year not in self.known_years:
            _note_estimated(day.year)
        answer = self._answers.get(day)
        if answer is None:
            answer = self._answers[day] = self._look_up(day)
        return answer

    def _look_up(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            return day.weekday() < 5

    def add_workdays(self, start: date, count: int) -> date:
        """The Nth working day after `start` (start itself not counted)."""
        day = start
        remaining = count
        while remaining > 0:
            day += DAY
            if self.is_workday(day):
                remaining -= 1
        return day

    def working_seconds(self, begin: datetime, end: datetime) -> float:
        """Seconds of working days between two local times (0 when end ≤ begin)."""
        if end <= begin:
            return 0.0
        total = 0.0
        day = begin.date()
        while day <= end.date():
            if self.is_workday(day):
                day_start = datetime.combine(day, time.min, tzinfo=begin.tzinfo)
                lower = max(begin, day_start)
                upper = min(end, day_start + DAY)
                if upper > lower:
                    total += (upper - lower).total_seconds()
            day += DAY
        return total


@functools.cache  # (the package's data does not change while the process runs)
def package_years() -> range:
    """The years chinesecalendar knows."""
    known = [d.year for d in chinese_calendar.holidays] + [d.year for d in chinese_calendar.workdays]
    return range(min(known), max(known) + 1)


def load_calendar() -> Calendar:
    from app.matters.models import HolidayDay

    rows = db.session.execute(select(HolidayDay.day, HolidayDay.is_workday)).all()
    return Calendar(dict(rows), frozenset(package_years()) | confirmed_years())


def confirmed_years() -> frozenset[int]:
    """Years an administrator confirmed as entered in full (read once per request)."""
    if has_request_context() and "_confirmed_holiday_years" in g:
        return g._confirmed_holiday_years
    from app.matters.models import HolidayYear

    years = frozenset(db.session.scalars(select(HolidayYear.year)))
    if has_request_context():
        g._confirmed_holiday_years = years
    return years


def year_is_known(year: int) -> bool:
    """True when the package covers `year` or its arrangement was confirmed complete."""
    return year in package_years() or year in confirmed_years()


def _note_estimated(year: int) -> None:
    if has_request_context():
        g.setdefault("calendar_estimated_years", set()).add(year)


# However long a stage may last, its deadline lies within this many days of today.
HORIZON = timedelta(days=60)


def calendar_gap_years(today: date) -> list[int]:
    """The years a deadline counted today may fall in that are not known, and any year
    this request's calendar had to guess."""
    years = {today.year, (today + HORIZON).year}
    if has_request_context():
        years |= g.get("calendar_estimated_years", set())
    return sorted(year for year in years if not year_is_known(year))


def end_of_day_utc(day: date) -> datetime:
    """Local midnight at the end of `day`, as the naive UTC the database keeps."""
    end_local = datetime.combine(day + DAY, time.min, tzinfo=LOCAL_ZONE)
    return end_local.astimezone(UTC).replace(tzinfo=None)


def deadline_after(calendar: Calendar, started_utc: datetime, workdays: int) -> datetime:
    """The end of the Nth working day after the start (its own day not counted)."""
    return end_of_day_utc(calendar.add_workdays(to_local(started_utc).date(), workdays))


def extend_deadline(calendar: Calendar, due_utc: datetime, workdays: int) -> datetime:
    """A deadline moved on by N working days (an approved extension)."""
    last_day = to_local(due_utc - timedelta(seconds=1)).date()
    return end_of_day_utc(calendar.add_workdays(last_day, workdays))


def share_used(calendar: Calendar, started_utc: datetime, due_utc: datetime, now_utc: datetime) -> float:
    """How much of the working time between start and deadline has gone (1.0 = due now)."""
    begin, due, now = to_local(started_utc), to_local(due_utc), to_local(now_utc)
    allowed = calendar.working_seconds(begin, due)
    if allowed <= 0:
        return 1.0 if now < due else float("inf")
    if now > due:
        # Past the deadline it is overdue whatever the calendar says about today.
        return max(1.0 + 1e-9, calendar.working_seconds(begin, now) / allowed)
    return calendar.working_seconds(begin, now) / allowed


GREEN, YELLOW, RED = "green", "yellow", "red"
WARNING_SHARE = 0.8


def traffic_light(share: float) -> str:
    """Green under 80 % of the time used, yellow from 80 % to 100 % inclusive, red after."""
    if share > 1.0:
        return RED
    return YELLOW if share >= WARNING_SHARE else GREEN
