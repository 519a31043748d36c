"""The task and supervision pages as people use them: an out-of-list task refused
without its approval (Chinese error at the field, input kept) and marked once
approved; a grid worker's own targets only; inspections and 回头看 by town staff,
seen by the grid's station, 404 elsewhere; the admission list kept by the county."""
from datetime import timedelta

from sqlalchemy import select

from app.auth.models import AuditEvent
from app.core.timeutil import local_today
from app.extensions import db
from app.supervision.models import AdmittedItem, AssignedTask, Inspection, TaskTarget
from tests.conftest import fresh, text_of


def _task_data(world, **overrides):
    data = {"title": "汛期隐患排查", "content": "排查低洼地带住户", "source": "approved",
            "admitted_item_id": "0", "target_ids": [world.grid_a.id, world.grid_a2.id],
            "deadline": (local_today() + timedelta(days=7)).isoformat()}
    data.update(overrides)
    return data


def test_out_of_list_task_is_refused_without_approval_and_marked_with_it(client_as, world):
    client = client_as("town_a")
    response = client.post("/tasks/new", data=_task_data(world))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "准入清单外的事项须有审批记录，请填写此项。" in text_of(response)
    assert 'id="approved_by-error"' in html and "汛期隐患排查" in html and "排查低洼地带住户" in html
    assert db.session.scalar(select(AssignedTask).where(AssignedTask.title == "汛期隐患排查")) is None
    response = client.post("/tasks/new", data=_task_data(world, approved_by="王镇长", approval_document="城政办〔2026〕12号",
                                                          approved_on=local_today().isoformat()))
    assert response.status_code == 303
    fresh()
    task = db.session.scalar(select(AssignedTask).where(AssignedTask.title == "汛期隐患排查"))
    assert task.source == "approved" and len(task.targets) == 2
    detail = text_of(client.get(f"/tasks/{task.id}"))
    assert "清单外·已审批" in detail and "城政办〔2026〕12号" in detail and "完成 0 / 2" in detail
    assert "清单外·已审批" in text_of(client.get("/tasks/?view=given"))
    worker = client_as("worker_a")
    received = text_of(worker.get("/tasks/?view=received"))
    assert "汛期隐患排查" in received and "清单外·已审批" in received
    target_a = next(t for t in task.targets if t.division_id == world.grid_a.id)
    target_a2 = next(t for t in task.targets if t.division_id == world.grid_a2.id)
    assert "城政办〔2026〕12号" in text_of(worker.get(f"/task-targets/{target_a.id}"))
    assert worker.get(f"/task-targets/{target_a2.id}").status_code == 404


def test_a_task_from_the_list_and_the_workers_report(client_as, world):
    item = world.records["a"]["admitted_item"]
    town = client_as("town_a")
    response = town.post("/tasks/new", data=_task_data(world, source="admitted", admitted_item_id=str(item.id),
                                                       target_ids=[world.grid_a.id]))
    assert response.status_code == 303
    fresh()
    target = db.session.scalar(select(TaskTarget).join(AssignedTask).where(AssignedTask.title == "汛期隐患排查"))
    worker = client_as("worker_a")
    page = text_of(worker.get(f"/task-targets/{target.id}"))
    assert "准入事项" in page and "示范准入事项a" in page and "报告完成" in page
    response = worker.post(f"/task-targets/{target.id}", data={"completed_on": local_today().isoformat(),
                                                              "completion_note": ""})
    assert "请填写完成情况。" in text_of(response)
    response = worker.post(f"/task-targets/{target.id}", data={"completed_on": local_today().isoformat(),
                                                              "completion_note": "已排查 36 户，无隐患"})
    assert response.status_code == 303
    fresh()
    assert db.session.get(TaskTarget, target.id).completion_note == "已排查 36 户，无隐患"
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "task_target_reported")) is not None
    assert "完成 1 / 1" in text_of(town.get(f"/tasks/{target.task_id}"))
    # Grid workers do not assign; grid B's worker cannot see grid A's target.
    assert worker.get("/tasks/new").status_code == 403
    assert client_as("worker_b").get(f"/task-targets/{target.id}").status_code == 404


def test_overdue_targets_are_flagged_on_the_lists(client_as, world):
    # The world's own task (deadline 2024-01-31) was never reported.
    worker = client_as("worker_a")
    assert "逾期未完成" in text_of(worker.get("/tasks/?view=received"))
    assert "逾期未完成的交办任务：1 项" in text_of(worker.get("/supervision/"))
    assert "入户核查b" not in text_of(worker.get("/tasks/?view=received"))
    # The town gave that task: it shows among those given, not those received.
    town = client_as("town_a")
    assert "本级下达、承办单位逾期未完成：1 个" in text_of(town.get("/supervision/"))
    assert "入户核查a" not in text_of(town.get("/tasks/?view=received"))
    given = text_of(town.get("/tasks/?view=given"))
    assert "入户核查a" in given and "0/1" in given and "入户核查b" not in given


def test_meeting_decision_becomes_a_task_marked_as_such(client_as, world):
    station = client_as("station_a")
    response = station.post(f"/meetings/new?division={world.community_a.id}", data={
        "kind": "regular", "held_on": local_today().isoformat(), "attendee_ids": [world.staff["chief_a"].id],
        "minutes": "例会", "decisions": "各网格清理楼道杂物"})
    fresh()
    meeting_id = int(response.headers["Location"].rsplit("/", 1)[1])
    from app.supervision.models import Meeting
    decision = db.session.get(Meeting, meeting_id).decisions[0]
    page = station.get(f"/meeting-decisions/{decision.id}/task")
    assert "各网格清理楼道杂物" in page.get_data(as_text=True) and "滨河一网格" not in text_of(page)
    response = station.post(f"/meeting-decisions/{decision.id}/task", data={
        "title": "各网格清理楼道杂物", "target_ids": [world.grid_a.id],
        "deadline": (local_today() + timedelta(days=3)).isoformat()})
    assert response.status_code == 303
    detail = text_of(station.get(response.headers["Location"]))
    assert "会议决定" in detail and "清单外" not in detail


def test_admission_list_is_kept_by_the_county(client_as, world):
    admin = client_as("admin")
    response = admin.post("/admitted-items/new", data={"name": "", "department_id": world.department.id,
                                                       "basis": "县委办〔2026〕3号"})
    assert "此项为必填项。" in text_of(response) and "县委办〔2026〕3号" in response.get_data(as_text=True)
    response = admin.post("/admitted-items/new", data={"name": "城乡低保入户调查", "department_id": world.department.id,
                                                       "basis": "县委办〔2026〕3号", "is_active": "y"})
    assert response.status_code == 303
    town = client_as("town_a")
    assert "城乡低保入户调查" in text_of(town.get("/admitted-items/"))
    assert town.get("/admitted-items/new").status_code == 404
    fresh()
    item = db.session.scalar(select(AdmittedItem).where(AdmittedItem.name == "城乡低保入户调查"))
    assert town.get(f"/admitted-items/{item.id}/edit").status_code == 404


def test_inspection_and_recheck_pages(client_as, world):
    town = client_as("town_a")
    data = {"grid_id": world.grid_a.id, "point": "农贸市场", "inspected_on": local_today().isoformat(),
            "inspectors": "镇督查组王强", "items_checked": "门前三包", "problems": "摊位占道\n垃圾未清运"}
    response = town.post("/inspections/new", data=data)
    html = response.get_data(as_text=True)
    assert "发现问题时请填写整改期限。" in text_of(response) and "摊位占道" in html and "镇督查组王强" in html
    data["deadline"] = (local_today() + timedelta(days=5)).isoformat()
    response = town.post("/inspections/new", data=data)
    assert response.status_code == 303
    fresh()
    inspection = db.session.scalar(select(Inspection).where(Inspection.point == "农贸市场"))
    assert [r.problem for r in inspection.rectifications] == ["摊位占道", "垃圾未清运"]
    # The grid's station sees it; another grid's worker gets 404; the station may not re-check.
    station = client_as("station_a")
    assert "摊位占道" in text_of(station.get(f"/inspections/{inspection.id}"))
    assert client_as("worker_b").get(f"/inspections/{inspection.id}").status_code == 404
    first = inspection.rectifications[0]
    assert station.post(f"/rectifications/{first.id}/recheck", data={}).status_code == 403
    assert station.get("/inspections/new").status_code == 403
    response = town.post(f"/rectifications/{first.id}/recheck",
                         data={"checked_on": local_today().isoformat(), "result": "failed", "note": ""})
    assert "复查未通过时请写明原因。" in text_of(response)
    response = town.post(f"/rectifications/{first.id}/recheck",
                         data={"checked_on": local_today().isoformat(), "result": "failed", "note": "仍有两处占道",
                               "new_deadline": (local_today() + timedelta(days=10)).isoformat()})
    assert response.status_code == 303
    detail = text_of(town.get(f"/inspections/{inspection.id}"))
    assert "未通过" in detail and "仍有两处占道" in detail and "原期限" in detail
    # The world's 2024 rectification in grid A is overdue and listed as such.
    overdue = text_of(station.get("/rectifications/?status=overdue"))
    assert "台账不全a" in overdue and "摊位占道" not in overdue and "台账不全b" not in overdue
