"""List pages read their rows in a fixed number of queries: a page of 30 patrols or
民情日志 lines must not cost a query per row (grid, worker, findings, matter)."""

from datetime import date, time

from app.extensions import db
from app.patrols import services
from app.patrols.models import Patrol, PatrolFinding
from tests.conftest import statements_of


def _patrols(world, number: int, day: date) -> None:
    for i in range(number):
        patrol = Patrol(
            grid_id=world.grid_a.id,
            staff_id=world.staff["worker_a"].id,
            patrol_date=day,
            start_time=time(8, i),
            end_time=time(9, i),
            route=f"路线{day}-{i}",
        )
        db.session.add_all([patrol, PatrolFinding(patrol=patrol, description=f"发现{i}")])
    db.session.commit()


def test_patrol_list_costs_the_same_for_2_or_12_patrols(client_as, world):
    client = client_as("worker_a")
    _patrols(world, 2, date(2026, 11, 2))
    few = statements_of(client, "/patrols/")
    _patrols(world, 10, date(2026, 11, 3))
    assert statements_of(client, "/patrols/") == few


def _entries(world, number: int) -> None:
    for i in range(number):
        services.record_entry(
            services.EntryValues(
                grid=world.grid_a,
                said_on=date(2026, 11, 2),
                category="city",
                content=f"路灯不亮{i}",
                disposition="assisted",
                resident_name="赵阿姨",
                place="东关路3号",
            ),
            world.users["worker_a"],
        )
    db.session.commit()


def test_opinion_log_costs_the_same_for_2_or_12_assisted_entries(client_as, world):
    client = client_as("worker_a")
    _entries(world, 2)
    few = statements_of(client, "/opinions/")
    _entries(world, 10)
    assert statements_of(client, "/opinions/") == few


def test_weekly_summary_costs_the_same_for_2_or_12_assisted_entries(client_as, world):
    client = client_as("worker_a")
    url = f"/opinions/summary?division_id={world.grid_a.id}&week=2026-11-02"
    _entries(world, 2)
    few = statements_of(client, url)
    _entries(world, 10)
    assert "路灯不亮9" in client.get(url).get_data(as_text=True)
    assert statements_of(client, url) == few


def _reports(world, days) -> None:
    from datetime import datetime

    from app.patrols.models import ChiefReport, OpinionEntry

    for day in days:
        report = ChiefReport(
            grid_id=world.grid_a.id,
            report_day=day,
            reporter_name="员工worker_a",
            reported_at=datetime(day.year, day.month, day.day, 3, 0),
        )
        report.entries = [
            OpinionEntry(
                grid_id=world.grid_a.id,
                said_on=day,
                category="city",
                content=f"路灯{day}",
                disposition="settled",
                settled_note="当场报修",
            )
        ]
        db.session.add(report)
    db.session.commit()


def test_reports_page_costs_the_same_for_2_or_6_reports(client_as, world):
    client = client_as("worker_a")
    # ?week=2026-11-02: the four weeks from Monday 10-12 to Sunday 11-08.
    url = f"/opinions/reports?division_id={world.grid_a.id}&week=2026-11-02"
    _reports(world, [date(2026, 10, 12), date(2026, 10, 15)])
    few = statements_of(client, url)
    _reports(world, [date(2026, 10, 19), date(2026, 10, 22), date(2026, 10, 26), date(2026, 10, 29)])
    assert statements_of(client, url) == few
