"""The dashboard's filter: a month, quarter or year, and a division within the
user's scope (a plain GET form, no CSRF)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField

from app.core.forms import Form
from app.core.scoping import get_visible_or_404, scoped_select
from app.core.timeutil import local_today
from app.extensions import db
from app.matters.indicators import Period
from app.org.models import Division, Level
from app.org.services import division_choices

KINDS = {"month": _l("月"), "quarter": _l("季度"), "year": _l("年")}
MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")


class DashboardForm(Form):
    class Meta:
        csrf = False

    period = SelectField(_l("统计期间"), choices=list(KINDS.items()), default="month")
    month = StringField(_l("所在月份"), render_kw={"type": "month", "placeholder": "2026-11"})
    division = SelectField(_l("范围"), coerce=int, validate_choice=False, default=0)


@dataclass
class Chosen:
    kind: str
    month: date
    period: Period
    within: Division | None

    @property
    def label(self) -> str:
        if self.kind == "year":
            return _("%(year)d年", year=self.month.year)
        if self.kind == "quarter":
            return _("%(year)d年第%(quarter)d季度", year=self.month.year, quarter=(self.month.month - 1) // 3 + 1)
        return _("%(year)d年%(month)d月", year=self.month.year, month=self.month.month)


def period_of(kind: str, month: date) -> Period:
    """The calendar month, quarter or year that contains `month`."""
    if kind == "year":
        return Period(date(month.year, 1, 1), date(month.year, 12, 31))
    if kind == "quarter":
        first = date(month.year, (month.month - 1) // 3 * 3 + 1, 1)
        last_month = first.month + 2
    else:
        first = month.replace(day=1)
        last_month = first.month
    following = date(first.year + last_month // 12, last_month % 12 + 1, 1)
    return Period(first, date.fromordinal(following.toordinal() - 1))


def _month(field, today: date) -> date:
    text = (field.data or "").strip()
    match = MONTH_PATTERN.match(text)
    # Years 0 and 9999 match the pattern but make no date (year 0, or the day after
    # the period ends): a 500. Refused like month 13.
    if text and (match is None or not 1 <= int(match.group(2)) <= 12 or not 1 <= int(match.group(1)) <= 9998):
        field.errors = [_("月份格式应为 YYYY-MM。")]
        match = None
    month = date(int(match.group(1)), int(match.group(2)), 1) if match else today.replace(day=1)
    field.data = f"{month:%Y-%m}"
    return month


def division_options(user) -> list[tuple[int, str]]:
    return [(0, _("全部（我的管辖范围）"))] + division_choices(
        db.session.scalars(
            scoped_select(Division, user)
            .where(
                Division.level.in_((Level.TOWN.value, Level.COMMUNITY.value, Level.GRID.value)),
                Division.status == "active",
            )
            .order_by(Division.code)
        )
    )


def read_filters(form: DashboardForm, user) -> Chosen:
    """What the form asks for; by default this month and the whole scope. A division
    outside the scope is 404."""
    form.division.choices = division_options(user)
    kind = form.period.data if form.period.data in KINDS else "month"
    form.period.data = kind
    month = _month(form.month, local_today())
    within = get_visible_or_404(Division, form.division.data, user) if form.division.data else None
    return Chosen(kind, month, period_of(kind, month), within)
