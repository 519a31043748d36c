"""Everything the dashboard page and the big screen show, gathered once: the figures
(services.py) and their charts (charts.py), each chart with the rows of its table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _

from app.auth.roles import may_see_key_persons
from app.core.timeutil import utcnow
from app.dashboard import charts, fieldwork, services
from app.dashboard.filters import Chosen
from app.matters import indicators


@dataclass
class Figure:
    """A chart and its table: `rows` are (label, value, …) as the table shows them."""

    id: str
    chart: object
    rows: list[tuple]
    headers: tuple[str, ...]
    line: bool = False


@dataclass
class Board:
    chosen: Chosen
    population: services.Population
    key_persons: list[tuple[str, int]] | None
    matters: services.MatterBreakdown
    counts: indicators.Counts
    trend: list[services.MonthRate]
    overdue: services.OverdueList
    figures: dict[str, Figure]
    generated_at: datetime
    scope_name: str
    visits: fieldwork.VisitFigures
    patrols: fieldwork.PatrolFigures

    @property
    def on_time_rate(self) -> str:
        return indicators.percent(self.counts.on_time_rate)


def _count_figure(id: str, title: str, rows: list[tuple[str, int]], header: str, columns: bool = False) -> Figure:
    chart = (charts.column_chart if columns else charts.bar_chart)(title, rows)
    return Figure(id, chart, rows, (header, _("数量")))


def _scope_name(user, within) -> str:
    """What the figures cover: the division chosen, else the user's own (a county, a
    town …); a grid worker's extra assigned grids are in the figures all the same."""
    if within is not None:
        return within.full_name
    if user.scope_division is not None:
        return user.scope_division.full_name
    return _("全部（我的管辖范围）")


def build(user, chosen: Chosen, now: datetime | None = None) -> Board:
    now = now or utcnow()
    within, period = chosen.within, chosen.period
    people = services.population(user, within)
    keys = services.key_persons(user, within) if may_see_key_persons(user) else None
    matters = services.matter_breakdown(user, period, within)
    trend = services.on_time_trend(user, period.last_day, within, now=now)
    figures = {
        "sex": _count_figure("chart-sex", _("实有人口（按性别）"), people.sex_rows(), _("性别"), columns=True),
        "age": _count_figure("chart-age", _("实有人口（按年龄段）"), people.age_rows(), _("年龄段"), columns=True),
        "type": _count_figure(
            "chart-type", _("实有人口（按人口类别）"), people.type_rows(), _("人口类别"), columns=True
        ),
        "class": _count_figure("chart-class", _("事件（按大类）"), matters.class_rows(), _("大类")),
        "status": _count_figure("chart-status", _("事件（按状态）"), matters.status_rows(), _("状态")),
        "source": _count_figure("chart-source", _("事件（按来源）"), matters.source_rows(), _("来源")),
        "types": _count_figure(
            "chart-types", _("高发问题（按小类）"), services.top_types(user, period, within), _("小类")
        ),
    }
    if keys is not None:
        figures["keys"] = _count_figure("chart-keys", _("重点人员（按类别，在管）"), keys, _("类别"))
    month_labels = [f"{rate.month:%Y-%m}" for rate in trend]
    figures["trend"] = Figure(
        "chart-trend",
        charts.line_chart(
            _("按期办结率（近 12 个月）"), [(_("%(month)d月", month=rate.month.month), rate.rate) for rate in trend]
        ),
        [(label, rate.on_time, rate.due, indicators.percent(rate.rate)) for label, rate in zip(month_labels, trend)],
        (_("月份"), _("按期办结"), _("应办结"), _("按期办结率")),
        line=True,
    )
    visits = fieldwork.visit_figures(user, period, within)
    patrols = fieldwork.patrol_figures(user, period, within)
    figures["visits"] = Figure(
        "chart-visits",
        charts.bar_chart(_("入户走访覆盖率"), [(row.unit.name, row.percent) for row in visits.units], "%", 100),
        [
            (
                row.unit.name,
                row.coverage.households,
                row.coverage.visited_households,
                row.coverage.visits,
                indicators.percent(row.percent),
            )
            for row in visits.units
        ],
        (_("单位"), _("在册户数"), _("已走访户数"), _("走访次数"), _("覆盖率")),
    )
    figures["patrols"] = Figure(
        "chart-patrols",
        charts.bar_chart(_("巡查达标率"), [(row.unit.name, row.percent) for row in patrols.units], "%", 100),
        [
            (row.unit.name, row.workers, row.met, row.patrols, row.required, indicators.percent(row.percent))
            for row in patrols.units
        ],
        (_("单位"), _("网格员"), _("达标人数"), _("巡查次数"), _("应巡查次数"), _("达标率")),
    )
    return Board(
        chosen,
        people,
        keys,
        matters,
        services.period_counts(user, period, within, now),
        trend,
        services.overdue_matters(user, within, now),
        figures,
        now,
        _scope_name(user, within),
        visits,
        patrols,
    )
