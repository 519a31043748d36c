"""After a split, the past still reads as it happened: the retired grid's work log of a
past period prints as before, and so does its community's."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.adjustments import carry
from app.extensions import db
from app.org import boundaries
from app.org.models import Building, Division
from tests.conftest import fresh
from tests.printing.helpers import squeezed

DAY = date(2026, 7, 1)
WORK_LOG = 14


def _work_log(client, division_id, start="2024-01-01", end="2026-06-30"):
    query = {"number": WORK_LOG, "division_id": division_id, "start": start, "end": end, "output": "pdf"}
    return client.get("/ledgers/", query_string=query)


def _without_print_time(text: str) -> str:
    return text.split("打印时间")[0]


def test_past_work_logs_print_the_same_after_a_split(client_as, world):
    client = client_as("station_a")
    grid_before = _work_log(client, world.grid_a.id)
    community_before = _work_log(client, world.community_a.id)
    assert grid_before.status_code == 200 and "井盖破损a" in squeezed(grid_before.data)
    fresh()  # (the prints wrote their audit: end this test's read before writing)
    _split_on(world, DAY)
    # The retired grid is still offered, marked, for the periods it existed.
    page = client.get("/ledgers/").get_data(as_text=True)
    assert "东关一网格（已撤销）" in page
    grid_after = _work_log(client, world.grid_a.id)
    community_after = _work_log(client, world.community_a.id)
    assert _without_print_time(squeezed(grid_after.data)) == _without_print_time(squeezed(grid_before.data))
    assert _without_print_time(squeezed(community_after.data)) == _without_print_time(squeezed(community_before.data))
    # Not for a period after it was retired.
    refused = _work_log(client, world.grid_a.id, start="2026-07-01", end="2026-07-31")
    assert refused.status_code == 400 and "该网格已于 2026-06-30 撤销" in refused.get_data(as_text=True)


def _split_on(world, day):
    grid = db.session.get(Division, world.grid_a.id)
    buildings = [b.id for b in db.session.scalars(select(Building).where(Building.grid_id == grid.id))]
    plan = carry.plan([grid], 2, dict.fromkeys(buildings, 0), {}, 0, day)
    change = boundaries.split_grid(
        grid,
        [
            boundaries.NewGridSpec("010", "甲网格", boundaries.ProfileValues(), buildings),
            boundaries.NewGridSpec("011", "乙网格", boundaries.ProfileValues(), []),
        ],
        day,
        "拆分",
    )
    carry.apply(plan, [grid], change.grids("after"), day, "拆分")
    db.session.commit()


def test_the_assessment_of_a_past_month_still_scores_the_retired_grid(client_as, world):
    import re

    from tests.assessment.records import build_march
    from tests.conftest import text_of

    build_march(world)
    _split_on(world, date(2026, 4, 1))
    client = client_as("admin")
    march = text_of(client.get("/assessment/?period=2026-03"))
    # Still on the board for March (its cards, patrols and reports of March count; the
    # open matters, tasks and rectifications it handed on now count for the new grid).
    assert re.search(r"东关社区 · 东关一网格 -\d+ 0 \d+", march)
    assert "甲网格" not in march.split("名次")[1]  # it began in April (the unit picker offers it)
    april = text_of(client.get("/assessment/?period=2026-04"))
    board = april.split("名次")[1]
    assert "甲网格" in board and "东关一网格" not in board
