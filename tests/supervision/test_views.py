"""The task and supervision pages as people use them: an out-of-list task refused
without its approval (Chinese error at the field, input kept) and marked once
approved; a grid worker's own targets only; inspections and 回头看 by town staff,
seen by the grid's station, 404 elsewhere; the admission list kept by the county.
Forms are filled and sent as rendered (tests/web.py)."""

from datetime import timedelta

from sqlalchemy import select

from app.auth.models import AuditEvent
from app.core.timeutil import local_today
from app.extensions import db
from app.supervision.models import AdmittedItem, AssignedTask, Inspection, Meeting, TaskTarget
from tests.conftest import fresh, text_of
from tests.web import choose, forge, form_on, press, tick, visible_text


def next_step(page, field, value):
    """A page that asks for the grid or division first: its GET form, the option
    chosen (by value), 下一步 pressed."""
    form = next(
        f
        for key, f in page.forms.items()
        if isinstance(key, int) and field in f.fields and (f.method or "get").lower() == "get"
    )
    form[field] = str(value)
    return press(form, "下一步")


def task_form(
    web, title="汛期隐患排查", content="排查低洼地带住户", targets=("东关社区 · 东关一网格", "东关社区 · 东关二网格")
):
    """下达任务 from the tasks given: what a town types, the targets ticked."""
    form = form_on(web.get("/tasks/?view=given").click(description="下达任务"))
    form["title"] = title
    form["content"] = content
    for name in targets:
        tick(form, "target_ids", name)
    form["deadline"] = (local_today() + timedelta(days=7)).isoformat()
    return form


def test_out_of_list_task_is_refused_without_approval_and_marked_with_it(web_as, client_as, world):
    web = web_as("town_a")
    form = task_form(web)
    form["source"] = "approved"
    response = press(form, "下达")
    assert response.status_int == 200 and "准入清单外的事项须有审批记录，请填写此项。" in visible_text(response)
    assert 'id="approved_by-error"' in response.text
    form = form_on(response)
    assert form["title"].value == "汛期隐患排查" and form["content"].value == "排查低洼地带住户"
    assert db.session.scalar(select(AssignedTask).where(AssignedTask.title == "汛期隐患排查")) is None
    form["approved_by"] = "王镇长"
    form["approval_document"] = "城政办〔2026〕12号"
    form["approved_on"] = local_today().isoformat()
    response = press(form, "下达")
    assert response.status_int == 303
    fresh()
    task = db.session.scalar(select(AssignedTask).where(AssignedTask.title == "汛期隐患排查"))
    assert task.source == "approved" and len(task.targets) == 2
    detail = visible_text(response.follow())
    assert "清单外·已审批" in detail and "城政办〔2026〕12号" in detail and "完成 0 / 2" in detail
    assert "清单外·已审批" in visible_text(web.get("/tasks/?view=given"))
    worker = client_as("worker_a")
    received = text_of(worker.get("/tasks/?view=received"))
    assert "汛期隐患排查" in received and "清单外·已审批" in received
    target_a = next(t for t in task.targets if t.division_id == world.grid_a.id)
    target_a2 = next(t for t in task.targets if t.division_id == world.grid_a2.id)
    assert "城政办〔2026〕12号" in text_of(worker.get(f"/task-targets/{target_a.id}"))
    assert worker.get(f"/task-targets/{target_a2.id}").status_code == 404


def test_a_task_from_the_list_and_the_workers_report(web_as, client_as, world):
    town = web_as("town_a")
    form = task_form(town, targets=("东关社区 · 东关一网格",))
    assert form["source"].value == "admitted"
    choose(form, "admitted_item_id", "示范准入事项a")
    assert press(form, "下达").status_int == 303
    fresh()
    target = db.session.scalar(select(TaskTarget).join(AssignedTask).where(AssignedTask.title == "汛期隐患排查"))
    worker = web_as("worker_a")
    page = worker.get("/tasks/?view=received").click(href=f"/task-targets/{target.id}$")
    assert "准入事项" in visible_text(page) and "示范准入事项a" in visible_text(page)
    form = form_on(page)
    assert form["completed_on"].value == local_today().isoformat()
    response = press(form, "报告完成")
    assert "请填写完成情况。" in visible_text(response)
    form = form_on(response)
    form["completion_note"] = "已排查 36 户，无隐患"
    response = press(form, "报告完成")
    assert response.status_int == 303 and "已报告完成。" in visible_text(response.follow())
    fresh()
    assert db.session.get(TaskTarget, target.id).completion_note == "已排查 36 户，无隐患"
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "task_target_reported")) is not None
    assert "完成 1 / 1" in visible_text(town.get(f"/tasks/{target.task_id}"))
    # Grid workers do not assign; grid B's worker cannot see grid A's target.
    assert worker.get("/tasks/new", expect_errors=True).status_int == 403
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


def test_meeting_decision_becomes_a_task_marked_as_such(web_as, world):
    station = web_as("station_a")
    page = next_step(station.get("/meetings/").click(description="记录会议"), "division", world.community_a.id)
    form = form_on(page)
    assert form["kind"].value == "regular" and form["held_on"].value == local_today().isoformat()
    tick(form, "attendee_ids", "员工chief_a")
    form["minutes"] = "例会"
    form["decisions"] = "各网格清理楼道杂物"
    response = press(form, "保存")
    assert response.status_int == 303
    fresh()
    meeting_id = int(response.headers["Location"].rsplit("/", 1)[1])
    decision = db.session.get(Meeting, meeting_id).decisions[0]
    page = response.follow().click(description="下达为任务")
    assert "各网格清理楼道杂物" in page.text and "滨河一网格" not in visible_text(page)
    form = form_on(page)
    assert form["title"].value == "各网格清理楼道杂物" and "source" not in form.fields
    tick(form, "target_ids", "东关社区 · 东关一网格")
    form["deadline"] = (local_today() + timedelta(days=3)).isoformat()
    response = press(form, "下达")
    assert response.status_int == 303
    detail = visible_text(response.follow())
    assert "会议决定" in detail and "清单外" not in detail
    fresh()
    assert [t.title for t in db.session.get(type(decision), decision.id).tasks] == ["各网格清理楼道杂物"]


def test_admission_list_is_kept_by_the_county(web_as, client_as, world):
    admin = web_as("admin")
    form = form_on(admin.get("/admitted-items/").click(description="新增准入事项"))
    assert form["is_active"].checked
    choose(form, "department_id", "县城市管理局")
    form["basis"] = "县委办〔2026〕3号"
    response = press(form, "保存")
    assert "此项为必填项。" in visible_text(response)
    form = form_on(response)
    assert form["basis"].value == "县委办〔2026〕3号"
    form["name"] = "城乡低保入户调查"
    response = press(form, "保存")
    assert response.status_int == 303 and "已加入准入事项清单。" in visible_text(response.follow())
    town = client_as("town_a")
    assert "城乡低保入户调查" in text_of(town.get("/admitted-items/"))
    assert town.get("/admitted-items/new").status_code == 404
    fresh()
    item = db.session.scalar(select(AdmittedItem).where(AdmittedItem.name == "城乡低保入户调查"))
    assert item.is_active and item.department_id == world.department.id
    assert town.get(f"/admitted-items/{item.id}/edit").status_code == 404


def test_inspection_and_recheck_pages(web_as, client_as, world):
    town = web_as("town_a")
    page = next_step(town.get("/inspections/").click(description="记录督查"), "grid", world.grid_a.id)
    form = form_on(page)
    assert form["grid_id"].value == str(world.grid_a.id)
    form["point"] = "农贸市场"
    form["inspectors"] = "镇督查组王强"
    form["items_checked"] = "门前三包"
    form["problems"] = "摊位占道\n垃圾未清运"
    response = press(form, "保存")
    assert "发现问题时请填写整改期限。" in visible_text(response)
    form = form_on(response)
    assert "摊位占道" in form["problems"].value and form["inspectors"].value == "镇督查组王强"
    form["deadline"] = (local_today() + timedelta(days=5)).isoformat()
    response = press(form, "保存")
    assert response.status_int == 303
    fresh()
    inspection = db.session.scalar(select(Inspection).where(Inspection.point == "农贸市场"))
    assert [r.problem for r in inspection.rectifications] == ["摊位占道", "垃圾未清运"]
    # The grid's station sees it; another grid's worker gets 404; the station may not re-check.
    station = client_as("station_a")
    station_page = text_of(station.get(f"/inspections/{inspection.id}"))
    assert "摊位占道" in station_page and "记录回头看" not in station_page
    assert client_as("worker_b").get(f"/inspections/{inspection.id}").status_code == 404
    first = inspection.rectifications[0]
    assert station.get(f"/rectifications/{first.id}/recheck").status_code == 403
    assert station.get("/inspections/new").status_code == 403
    detail = response.follow()
    form = form_on(detail.click(href=f"/rectifications/{first.id}/recheck$"))
    form["result"] = "failed"
    response = press(form, "保存")
    assert "复查未通过时请写明原因。" in visible_text(response)
    form = form_on(response)
    form["note"] = "仍有两处占道"
    form["new_deadline"] = (local_today() + timedelta(days=10)).isoformat()
    response = press(form, "保存")
    assert response.status_int == 303
    detail = visible_text(response.follow())
    assert "未通过" in detail and "仍有两处占道" in detail and "原期限" in detail
    # The world's 2024 rectification in grid A is overdue and listed as such.
    overdue = text_of(station.get("/rectifications/?status=overdue"))
    assert "台账不全a" in overdue and "摊位占道" not in overdue and "台账不全b" not in overdue


def test_a_forged_recheck_by_the_station_is_403(web_as, world):
    """The station reads inspections but is offered no 回头看 form: a hand-built post."""
    rectification = world.records["a"]["rectification"]
    response = forge(
        web_as("station_a"),
        f"/rectifications/{rectification.id}/recheck",
        {"checked_on": local_today().isoformat(), "result": "passed", "note": ""},
    )
    assert response.status_int == 403
    fresh()
    assert db.session.get(type(rectification), rectification.id).rechecks == []
