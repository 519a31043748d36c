"""一类/二类/三类户: what each visit class means and how often its households must be
visited, as the county has set them (the `visit_class` table, edited by county
administrators). Households store only the level (1, 2, 3).

Everything that shows or accepts a class reads it through here; the rows are read
once per request (or CLI command) and the cache is dropped when a class changes.
Field visits (issue 6) use `visit_classes()` and `period_bounds()` to find
households overdue for a visit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import g, has_app_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.auth import audit
from app.core.forms import RuleError
from app.extensions import db
from app.registry.people.models import VisitClass

LEVELS = (1, 2, 3)
VISIT_PERIODS = {"month": _l("每月"), "quarter": _l("每季度"), "year": _l("每年")}
MAX_VISITS = 31
_CACHE = "_visit_classes"


@dataclass(frozen=True)
class VisitClassInfo:
    """One class as the app uses it: level, name (一类), meaning and frequency."""

    level: int
    name: str
    description: str
    visits_required: int
    visit_period: str

    @property
    def frequency(self) -> str:
        """每季度至少走访 2 次"""
        return frequency_text(self.visits_required, self.visit_period)

    @property
    def choice_label(self) -> str:
        """一类（重点关注：…）, as offered in forms."""
        if not self.description:
            return self.name
        return _("%(name)s（%(description)s）", name=self.name, description=self.description)


def frequency_text(visits: int, period: str) -> str:
    if visits <= 0:
        return _("不作走访次数要求")
    period_text = VISIT_PERIODS.get(period)
    return _("%(period)s至少走访 %(n)d 次", period=str(period_text) if period_text else period, n=visits)


def visit_classes() -> list[VisitClassInfo]:
    """The classes in level order, with their visit frequency (cached per request)."""
    cached = g.get(_CACHE) if has_app_context() else None
    if cached is not None:
        return cached
    rows = [
        VisitClassInfo(row.level, row.name, row.description, row.visits_required, row.visit_period)
        for row in db.session.scalars(select(VisitClass).order_by(VisitClass.level))
    ]
    if has_app_context():
        setattr(g, _CACHE, rows)
    return rows


def forget_cached() -> None:
    if has_app_context():
        g.pop(_CACHE, None)


def visit_class(level: int | None) -> VisitClassInfo | None:
    return next((c for c in visit_classes() if c.level == level), None)


def visit_class_name(level: int | None) -> str:
    """一类 for 1; the bare number for a level the table does not hold."""
    found = visit_class(level)
    if found is not None:
        return found.name
    return "" if level is None else str(level)


def is_level(level) -> bool:
    return visit_class(level) is not None


def names() -> dict[int, str]:
    """{level: name}, for list filters and the change feed."""
    return {c.level: c.name for c in visit_classes()}


def choices() -> list[tuple[int, str]]:
    """(level, 一类（…）) for select fields."""
    return [(c.level, c.choice_label) for c in visit_classes()]


def period_bounds(period: str, day: date) -> tuple[date, date]:
    """First and last day of the month, quarter or year that holds `day`."""
    if period == "month":
        start = day.replace(day=1)
        end_month = day.month
    elif period == "quarter":
        first_month = 3 * ((day.month - 1) // 3) + 1
        start = date(day.year, first_month, 1)
        end_month = first_month + 2
    elif period == "year":
        start = date(day.year, 1, 1)
        end_month = 12
    else:
        raise ValueError(period)
    following = date(day.year + 1, 1, 1) if end_month == 12 else date(day.year, end_month + 1, 1)
    return start, date.fromordinal(following.toordinal() - 1)


# --- Editing (county administrators) -------------------------------------------------


class VisitClassError(RuleError):
    """A rule of the visit-class list refused the change."""


@dataclass
class VisitClassValues:
    name: str
    description: str = ""
    visits_required: int = 1
    visit_period: str = "quarter"


def update_visit_class(row: VisitClass, values: VisitClassValues, *, user=None) -> bool:
    """Change a class's name, meaning or frequency; audited with before and after.
    Households keep their level, so nothing else changes."""
    name = (values.name or "").strip()
    if not name:
        raise VisitClassError(_("此项为必填项。"), "name")
    if len(name) > 16:
        raise VisitClassError(_("不能超过 %(n)d 个字。", n=16), "name")
    twin = db.session.scalar(select(VisitClass.id).where(VisitClass.name == name, VisitClass.id != row.id))
    if twin is not None:
        raise VisitClassError(_("已有同名的走访分类。"), "name")
    description = (values.description or "").strip()
    if len(description) > 200:
        raise VisitClassError(_("不能超过 %(n)d 个字。", n=200), "description")
    if values.visits_required is None or not 0 <= values.visits_required <= MAX_VISITS:
        raise VisitClassError(_("请填写 0 到 %(n)d 之间的整数。", n=MAX_VISITS), "visits_required")
    if values.visit_period not in VISIT_PERIODS:
        raise VisitClassError(_("请从列表中选择。"), "visit_period")
    after = {
        "name": name,
        "description": description,
        "visits_required": values.visits_required,
        "visit_period": values.visit_period,
    }
    before = {key: getattr(row, key) for key in after}
    changed = [key for key in after if after[key] != before[key]]
    if not changed:
        return False
    for key in changed:
        setattr(row, key, after[key])
    audit.record(
        "visit_class_updated",
        target=row,
        actor=user,
        summary=name,
        detail={"before": {k: before[k] for k in changed}, "after": {k: after[k] for k in changed}},
    )
    db.session.flush()
    forget_cached()
    return True
