"""After a split, the past still reads as it happened: the retired grid's work log,
dispute and supervision ledgers of a past period print as before (open work the split
carried on included), and so do its community's; a past month's assessment and a past
quarter's visit rates are the same."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.adjustments import carry
from app.extensions import db
from app.org import boundaries
from app.org.models import Building, Division
from tests.conftest import fresh, text_of
from tests.factories import START
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

    build_march(world)
    client = client_as("admin")

    def march_row():
        board = text_of(client.get("/assessment/?period=2026-03")).split("名次")[1]
        return re.search(r"东关社区 · 东关一网格 -?\d+ -?\d+ \d+ \S+", board).group(0)

    before = march_row()
    _split_on(world, date(2026, 4, 1))
    # March scores the same after the split: its cards, patrols and reports, and also
    # the matters, tasks and rectifications already late or urged in March that the
    # split handed on, open, to the new grid.
    assert march_row() == before == "东关社区 · 东关一网格 -24 0 76 通报批评"
    march = text_of(client.get("/assessment/?period=2026-03"))
    assert "甲网格" not in march.split("名次")[1]  # it began in April (the unit picker offers it)
    april = text_of(client.get("/assessment/?period=2026-04"))
    board = april.split("名次")[1]
    assert "甲网格" in board and "东关一网格" not in board


def _open_dispute_and_inspection_of_june(world):
    """An open dispute of 东关一网格 screened and mediated in June, and a June
    inspection there with a problem still to rectify: open work a split carries on."""
    from app.core.database import write_transactions
    from app.matters import reporting
    from app.matters.models import DisputeScreening, Mediation
    from app.supervision import inspections

    with write_transactions():
        matter = reporting.report(
            reporting.MatterValues(
                class_code="dispute",
                description="楼上漏水纠纷",
                grid=world.grid_a,
                source="visit",
                involved_text="王五",
            )
        )
        db.session.add(
            DisputeScreening(
                matter=matter,
                parties="王五、赵六",
                dispute_type="neighbour",
                risk_level="medium",
                instability_factors="双方情绪激动",
                screened_on=date(2026, 6, 5),
            )
        )
        db.session.add(
            Mediation(matter=matter, held_on=date(2026, 6, 8), mediators="张三", place="调解室", process="听取意见")
        )
        inspection = inspections.record_inspection(
            inspections.InspectionValues(
                inspected_on=date(2026, 6, 10),
                inspectors="城关镇督查组 王强",
                items_checked="巡查记录",
                problems="民情日志缺记录",
                deadline=date(2026, 6, 20),
                point="农贸市场",
            ),
            world.grid_a,
            world.users["town_a"],
            today=date(2026, 6, 12),
        )
        db.session.commit()
    return matter.id, inspection.id


def _june_ledger(client, number, division_id):
    query = {"number": number, "division_id": division_id, "start": "2026-06-01", "end": "2026-06-30", "output": "pdf"}
    response = client.get("/ledgers/", query_string=query)
    assert response.status_code == 200
    return _without_print_time(squeezed(response.data))


def test_june_dispute_and_supervision_ledgers_print_the_same_after_a_split_carried_their_open_work(client_as, world):
    from app.matters.models import Matter
    from app.supervision.models import Inspection

    matter_id, inspection_id = _open_dispute_and_inspection_of_june(world)
    client = client_as("station_a")
    places = (world.grid_a.id, world.community_a.id)
    before = {(n, p): _june_ledger(client, n, p) for n in (12, 13, 15) for p in places}
    assert "东关一网格" in before[(12, world.grid_a.id)] and "王五、赵六" in before[(12, world.grid_a.id)]
    assert "调解室" in before[(13, world.grid_a.id)] and "民情日志缺记录" in before[(15, world.grid_a.id)]
    fresh()
    _split_on(world, DAY)
    fresh()
    # The open dispute and the inspection still to rectify went to the new grid …
    assert db.session.get(Matter, matter_id).grid.name == "甲网格"
    assert db.session.get(Inspection, inspection_id).grid.name == "甲网格"
    # … but June's ledgers still list them under the grid that screened, mediated and
    # inspected, and the new grid (begun in July) has none of June's rows.
    for (number, place), text in before.items():
        assert _june_ledger(client, number, place) == text, number
    new_grid = db.session.scalar(select(Division).where(Division.name == "甲网格"))
    for number in (12, 13, 15):
        query = {"number": number, "division_id": new_grid.id, "start": "2026-07-01", "end": "2026-07-31"}
        july = squeezed(client.get("/ledgers/", query_string={**query, "output": "pdf"}).data)
        assert "王五、赵六" not in july and "调解室" not in july and "民情日志缺记录" not in july


def test_a_quarters_visit_rates_before_a_split_stay_with_the_retired_grid(client_as, world):
    from app.org.models import StaffAssignment, StaffMember, StaffRole
    from app.visits import services as visits

    # Verified by a worker of the community's other grid (核实 is by someone else).
    neighbour = StaffMember(home_division=world.community_a, name="邻格员")
    db.session.add_all(
        [
            neighbour,
            StaffAssignment(
                staff=neighbour, division=world.grid_a2, role=StaffRole.FULL_TIME_WORKER.value, start_date=START
            ),
        ]
    )
    db.session.flush()
    visits.record_verification(
        world.households["a"],
        visits.VerificationValues(
            visited_on=date(2026, 5, 4),
            visit_type="verification",
            visitor_ids=[neighbour.id],
            found="核实人口信息",
            record_check="accurate",
        ),
    )
    db.session.commit()
    client = client_as("station_a")

    def q2(division_id):
        return text_of(client.get(f"/visits/divisions/{division_id}/rates", query_string={"quarter": "2026-Q2"}))

    grid_before, community_before = q2(world.grid_a.id), q2(world.community_a.id)
    assert "三类 1 1 100.0%" in grid_before and "三类 1 1 100.0%" in community_before
    fresh()
    _split_on(world, DAY)
    # The household went to 甲网格 on 1 July; the second quarter still counts it (and
    # its verification) for the grid it was in, and the community lists that grid.
    assert q2(world.grid_a.id) == grid_before
    assert q2(world.community_a.id) == community_before
    assert "东关一网格" in community_before
