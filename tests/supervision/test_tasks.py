"""Tasks from above against hand-computed fixtures: completion rates, overdue targets
(local dates, the deadline day itself is not late), the admission-list rule with its
recorded approval, and tasks made from a meeting's decision."""

from datetime import date

import pytest
from sqlalchemy import select

from app.auth.models import AuditEvent
from app.extensions import db
from app.supervision import tasks
from app.supervision.models import Meeting, MeetingDecision, TaskTarget
from app.supervision.rules import SupervisionError

DEADLINE = date(2026, 11, 30)


def _values(**overrides) -> tasks.TaskValues:
    values = dict(
        title="人口信息核查", content="核对本网格常住人口", deadline=DEADLINE, source="admitted", admitted_item_id=None
    )
    values.update(overrides)
    return tasks.TaskValues(**values)


@pytest.fixture()
def task(world):
    item = world.records["a"]["admitted_item"]
    made = tasks.assign_task(
        _values(admitted_item_id=item.id),
        world.town_a,
        [world.grid_a, world.grid_a2, world.community_a2],
        world.users["town_a"],
        today=date(2026, 11, 22),
    )
    db.session.commit()
    return made


def _target(task, division) -> TaskTarget:
    return next(t for t in task.targets if t.division_id == division.id)


def test_completion_rate_and_overdue_targets(world, task):
    town = world.users["town_a"]
    assert tasks.completion(task.targets, date(2026, 11, 30)) == tasks.Completion(done=0, total=3, overdue=0)
    tasks.report_completion(
        _target(task, world.grid_a), date(2026, 11, 25), "已核查 812 户", town, today=date(2026, 11, 25)
    )
    # The deadline day itself is on time; the next day the two silent targets are overdue.
    on_deadline = tasks.completion(task.targets, DEADLINE)
    assert (on_deadline.done, on_deadline.overdue, on_deadline.rate) == (1, 0, 33.3)
    after = tasks.completion(task.targets, date(2026, 12, 1))
    assert (after.done, after.overdue) == (1, 2)
    assert tasks.target_status(_target(task, world.grid_a2), date(2026, 12, 1)) == "overdue"
    tasks.report_completion(_target(task, world.grid_a2), date(2026, 12, 3), "补报", town, today=date(2026, 12, 3))
    assert tasks.target_status(_target(task, world.grid_a2), date(2026, 12, 3)) == "done_late"
    final = tasks.completion(task.targets, date(2026, 12, 3))
    assert (final.done, final.total, final.overdue, final.rate) == (2, 3, 1, 66.7)


def test_assessment_queries(world, task):
    town = world.users["town_a"]
    tasks.report_completion(_target(task, world.grid_a), date(2026, 11, 25), "按时", town, today=date(2026, 11, 25))
    tasks.report_completion(_target(task, world.grid_a2), date(2026, 12, 2), "晚了", town, today=date(2026, 12, 2))
    db.session.commit()
    mine = TaskTarget.task_id == task.id
    overdue = set(db.session.scalars(tasks.overdue_targets(date(2026, 12, 3)).where(mine)))
    assert overdue == {_target(task, world.community_a2)}
    assert set(db.session.scalars(tasks.overdue_targets(DEADLINE).where(mine))) == set()
    # By division: the station's grids only.
    by_grid = set(
        db.session.scalars(tasks.overdue_targets(date(2026, 12, 3), [world.grid_a.id, world.grid_a2.id]).where(mine))
    )
    assert by_grid == set()
    late = set(
        db.session.scalars(tasks.late_targets(date(2026, 11, 1), date(2026, 11, 30), date(2026, 12, 3)).where(mine))
    )
    assert late == {_target(task, world.grid_a2), _target(task, world.community_a2)}


def test_outside_the_list_needs_a_recorded_approval(world):
    town = world.users["town_a"]
    with pytest.raises(SupervisionError) as refused:
        tasks.assign_task(
            _values(source="approved", approved_by="王镇长"),
            world.town_a,
            [world.grid_a],
            town,
            today=date(2026, 11, 22),
        )
    assert refused.value.field == "approval_document"
    task = tasks.assign_task(
        _values(
            source="approved",
            approved_by="王镇长",
            approval_document="城政办〔2026〕12号",
            approved_on=date(2026, 11, 20),
        ),
        world.town_a,
        [world.grid_a],
        town,
        today=date(2026, 11, 22),
    )
    assert task.outside_list and task.admitted_item_id is None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "task_assigned"))
    assert event.detail["outside_list"] is True and event.actor_id == town.id


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"admitted_item_id": None}, "admitted_item_id"),
        ({"source": "whatever"}, "source"),
        ({"deadline": date(2026, 11, 21)}, "deadline"),
        ({"title": "  "}, "title"),
    ],
)
def test_refusals_name_their_field(world, overrides, field):
    values = _values(admitted_item_id=world.records["a"]["admitted_item"].id)
    for key, value in overrides.items():
        setattr(values, key, value)
    with pytest.raises(SupervisionError) as refused:
        tasks.assign_task(values, world.town_a, [world.grid_a], world.users["town_a"], today=date(2026, 11, 22))
    assert refused.value.field == field


def test_targets_must_lie_under_the_assigning_level(world):
    item = world.records["a"]["admitted_item"]
    for targets in ([], [world.grid_b], [world.town_a]):
        with pytest.raises(SupervisionError) as refused:
            tasks.assign_task(
                _values(admitted_item_id=item.id),
                world.town_a,
                targets,
                world.users["town_a"],
                today=date(2026, 11, 22),
            )
        assert refused.value.field == "target_ids"


def test_inactive_items_cannot_be_used(world):
    item = world.records["a"]["admitted_item"]
    item.is_active = False
    with pytest.raises(SupervisionError):
        tasks.assign_task(
            _values(admitted_item_id=item.id),
            world.town_a,
            [world.grid_a],
            world.users["town_a"],
            today=date(2026, 11, 22),
        )


def test_a_meeting_decision_becomes_a_task_of_the_meeting_level(world):
    meeting = Meeting(division_id=world.community_a.id, kind="regular", held_on=date(2026, 11, 20), minutes="纪要")
    decision = MeetingDecision(meeting=meeting, position=1, text="各网格本周内排查楼道消防通道")
    db.session.add(meeting)
    db.session.flush()
    station = world.users["station_a"]
    task = tasks.task_from_decision(
        decision, _values(source="admitted"), [world.grid_a, world.grid_a2], station, today=date(2026, 11, 22)
    )
    assert (task.source, task.issuing_division_id, task.meeting_decision_id) == (
        "meeting",
        world.community_a.id,
        decision.id,
    )
    assert not task.outside_list and task.admitted_item_id is None
    with pytest.raises(SupervisionError) as refused:
        tasks.task_from_decision(decision, _values(), [world.grid_a3], station, today=date(2026, 11, 22))
    assert refused.value.field == "target_ids"


def test_completion_needs_a_note_and_no_future_date(world, task):
    target = _target(task, world.grid_a)
    with pytest.raises(SupervisionError) as refused:
        tasks.report_completion(target, date(2026, 11, 22), " ", world.users["worker_a"], today=date(2026, 11, 22))
    assert refused.value.field == "completion_note"
    with pytest.raises(SupervisionError) as refused:
        tasks.report_completion(target, date(2026, 11, 23), "好", world.users["worker_a"], today=date(2026, 11, 22))
    assert refused.value.field == "completed_on"
