"""Changing a task after it was given, withdrawing it, and reports made on a
target's behalf (代报) or corrected — against hand-computed dates, and as the pages
show them: the field errors with typed values kept, 403 for another level, 404
out of scope, and the audit entries."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.auth.models import AuditEvent
from app.core.database import write_transactions
from app.core.timeutil import local_today
from app.extensions import db
from app.supervision import task_changes, tasks
from app.supervision.models import AssignedTask, Meeting, MeetingDecision, TaskTarget
from app.supervision.rules import SupervisionError
from tests.conftest import fresh, text_of
from tests.web import choose, forge, form_on, press, tick, visible_text

TODAY = date(2026, 11, 22)
DEADLINE = date(2026, 11, 30)


def _values(task, **overrides) -> tasks.TaskValues:
    values = dict(
        title=task.title,
        content=task.content,
        deadline=task.deadline,
        source=task.source,
        admitted_item_id=task.admitted_item_id,
        approved_by=task.approved_by,
        approval_document=task.approval_document,
        approved_on=task.approved_on,
    )
    values.update(overrides)
    return tasks.TaskValues(**values)


@pytest.fixture()
def task(world):
    made = tasks.assign_task(
        tasks.TaskValues(
            title="人口信息核查",
            content="核对常住人口",
            deadline=DEADLINE,
            source="admitted",
            admitted_item_id=world.records["a"]["admitted_item"].id,
        ),
        world.town_a,
        [world.grid_a, world.grid_a2],
        world.users["town_a"],
        today=TODAY,
    )
    db.session.commit()
    return made


def _target(task, division) -> TaskTarget:
    return next(t for t in task.targets if t.division_id == division.id)


def _events(action):
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


# --- Services ------------------------------------------------------------------------------


def test_correcting_a_task_changes_text_deadline_source_and_targets(world, task):
    town = world.users["town_a"]
    tasks.report_completion(
        _target(task, world.grid_a), date(2026, 11, 23), "已核查", world.users["worker_a"], today=date(2026, 11, 23)
    )
    changed = task_changes.update_task(
        task,
        _values(
            task,
            title="人口信息复核",
            deadline=date(2026, 12, 5),
            source="approved",
            approved_by="王镇长",
            approval_document="城政办〔2026〕20号",
            approved_on=date(2026, 11, 21),
        ),
        [world.grid_a, world.grid_a3],
        town,
        today=date(2026, 11, 24),
    )
    assert changed
    assert (task.title, task.deadline, task.source, task.admitted_item_id) == (
        "人口信息复核",
        date(2026, 12, 5),
        "approved",
        None,
    )
    assert sorted(t.division_id for t in task.targets) == sorted([world.grid_a.id, world.grid_a3.id])
    event = _events("task_updated")[-1]
    assert event.detail["changed"] == [
        "title",
        "deadline",
        "source",
        "admitted_item_id",
        "approved_by",
        "approval_document",
        "approved_on",
        "targets",
    ]
    assert event.detail["added_targets"] == [world.grid_a3.id]
    assert event.detail["removed_targets"] == [world.grid_a2.id]


def test_a_reported_target_stays_and_past_deadlines_only_if_unchanged(world, task):
    town = world.users["town_a"]
    tasks.report_completion(
        _target(task, world.grid_a), date(2026, 11, 23), "已核查", world.users["worker_a"], today=date(2026, 11, 23)
    )
    with pytest.raises(SupervisionError) as refused:
        task_changes.update_task(task, _values(task), [world.grid_a2], town, today=date(2026, 11, 24))
    assert refused.value.field == "target_ids" and "东关一网格" in str(refused.value)
    # Two weeks on, the deadline has passed: keeping it is fine, moving it into the past is not.
    later = date(2026, 12, 14)
    assert task_changes.update_task(
        task, _values(task, content="补充要求"), [world.grid_a, world.grid_a2], town, today=later
    )
    with pytest.raises(SupervisionError) as refused:
        task_changes.update_task(
            task, _values(task, deadline=date(2026, 12, 1)), [world.grid_a, world.grid_a2], town, today=later
        )
    assert refused.value.field == "deadline"
    with pytest.raises(SupervisionError) as refused:
        task_changes.update_task(task, _values(task), [world.grid_a, world.grid_b], town, today=later)
    assert refused.value.field == "target_ids"
    assert task_changes.update_task(task, _values(task), [world.grid_a, world.grid_a2], town, today=later) is False


def test_withdrawn_tasks_stop_counting_overdue_and_late(world, task):
    town = world.users["town_a"]
    tasks.report_completion(
        _target(task, world.grid_a), date(2026, 12, 2), "晚了两天", world.users["worker_a"], today=date(2026, 12, 2)
    )
    db.session.commit()
    mine = TaskTarget.task_id == task.id
    after = date(2026, 12, 3)
    assert set(db.session.scalars(tasks.overdue_targets(after).where(mine))) == {_target(task, world.grid_a2)}
    late = tasks.late_targets(date(2026, 11, 1), date(2026, 11, 30), after)
    assert len(list(db.session.scalars(late.where(mine)))) == 2
    with pytest.raises(SupervisionError) as refused:
        task_changes.withdraw_task(task, "  ", town)
    assert refused.value.field == "reason"
    task_changes.withdraw_task(task, "上级通知暂缓", town)
    db.session.commit()
    assert task.is_withdrawn and task.withdrawn_by_name == "town_a"
    assert set(db.session.scalars(tasks.overdue_targets(after).where(mine))) == set()
    assert set(db.session.scalars(late.where(mine))) == set()
    assert tasks.target_status(_target(task, world.grid_a2), after) == "withdrawn"
    assert tasks.target_status(_target(task, world.grid_a), after) == "done"
    assert tasks.completion(task.targets, after) == tasks.Completion(done=1, total=1, overdue=0, withdrawn=1)
    with pytest.raises(SupervisionError):
        tasks.report_completion(_target(task, world.grid_a2), after, "补报", world.users["worker_a"], today=after)
    with pytest.raises(SupervisionError):
        task_changes.update_task(task, _values(task), [world.grid_a, world.grid_a2], town, today=after)
    with pytest.raises(SupervisionError):
        task_changes.withdraw_task(task, "再撤一次", town)
    assert _events("task_withdrawn")[-1].detail == {"reason": "上级通知暂缓", "pending_targets": [world.grid_a2.id]}


def test_reports_on_behalf_and_corrections_keep_their_history(world, task):
    target = _target(task, world.grid_a)
    tasks.report_completion(
        target, date(2026, 11, 23), "已核查 812 户", world.users["town_a"], today=date(2026, 11, 23), on_behalf=True
    )
    assert (target.reported_on_behalf, target.reported_by_name) == (True, "town_a")
    assert _events("task_target_reported")[-1].detail["on_behalf"] is True
    tasks.report_completion(
        target, date(2026, 11, 24), "已核查 815 户", world.users["worker_a"], today=date(2026, 11, 24)
    )
    assert (target.reported_on_behalf, target.reported_by_name, target.completed_on) == (
        False,
        "worker_a",
        date(2026, 11, 24),
    )
    corrected = _events("task_target_report_corrected")[-1]
    assert corrected.detail["changed"] == ["completed_on", "completion_note"]
    assert corrected.detail["before"]["completion_note"] == "已核查 812 户"
    assert corrected.detail["before"]["reported_by"] == "town_a" and corrected.detail["before"]["on_behalf"] is True
    assert corrected.detail["after"]["completion_note"] == "已核查 815 户"


# --- Pages ---------------------------------------------------------------------------------


def _page_task(web, world, title="汛期隐患排查"):
    """A task given on the page 下达任务: from the list, to both grids of 东关社区."""
    form = form_on(web.get("/tasks/?view=given").click(description="下达任务"))
    form["title"] = title
    form["content"] = "排查低洼地带"
    choose(form, "admitted_item_id", "示范准入事项a")
    tick(form, "target_ids", "东关社区 · 东关一网格")
    tick(form, "target_ids", "东关社区 · 东关二网格")
    form["deadline"] = (local_today() + timedelta(days=7)).isoformat()
    assert press(form, "下达").status_int == 303
    fresh()
    return db.session.scalar(select(AssignedTask).where(AssignedTask.title == title))


def _edit_form(web, task):
    return form_on(web.get(f"/tasks/{task.id}").click(description="修改", href=f"/tasks/{task.id}/edit"))


def test_the_assigning_level_edits_a_task_and_errors_keep_the_typed_values(web_as, world):
    town = web_as("town_a")
    task = _page_task(town, world)
    form = _edit_form(town, task)
    assert form["title"].value == "汛期隐患排查"
    assert sorted(box.value for box in form.fields["target_ids"] if box.checked) == sorted(
        [str(world.grid_a.id), str(world.grid_a2.id)]
    )
    form["title"] = "汛期隐患复查"
    form["content"] = "排查低洼地带和河堤"
    form["source"] = "approved"
    form["approval_document"] = "城政办〔2026〕20号"
    tick(form, "target_ids", "东关社区 · 东关二网格", checked=False)
    form["deadline"] = (local_today() - timedelta(days=1)).isoformat()
    response = press(form, "保存")
    assert response.status_int == 200 and 'id="approved_by-error"' in response.text
    assert "准入清单外的事项须有审批记录，请填写此项。" in visible_text(response)
    form = form_on(response)
    assert form["title"].value == "汛期隐患复查" and form["approval_document"].value == "城政办〔2026〕20号"
    form["approved_by"] = "王镇长"
    form["approved_on"] = local_today().isoformat()
    response = press(form, "保存")
    assert 'id="deadline-error"' in response.text and "完成期限不能早于今天。" in visible_text(response)
    form = form_on(response)
    form["deadline"] = (local_today() + timedelta(days=10)).isoformat()
    response = press(form, "保存")
    assert response.status_int == 303 and "已保存任务。" in visible_text(response.follow())
    fresh()
    task = db.session.get(AssignedTask, task.id)
    assert (task.title, task.source, [t.division_id for t in task.targets]) == (
        "汛期隐患复查",
        "approved",
        [world.grid_a.id],
    )
    assert "清单外·已审批" in visible_text(town.get(f"/tasks/{task.id}"))
    assert "targets" in _events("task_updated")[-1].detail["changed"]


def test_who_may_edit_and_withdraw(web_as, client_as, world):
    town = web_as("town_a")
    task = _page_task(town, world)
    # The target's worker and station see the task but did not give it; the leader only reads.
    for who in ("worker_a", "station_a", "leader_a"):
        client = client_as(who)
        assert client.get(f"/tasks/{task.id}").status_code == 200
        assert client.get(f"/tasks/{task.id}/edit").status_code == 403
        assert client.get(f"/tasks/{task.id}/withdraw").status_code == 403
        assert "撤回" not in text_of(client.get(f"/tasks/{task.id}"))
    # Another town's staff and grid B's worker do not see it at all.
    assert client_as("worker_b").get(f"/tasks/{task.id}/edit").status_code == 404
    assert client_as("worker_b").get(f"/tasks/{task.id}/withdraw").status_code == 404
    # A county task to the town's grid: the town sees it but may not change it.
    fresh()
    with write_transactions():
        county_task = db.session.get(AssignedTask, world.records["a"]["task"].id)
        county_task.issuing_division_id = world.county.id
        db.session.commit()
    assert town.get(f"/tasks/{county_task.id}/edit", expect_errors=True).status_int == 403
    assert client_as("admin").get(f"/tasks/{county_task.id}/edit").status_code == 200
    detail = visible_text(town.get(f"/tasks/{task.id}"))
    assert "修改" in detail and "撤回" in detail


def test_forged_withdrawals_by_levels_that_did_not_give_the_task_are_403(web_as, world):
    """The worker, station and leader are offered no 撤回 form: hand-built posts."""
    task = _page_task(web_as("town_a"), world)
    for who in ("worker_a", "station_a", "leader_a"):
        assert forge(web_as(who), f"/tasks/{task.id}/withdraw", {"reason": "x"}).status_int == 403, who
    fresh()
    assert not db.session.get(AssignedTask, task.id).is_withdrawn


def test_a_meeting_task_is_edited_by_the_station_that_held_the_meeting(web_as, client_as, world):
    meeting = Meeting(division_id=world.community_a.id, kind="regular", held_on=local_today(), minutes="纪要")
    decision = MeetingDecision(meeting=meeting, position=1, text="清理楼道杂物")
    db.session.add(meeting)
    db.session.flush()
    task = tasks.task_from_decision(
        decision,
        tasks.TaskValues("清理楼道杂物", "", local_today(), "meeting"),
        [world.grid_a],
        world.users["station_a"],
        today=local_today(),
    )
    db.session.commit()
    station = web_as("station_a")
    form = _edit_form(station, task)
    assert "source" not in form.fields and "admitted_item_id" not in form.fields
    form["title"] = "清理楼道杂物和电动车"
    tick(form, "target_ids", "东关社区 · 东关二网格")
    response = press(form, "保存")
    assert response.status_int == 303
    fresh()
    task = db.session.get(AssignedTask, task.id)
    assert task.title == "清理楼道杂物和电动车" and task.source == "meeting" and len(task.targets) == 2
    assert client_as("worker_a").get(f"/tasks/{task.id}/edit").status_code == 403


def _withdraw(web, task, reason, **kwargs):
    form = form_on(web.get(f"/tasks/{task.id}").click(description="撤回", href=f"/tasks/{task.id}/withdraw"))
    form["reason"] = reason
    return press(form, "撤回任务", **kwargs)


def test_withdrawing_on_the_page(web_as, world):
    town = web_as("town_a")
    task = _page_task(town, world)
    worker = web_as("worker_a")
    fresh()
    target = _target(db.session.get(AssignedTask, task.id), world.grid_a)
    # The worker opened the report form before the town withdrew the task.
    stale = form_on(worker.get(f"/task-targets/{target.id}"))
    response = _withdraw(town, task, "")
    assert 'id="reason-error"' in response.text and "请写明撤回原因。" in visible_text(response)
    response = _withdraw(town, task, "与防汛检查重复")
    assert response.status_int == 303
    detail = visible_text(response.follow())
    assert "已撤回" in detail and "与防汛检查重复" in detail and "town_a" in detail
    assert "撤回时未报告 2 个" in detail
    assert town.get(f"/tasks/{task.id}/edit").status_int == 303
    page = visible_text(worker.get(f"/task-targets/{target.id}"))
    assert "已撤回" in page and "与防汛检查重复" in page and "报告完成" not in page
    # Sent anyway: refused, and the worker reads why (not "no permission").
    stale["completion_note"] = "做完了"
    refused = press(stale, "报告完成")
    assert refused.status_int == 303
    assert "该任务已撤回，不再接受完成报告。" in visible_text(refused.follow())
    fresh()
    assert db.session.get(TaskTarget, target.id).completed_on is None
    assert "已撤回" in visible_text(worker.get("/tasks/?view=received"))
    assert "已撤回" in visible_text(town.get("/tasks/?view=given"))


def _report(web, target, note, button):
    form = form_on(web.get(f"/task-targets/{target.id}"))
    assert form["completed_on"].value == local_today().isoformat()
    form["completion_note"] = note
    return press(form, button)


def test_a_town_reports_on_behalf_and_the_worker_corrects(web_as, world):
    town = web_as("town_a")
    task = _page_task(town, world)
    target = _target(task, world.grid_a)
    assert "代为报告完成" in visible_text(town.get(f"/task-targets/{target.id}"))
    response = _report(town, target, "", "代为报告完成")
    assert 'id="completion_note-error"' in response.text
    response = _report(town, target, "电话核实已完成", "代为报告完成")
    assert response.status_int == 303
    for page in (response.follow(), town.get(f"/tasks/{task.id}")):
        assert "代报" in visible_text(page) and "town_a" in visible_text(page)
    worker = web_as("worker_a")
    form = form_on(worker.get(f"/task-targets/{target.id}"))
    assert form["completion_note"].value == "电话核实已完成"
    form["completion_note"] = "已排查 36 户"
    assert press(form, "保存更正").status_int == 303
    fresh()
    target = db.session.get(TaskTarget, target.id)
    assert (target.completion_note, target.reported_on_behalf, target.reported_by_name) == (
        "已排查 36 户",
        False,
        "worker_a",
    )
    assert _events("task_target_report_corrected")[-1].detail["before"]["completion_note"] == "电话核实已完成"


def test_forged_reports_by_a_leader_and_another_towns_worker_are_refused(web_as, world):
    """A leader reads but is offered no report form (403); grid B's worker does not
    see the target at all (404): hand-built posts."""
    task = _page_task(web_as("town_a"), world)
    target = _target(task, world.grid_a)
    leader = web_as("leader_a")
    assert "报告完成" not in visible_text(leader.get(f"/task-targets/{target.id}"))
    assert (
        forge(
            leader, f"/task-targets/{target.id}", {"completed_on": local_today().isoformat(), "completion_note": "x"}
        ).status_int
        == 403
    )
    assert forge(web_as("worker_b"), f"/task-targets/{target.id}", {}).status_int == 404
    fresh()
    assert db.session.get(TaskTarget, target.id).completed_on is None


def test_withdrawn_tasks_leave_the_hub_and_the_assessment(web_as, client_as, world):
    # The world's task of grid A (2024) is overdue until its town withdraws it.
    worker = client_as("worker_a")
    assert "逾期未完成的交办任务：1 项" in text_of(worker.get("/supervision/"))
    town = web_as("town_a")
    task = world.records["a"]["task"]
    assert _withdraw(town, task, "重复下达").status_int == 303
    assert "逾期未完成的交办任务" not in text_of(worker.get("/supervision/"))
    fresh()
    assert (
        db.session.scalar(
            select(func.count()).select_from(
                tasks.late_targets(date(2024, 1, 1), date(2024, 12, 31), local_today(), [world.grid_a.id]).subquery()
            )
        )
        == 0
    )
