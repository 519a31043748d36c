"""The indicators page and its xlsx (definitions in app.matters.indicators), and the
period / scope filter the 12345 回单 shares."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask import render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.auth import audit
from app.core.rendering import xlsx_download
from app.core.scoping import get_visible_or_404, scoped_select
from app.core.timeutil import local_today
from app.core.xlsx import Column, write_table
from app.extensions import db
from app.matters import bp, indicators
from app.matters.forms import IndicatorForm, PeriodForm
from app.org.models import Division, Level
from app.org.services import division_choices

DATE_FORMAT = "%Y-%m-%d"


@dataclass
class Chosen:
    period: indicators.Period
    within: Division | None
    valid: bool


def _day(field) -> date | None | bool:
    text = (field.data or "").strip()
    if not text:
        return None
    try:
        return datetime.strptime(text, DATE_FORMAT).date()
    except ValueError:
        field.errors = [_("日期格式应为 YYYY-MM-DD。")]
        return False


def read_period(form: PeriodForm) -> Chosen:
    """The period and division the form asks for; by default this month so far, all
    of the user's scope. A division outside the scope is 404."""
    form.division.choices = [(0, _("全部（我的管辖范围）"))] + division_choices(
        db.session.scalars(
            scoped_select(Division)
            .where(Division.level.in_((Level.TOWN.value, Level.COMMUNITY.value)), Division.status == "active")
            .order_by(Division.code)
        )
    )
    today = local_today()
    first, last = _day(form.date_from), _day(form.date_to)
    valid = first is not False and last is not False
    first = first or today.replace(day=1)
    last = last or max(today, first)
    if valid and last < first:
        form.date_to.errors = [_("截止日期不能早于起始日期。")]
        valid = False
    if not valid:
        first, last = today.replace(day=1), today
    form.date_from.data, form.date_to.data = first.isoformat(), last.isoformat()
    within = get_visible_or_404(Division, form.division.data) if form.division.data else None
    return Chosen(indicators.Period(first, last), within, valid)


def _filters() -> tuple[IndicatorForm, Chosen, str]:
    form = IndicatorForm(request.args)
    chosen = read_period(form)
    level = form.level.data if form.level.data in indicators.LEVELS else "grid"
    form.level.data = level
    return form, chosen, level


@bp.route("/matters/indicators")
@login_required
def indicator_table():
    """Reported, due, closed on time, rates … per grid, community or town."""
    form, chosen, level = _filters()
    table = indicators.compute(current_user, chosen.period, level, chosen.within)
    return render_template(
        "matters/indicators.html",
        form=form,
        table=table,
        percent=indicators.percent,
        level_label=str(indicators.LEVELS[level]),
    )


def _rate(attribute: str):
    return lambda row: _excel_rate(getattr(row.counts, attribute))


def _excel_rate(value):
    return "—" if value is None else float(value)


def indicator_columns(level: str) -> list[Column]:
    counts = lambda name: lambda row: getattr(row.counts, name)
    return [
        Column("code", _("区划编码"), 17),
        Column("label", str(indicators.UNIT_HEADERS[level]), 24),
        Column(counts("reported"), _("上报数"), 8, "int"),
        Column(counts("due"), _("应办结数"), 9, "int"),
        Column(counts("closed"), _("结案数"), 8, "int"),
        Column(counts("on_time"), _("按期办结数"), 10, "int"),
        Column(_rate("on_time_rate"), _("按期办结率(%)"), 12, "int"),
        Column(counts("verified"), _("已核实数"), 9, "int"),
        Column(counts("verified_on_time"), _("按时核实数"), 10, "int"),
        Column(_rate("verify_rate"), _("按时核实率(%)"), 12, "int"),
        Column(counts("reworked"), _("返工数"), 8, "int"),
        Column(_rate("rework_rate"), _("返工率(%)"), 10, "int"),
        Column(counts("overdue"), _("超期数"), 8, "int"),
        Column(counts("late"), _("迟报数"), 8, "int"),
        Column(counts("extensions"), _("延期次数"), 9, "int"),
        Column(counts("rated"), _("已评价数"), 9, "int"),
        Column(counts("satisfied"), _("满意及基本满意数"), 14, "int"),
        Column(_rate("satisfaction_rate"), _("满意率(%)"), 10, "int"),
    ]


@bp.route("/matters/indicators.xlsx")
@login_required
def export_indicators():
    """The same table as xlsx (with every numerator and denominator), audited."""
    _form, chosen, level = _filters()
    table = indicators.compute(current_user, chosen.period, level, chosen.within)
    total = indicators.IndicatorRow("", _("合计"), table.total)
    scope = chosen.within.name if chosen.within else _("全部（我的管辖范围）")
    title = _(
        "事件指标（%(first)s 至 %(last)s，%(scope)s，%(level)s）",
        first=chosen.period.first_day.isoformat(),
        last=chosen.period.last_day.isoformat(),
        scope=scope,
        level=str(indicators.LEVELS[level]),
    )
    payload = write_table(indicator_columns(level), [*table.rows, total], title=title, sheet_name=_("事件指标"))
    audit.record_now(
        "indicators_exported",
        summary=title,
        detail={
            "from": chosen.period.first_day.isoformat(),
            "to": chosen.period.last_day.isoformat(),
            "level": level,
            "division": chosen.within.code if chosen.within else None,
            "rows": len(table.rows),
        },
    )
    return xlsx_download(payload, _("事件指标"))
