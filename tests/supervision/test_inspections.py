"""Inspections, rectifications and re-checks (回头看) against hand-computed dates:
overdue from the day after the deadline, a failed re-check keeps the problem open
with a new deadline, a passed one closes it; the assessment queries."""

from datetime import date

import pytest

from app.extensions import db
from app.supervision import inspections as services
from app.supervision.models import Rectification
from app.supervision.rules import SupervisionError

DEADLINE = date(2026, 11, 25)


@pytest.fixture()
def inspection(world):
    made = services.record_inspection(
        services.InspectionValues(
            inspected_on=date(2026, 11, 20),
            inspectors="城关镇督查组 王强、李敏",
            items_checked="巡查记录、民情日志",
            problems="民情日志缺 11 月 3 日记录\n\n门前三包责任书未签  \n",
            deadline=DEADLINE,
            point="农贸市场",
        ),
        world.grid_a,
        world.users["town_a"],
        today=date(2026, 11, 22),
    )
    db.session.commit()
    return made


def test_each_problem_becomes_a_rectification(inspection):
    assert [r.problem for r in inspection.rectifications] == ["民情日志缺 11 月 3 日记录", "门前三包责任书未签"]
    assert all(r.deadline == r.first_deadline == DEADLINE and r.status == "open" for r in inspection.rectifications)


def test_overdue_from_the_day_after_the_deadline(inspection):
    first = inspection.rectifications[0]
    assert services.rectification_status(first, DEADLINE) == "open"
    assert services.rectification_status(first, date(2026, 11, 26)) == "overdue"


def test_failed_recheck_keeps_it_open_with_a_new_deadline_and_a_pass_closes_it(world, inspection):
    town = world.users["town_a"]
    first = inspection.rectifications[0]
    with pytest.raises(SupervisionError) as refused:
        services.record_recheck(first, date(2026, 11, 27), False, "", None, town, today=date(2026, 11, 27))
    assert refused.value.field == "note"
    services.record_recheck(
        first, date(2026, 11, 27), False, "仍缺两天记录", date(2026, 12, 4), town, today=date(2026, 11, 27)
    )
    assert (first.status, first.deadline, first.first_deadline) == ("open", date(2026, 12, 4), DEADLINE)
    assert services.rectification_status(first, date(2026, 11, 27)) == "open"
    assert services.rectification_status(first, date(2026, 12, 5)) == "overdue"
    services.record_recheck(first, date(2026, 12, 1), True, "已补齐", date(2026, 12, 31), town, today=date(2026, 12, 1))
    assert (first.status, first.closed_on, first.deadline) == ("passed", date(2026, 12, 1), date(2026, 12, 4))
    assert services.rectification_status(first, date(2027, 1, 1)) == "passed"
    assert [c.passed for c in first.rechecks] == [False, True] and first.rechecks[1].new_deadline is None
    with pytest.raises(SupervisionError):
        services.record_recheck(first, date(2026, 12, 1), True, "", None, town, today=date(2026, 12, 1))


def test_assessment_queries(world, inspection):
    town = world.users["town_a"]
    first, second = inspection.rectifications
    services.record_recheck(first, date(2026, 11, 24), True, "", None, town, today=date(2026, 11, 24))
    db.session.commit()
    mine = Rectification.inspection_id == inspection.id
    overdue = set(db.session.scalars(services.overdue_rectifications(date(2026, 11, 26)).where(mine)))
    assert overdue == {second}
    assert set(db.session.scalars(services.overdue_rectifications(DEADLINE).where(mine))) == set()
    assert (
        set(db.session.scalars(services.overdue_rectifications(date(2026, 11, 26), [world.grid_b.id]).where(mine)))
        == set()
    )
    late = set(
        db.session.scalars(
            services.late_rectifications(date(2026, 11, 1), date(2026, 11, 30), date(2026, 11, 26)).where(mine)
        )
    )
    assert late == {second}


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"deadline": None}, "deadline"),
        ({"deadline": date(2026, 11, 19)}, "deadline"),
        ({"inspected_on": date(2026, 11, 23)}, "inspected_on"),
        ({"inspectors": " "}, "inspectors"),
        ({"items_checked": ""}, "items_checked"),
    ],
)
def test_refusals_name_their_field(world, overrides, field):
    values = services.InspectionValues(
        inspected_on=date(2026, 11, 20),
        inspectors="督查组",
        items_checked="台账",
        problems="台账不全",
        deadline=DEADLINE,
    )
    for key, value in overrides.items():
        setattr(values, key, value)
    with pytest.raises(SupervisionError) as refused:
        services.record_inspection(values, world.grid_a, world.users["town_a"], today=date(2026, 11, 22))
    assert refused.value.field == field


def test_only_grids_are_inspected(world):
    with pytest.raises(SupervisionError) as refused:
        services.record_inspection(
            services.InspectionValues(date(2026, 11, 20), "督查组", "台账"),
            world.community_a,
            world.users["town_a"],
            today=date(2026, 11, 22),
        )
    assert refused.value.field == "grid_id"


def test_a_recheck_dated_before_the_last_one_is_refused(world, inspection):
    # A re-check on 27 Nov set the deadline to 4 Dec. A second one typed as 21 Nov
    # (failed, new deadline 24 Nov) was accepted: it moved the deadline back to 24 Nov,
    # making the problem overdue, while listing first, so the 27 Nov one still read as
    # the latest.
    town = world.users["town_a"]
    first = inspection.rectifications[0]
    services.record_recheck(
        first, date(2026, 11, 27), False, "仍缺两天记录", date(2026, 12, 4), town, today=date(2026, 11, 27)
    )
    with pytest.raises(SupervisionError) as refused:
        services.record_recheck(
            first, date(2026, 11, 21), False, "补记", date(2026, 11, 24), town, today=date(2026, 11, 28)
        )
    assert refused.value.field == "checked_on"
    assert str(refused.value) == "复查日期不能早于上一次回头看（2026-11-27）。"
    assert (first.status, first.deadline) == ("open", date(2026, 12, 4)) and len(first.rechecks) == 1
    # The same day as the last one is fine (two visits on one day).
    services.record_recheck(first, date(2026, 11, 27), True, "下午复查已补齐", None, town, today=date(2026, 11, 28))
    assert first.status == "passed"
