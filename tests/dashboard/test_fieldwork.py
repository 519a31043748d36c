"""Visit coverage and patrol compliance on the dashboard (fixture `fieldwork` in conftest.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from app.dashboard import fieldwork as figures
from app.matters.indicators import Period
from tests.conftest import text_of

JUNE = Period(dt.date(2026, 6, 1), dt.date(2026, 6, 30))
TODAY = dt.date(2026, 11, 22)


def test_visit_coverage_per_scope_and_unit(fieldwork):
    u = fieldwork.world.users
    worker = figures.visit_figures(u["worker_a"], JUNE)
    assert (worker.total.households, worker.total.visited_households, worker.total.visits) == (2, 1, 2)
    assert worker.percent == Decimal("50.0")
    assert [(row.unit.name, row.percent) for row in worker.units] == [("东关一网格", Decimal("50.0"))]
    station = figures.visit_figures(u["station_a"], JUNE)
    assert station.percent == Decimal("33.3")
    assert [(row.unit.name, row.percent) for row in station.units] == [
        ("东关一网格", Decimal("50.0")),
        ("东关二网格", Decimal("0.0")),
    ]
    county = figures.visit_figures(u["admin"], JUNE)
    assert (county.total.households, county.total.visited_households, county.total.visits) == (4, 2, 3)
    assert [(row.unit.name, row.percent) for row in county.units] == [
        ("城关镇", Decimal("33.3")),
        ("河西街道", Decimal("100.0")),
    ]


def test_patrol_compliance_of_the_last_ended_week(fieldwork):
    u = fieldwork.world.users
    county = figures.patrol_figures(u["admin"], JUNE, today=TODAY)
    assert (county.week_start, county.week_end) == (dt.date(2026, 6, 22), dt.date(2026, 6, 28))
    total = county.total
    assert (total.workers, total.met, total.patrols, total.required, total.percent) == (2, 1, 4, 6, Decimal("50.0"))
    assert [(row.unit.name, row.percent) for row in county.units] == [
        ("城关镇", Decimal("100.0")),
        ("河西街道", Decimal("0.0")),
    ]
    assert [(week.staff.name, week.patrols, week.required) for week in county.behind] == [("员工worker_b", 1, 3)]
    worker = figures.patrol_figures(u["worker_a"], JUNE, today=TODAY)
    assert (worker.total.workers, worker.total.met, worker.behind) == (1, 1, [])


def test_last_ended_week():
    november = Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    assert figures.last_ended_week(november, dt.date(2026, 11, 22)) == dt.date(2026, 11, 9)  # Sunday: still running
    assert figures.last_ended_week(november, dt.date(2026, 11, 23)) == dt.date(2026, 11, 16)
    assert figures.last_ended_week(JUNE, TODAY) == dt.date(2026, 6, 22)


def test_dashboard_shows_field_work(fieldwork, client_as):
    response = client_as("admin").get("/dashboard/?period=month&month=2026-06")
    html, text = response.get_data(as_text=True), text_of(response)
    assert "走访覆盖率 50.0%" in text and "巡查达标率 50.0%" in text
    assert "城关镇 3 1 2 33.3% 河西街道 1 1 1 100.0%" in text
    assert "城关镇 1 1 3 3 100.0% 河西街道 1 0 1 3 0.0%" in text
    visits_chart = html.split('id="chart-visits"')[1].split("</figure>")[0]
    assert "<svg" in visits_chart and ">33.3%</text>" in visits_chart and ">河西街道</text>" in visits_chart
    assert "未达标的网格员" in text and "滨河一网格 员工worker_b 1 3" in text
