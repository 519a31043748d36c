"""今日工作 on the start page: grid workers and stations see, per grid of their scope,
the visits, patrols, reports, tasks and rectifications waiting, with hand-computed
counts on Friday 20 November 2026; other roles do not get the panel."""

import re
from datetime import date, datetime, time

from app.core.database import write_transactions
from app.extensions import db
from app.patrols.models import ChiefReport, Patrol
from app.registry.people import services as registry
from app.supervision.models import AssignedTask, Rectification, TaskTarget
from tests.conftest import text_of


def _household(world, grid, building, number, level, registered):
    household = registry.create_household(
        registry.HouseholdValues(
            household_number=number, visit_class=level, building_id=building.id, unit="2", room="301"
        ),
        grid,
    )
    household.created_at = registered
    return household


def _task(world, key, title, deadline, **fields):
    grid = getattr(world, f"grid_{key}")
    task = AssignedTask(
        issuing_division_id=grid.parent.parent_id,
        title=title,
        source="admitted",
        admitted_item=world.records[key]["admitted_item"],
        deadline=deadline,
        **fields,
    )
    target = TaskTarget(task=task, division_id=grid.id)
    db.session.add_all([task, target])
    return target


def _work_of(world):
    """Grid A: one household overdue (三类, registered last year, not visited this
    quarter: its first visit was due 15 Nov), one due on 22 Nov (一类, registered 14
    Nov: 17 days to the month end, the first of two visits by day 9), one due 31 Dec
    (三类 registered today: not within 7 days). Worker A patrolled once this week.
    The report for Monday 16 Nov was made. A task due at the year end is open beside
    the world's overdue one; a withdrawn task and a completed one are not counted. A
    rectification due 1 Dec is open beside the world's overdue one. Grid B gets an
    overdue household too, which grid A's worker must not see."""
    with write_transactions():
        _household(world, world.grid_a, world.building_a, "W1", 3, datetime(2025, 1, 1))
        _household(world, world.grid_a, world.building_a, "W2", 1, datetime(2026, 11, 14, 2, 0))
        _household(world, world.grid_a, world.building_a, "W3", 3, datetime(2026, 11, 20, 2, 0))
        _household(world, world.grid_b, world.building_b, "W4", 3, datetime(2025, 1, 1))
        db.session.add(
            Patrol(
                grid_id=world.grid_a.id,
                staff_id=world.staff["worker_a"].id,
                patrol_date=date(2026, 11, 18),
                start_time=time(9, 0),
                end_time=time(10, 0),
                route="东关路",
            )
        )
        db.session.add(
            ChiefReport(
                grid_id=world.grid_a.id,
                report_day=date(2026, 11, 16),
                reporter_name="员工worker_a",
                reported_at=datetime(2026, 11, 16, 3, 0),
            )
        )
        _task(world, "a", "年底前清查出租房", date(2026, 12, 31))
        _task(
            world,
            "a",
            "已撤回的任务",
            date(2026, 11, 1),
            withdrawn_at=datetime(2026, 11, 2, 1, 0),
            withdrawal_reason="重复下达",
        )
        done = _task(world, "a", "已完成的任务", date(2026, 11, 10))
        done.completed_on = date(2026, 11, 9)
        done.completion_note = "已完成"
        db.session.add(
            Rectification(
                inspection=world.records["a"]["inspection"],
                problem="消防通道堵塞",
                first_deadline=date(2026, 12, 1),
                deadline=date(2026, 12, 1),
            )
        )
        db.session.commit()


def _panel(response) -> str:
    html = response.get_data(as_text=True)
    found = re.search(r'<section class="worklist">.*?</section>', html, re.S)
    return found.group(0) if found else ""


def test_grid_worker_sees_their_grids_work_with_links(on_2026_11_20, client_as, world):
    _work_of(world)
    client = client_as("worker_a")
    panel = _panel(client.get("/"))
    text = text_of_html(panel)
    a = world.grid_a.id
    assert "入户走访 东关一网格 逾期 1 户 · 7 天内到期 1 户" in text
    assert f'href="/visits/grids/{a}"' in panel
    assert "巡查 东关一网格 员工worker_a 本周已巡查 1 次，应 3 次" in text
    assert f'href="/patrols/compliance?division_id={a}"' in panel
    # The two weeks before this one and this one up to today: 2, 5, 9, 12, 16, 19 Nov; 16 Nov reported.
    assert "向网格长报告 东关一网格 5 个报告日未报（11-02, 11-05, 11-09, 11-12, 11-19）" in text
    assert f'href="/opinions/reports/new?grid_id={a}"' in panel
    assert "上级交办 — 未完成 2 项，其中逾期 1 项" in text
    assert 'href="/tasks/?view=received"' in panel
    assert "督查整改 东关一网格 待整改 2 项，其中逾期 1 项" in text
    assert 'href="/rectifications/?status=overdue"' in panel
    # Nothing of grid B, nor of grid A's other grids.
    assert "滨河" not in text and "东关二网格" not in text
    assert f"/visits/grids/{world.grid_b.id}" not in panel
    # Every link of the panel opens for the worker.
    for href in re.findall(r'href="([^"]+)"', panel):
        assert client.get(href.replace("&amp;", "&")).status_code == 200, href


def text_of_html(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def test_station_sees_the_grids_of_its_community(on_2026_11_20, client_as, world):
    _work_of(world)
    panel = _panel(client_as("station_a").get("/"))
    text = text_of_html(panel)
    assert "入户走访 东关一网格 逾期 1 户 · 7 天内到期 1 户" in text
    assert "巡查 东关一网格 员工worker_a 本周已巡查 1 次，应 3 次" in text
    assert "向网格长报告 东关一网格 5 个报告日未报" in text
    # 东关二网格 has no worker (no patrol row) and no report at all: six days open.
    assert "向网格长报告 东关二网格 6 个报告日未报（11-02, 11-05, 11-09, 11-12, 11-16, 11-19）" in text
    assert f'href="/opinions/reports/new?grid_id={world.grid_a2.id}"' in panel
    assert "上级交办 — 未完成 2 项，其中逾期 1 项" in text
    assert "督查整改 东关一网格 待整改 2 项，其中逾期 1 项" in text
    assert "滨河" not in text and "李家" not in text


def test_other_grid_worker_sees_only_their_own(on_2026_11_20, client_as, world):
    _work_of(world)
    text = text_of_html(_panel(client_as("worker_b").get("/")))
    assert "入户走访 滨河一网格 逾期 1 户" in text and "7 天内到期" not in text
    assert "上级交办 — 未完成 1 项，其中逾期 1 项" in text
    assert "东关" not in text


def test_town_staff_and_county_admin_get_no_panel(on_2026_11_20, client_as, world):
    _work_of(world)
    for username in ("town_a", "admin", "leader_a"):
        response = client_as(username).get("/")
        assert response.status_code == 200
        assert "今日工作" not in text_of(response), username


def test_nothing_to_do_shows_one_line(on_2026_11_20, client_as, world):
    """Worker B with the week's patrols made, every report day reported, the task
    reported and the rectification passed."""
    with write_transactions():
        grid = world.grid_b
        for day in (16, 17, 18):
            db.session.add(
                Patrol(
                    grid_id=grid.id,
                    staff_id=world.staff["worker_b"].id,
                    patrol_date=date(2026, 11, day),
                    start_time=time(9, 0),
                    end_time=time(10, 0),
                    route="滨河路",
                )
            )
        for day in (2, 5, 9, 12, 16, 19):
            db.session.add(
                ChiefReport(
                    grid_id=grid.id,
                    report_day=date(2026, 11, day),
                    reporter_name="员工worker_b",
                    reported_at=datetime(2026, 11, day, 3, 0),
                )
            )
        target = world.records["b"]["target"]
        target.completed_on = date(2024, 1, 30)
        target.completion_note = "已完成"
        rectification = world.records["b"]["rectification"]
        rectification.status = "passed"
        rectification.closed_on = date(2024, 1, 20)
        db.session.commit()
    panel = text_of_html(_panel(client_as("worker_b").get("/")))
    assert panel == "今日工作 今日暂无待办"
