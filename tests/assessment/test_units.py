"""Units are assessed too (002 篇九; 003 五个到位): the units' yearly board on a
hand-computed year of dispatched matters, the manual adjustments (人工加减分: 002 篇五
"存在重大问题、隐患或解决不利的，每处扣…") on the units' and the grids' boards, and who may
record them. Forms filled as rendered.

县城市管理局 in 2026 (now: 1 December 2026):
  M1 dispatched 1 Mar, due 10 Mar, closed 9 Mar on time
  M2 dispatched 1 Apr, due 10 Apr, closed 15 Apr late, reworked once
  M3 dispatched 1 May, due 10 May, still handling (overdue), chased 12 May
  M4 dispatched 20 Dec 2025, due 5 Jan, closed 4 Jan on time
  M5 merged into M1: never counts
  承办 3 (M1–M3); 应办结 4; 按期 2 → 50.0 %; 超期 2 (M2, M3); 结案 3 (M1, M2, M4), 返工 1 → 33.3 %;
  被催办 1. Score: 100 − 2 × 2 (承办事件超期) − 1 × 1 (承办事件返工) = 95; with a −20
  adjustment 75 (通报批评).
东关社区's station: M6 dispatched 1 Jun, due 5 Jun, closed 4 Jun on time → 100.0 %, 100.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from app.assessment import units
from app.assessment.models import ScoreAdjustment
from app.core.database import write_transactions
from app.extensions import db
from app.matters import reporting
from tests.conftest import fresh
from tests.web import choose, forge, form_on, options, press, visible_text

NOW = datetime(2026, 12, 1, 2, 0)


def _matter(world, text, *, dispatched, due, closed=None, on_time=None, rework=0, chased=None, community=False):
    matter = reporting.report(
        reporting.MatterValues(class_code="city", description=text, grid=world.grid_a, source="visit")
    )
    matter.created_at = dispatched
    matter.dispatched_at = dispatched
    matter.handle_due_at = due
    if community:
        matter.handler_level, matter.handler_division_id = "community", world.community_a.id
    else:
        matter.handler_level, matter.handler_department_id = "department", world.department.id
    matter.status = "closed" if closed else "handling"
    matter.closed_at, matter.closed_on_time = closed, on_time
    matter.rework_count = rework
    matter.chased_at = chased
    db.session.flush()
    return matter


@pytest.fixture()
def year_2026(app, world):
    with write_transactions():
        m1 = _matter(
            world,
            "M1",
            dispatched=datetime(2026, 3, 1, 2),
            due=datetime(2026, 3, 10, 16),
            closed=datetime(2026, 3, 9, 2),
            on_time=True,
        )
        _matter(
            world,
            "M2",
            dispatched=datetime(2026, 4, 1, 2),
            due=datetime(2026, 4, 10, 16),
            closed=datetime(2026, 4, 15, 2),
            on_time=False,
            rework=1,
        )
        _matter(
            world,
            "M3",
            dispatched=datetime(2026, 5, 1, 2),
            due=datetime(2026, 5, 10, 16),
            chased=datetime(2026, 5, 12, 2),
        )
        _matter(
            world,
            "M4",
            dispatched=datetime(2025, 12, 20, 2),
            due=datetime(2026, 1, 5, 16),
            closed=datetime(2026, 1, 4, 2),
            on_time=True,
        )
        merged = _matter(world, "M5", dispatched=datetime(2026, 3, 2, 2), due=datetime(2026, 3, 11, 16))
        merged.status, merged.merged_into_id = "merged", m1.id
        _matter(
            world,
            "M6",
            dispatched=datetime(2026, 6, 1, 2),
            due=datetime(2026, 6, 5, 16),
            closed=datetime(2026, 6, 4, 2),
            on_time=True,
            community=True,
        )
        db.session.commit()
    return world


def test_the_units_year_against_hand_counts(year_2026):
    world = year_2026
    rows = units.board(2026, [world.department], [world.community_a], now=NOW)
    department, station = rows
    c = department.counts
    assert (c.assigned, c.due, c.on_time, c.overdue, c.closed, c.reworked, c.chased) == (3, 4, 2, 2, 3, 1, 1)
    assert str(c.on_time_rate) == "50.0" and str(c.rework_rate) == "33.3"
    assert [(d.rule.code, d.count, d.points) for d in department.deductions] == [
        ("unit_overdue", 2, -4),
        ("unit_rework", 1, -1),
    ]
    assert department.score == 95 and department.flag is None
    s = station.counts
    assert (s.assigned, s.due, s.on_time, s.overdue) == (1, 1, 1, 0) and station.score == 100
    # 2025: only M4 was dispatched then, due the next year.
    earlier = units.board(2025, [world.department], [], now=NOW)[0].counts
    assert (earlier.assigned, earlier.due) == (1, 0)


def test_a_county_deduction_puts_a_department_under_the_line(year_2026, web_as):
    web = web_as("admin")
    form = form_on(web.get("/assessment/units").click(description="记录加减分"), button="保存")
    choose(form, "subject", "县城市管理局（职能部门）")
    form["day"] = "2026-11-20"
    form["points"] = "-20"
    form["reason"] = "占道经营投诉处置不力"
    # No record behind it: refused at the field, what was typed kept.
    refused = press(form, "保存", status=400)
    assert "请写明依据的记录（如督查记录、事件编号、日期和地点）。" in visible_text(refused)
    form = form_on(refused, button="保存")
    assert form["reason"].value == "占道经营投诉处置不力"
    form["basis"] = "2026-11-20 县督查组督查记录第 12 号"
    detail = press(form, "保存").follow()
    assert "已记录加减分。" in visible_text(detail) and "-20" in visible_text(detail)
    board = web.get("/assessment/units", params={"kind": "department", "year": "2026"})
    row = board.html.select_one('#unit-board tr[data-unit="县城市管理局"]')
    assert row is not None
    cells = [td.get_text(" ", strip=True) for td in row.select("td")]
    # 承办 应办结 按期办结率 超期 返工率 被催办 扣分 人工加减分 得分 处理 — counted as of today,
    # when M3 is still overdue.
    assert cells[2:5] == ["3", "4", "50.0%"] and cells[5] == "2" and cells[10] == "75" and "通报批评" in cells[11]
    # Withdrawn, it no longer counts.
    adjustment = db.session.scalar(select(ScoreAdjustment).where(ScoreAdjustment.points == -20))
    page = web.get(f"/assessment/adjustments/{adjustment.id}")
    withdraw = form_on(page, action=f"/assessment/adjustments/{adjustment.id}/withdraw")
    withdraw["reason"] = "申诉后核实为群众误报"
    press(withdraw, "撤销这条加减分")
    fresh()
    board = web.get("/assessment/units", params={"kind": "department", "year": "2026"})
    row = board.html.select_one('#unit-board tr[data-unit="县城市管理局"]')
    assert [td.get_text(strip=True) for td in row.select("td")][10] == "95"


def test_a_towns_deduction_counts_on_the_grid_board(world, web_as):
    web = web_as("town_a")
    form = form_on(web.get("/assessment/adjustments/new"), button="保存")
    offered = dict(options(form, "subject"))
    # A town adjusts its grids and communities, not itself, other towns or departments.
    assert f"division:{world.grid_a.id}" in offered and f"division:{world.community_a.id}" in offered
    assert f"division:{world.town_a.id}" not in offered and f"division:{world.grid_b.id}" not in offered
    assert not any(value.startswith("department:") for value in offered)
    form["subject"] = f"division:{world.grid_a.id}"
    form["day"] = "2026-11-05"
    form["points"] = "-3"
    form["reason"] = "消防通道堵塞未上报"
    form["basis"] = "2026-11-05 镇督查，东关路 12 号"
    press(form, "保存")
    fresh()
    text = visible_text(web.get(f"/assessment/grids/{world.grid_a.id}", params={"period": "2026-11"}))
    assert "人工加减分" in text and "消防通道堵塞未上报" in text and "-3" in text
    # Not on the worker's board: the grid's, not its workers'.
    worker = visible_text(web.get(f"/assessment/workers/{world.staff['worker_a'].id}", params={"period": "2026-11"}))
    assert "消防通道堵塞未上报" not in worker
    # Forged: another town's grid, zero points, a station recording.
    refused = forge(
        web,
        "/assessment/adjustments/new",
        {"subject": f"division:{world.grid_b.id}", "day": "2026-11-05", "points": "-3", "reason": "x", "basis": "y"},
    )
    assert refused.status_int == 400 and "请从列表中选择。" in visible_text(refused)
    zero = forge(
        web,
        "/assessment/adjustments/new",
        {"subject": f"division:{world.grid_a.id}", "day": "2026-11-05", "points": "0", "reason": "x", "basis": "y"},
    )
    assert "分值应在 -20 到 20 之间且不为 0（负数为扣分）。" in visible_text(zero)
    station = web_as("station_a")
    assert forge(station, "/assessment/adjustments/new", {}).status_int == 403
    # The grid's own worker reads it; another grid's worker gets a 404.
    adjustment = db.session.scalar(select(ScoreAdjustment).where(ScoreAdjustment.reason == "消防通道堵塞未上报"))
    assert web_as("worker_a").get(f"/assessment/adjustments/{adjustment.id}").status_int == 200
    assert web_as("worker_b").get(f"/assessment/adjustments/{adjustment.id}", expect_errors=True).status_int == 404


def test_a_station_sees_its_own_row(year_2026, web_as):
    web = web_as("station_a")
    board = web.get("/assessment/units")
    names = [tr["data-unit"] for tr in board.html.select("#unit-board tbody tr")]
    assert names == ["东关社区"]
    assert "县城市管理局" not in visible_text(web.get("/assessment/units", params={"kind": "department"}))
