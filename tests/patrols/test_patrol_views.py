"""Patrol pages: saving a patrol, Chinese errors keeping the input, findings added
with htmx or a plain form, a finding reported as a matter in one step, 404 for
another grid's patrol, and the weekly compliance page — forms filled and sent as
rendered (tests/web.py)."""

from datetime import time, timedelta

from sqlalchemy import select

from app.auth.models import AuditEvent
from app.core.timeutil import local_today
from app.extensions import db
from app.matters.models import Matter
from app.patrols import services
from app.patrols.compliance import week_start
from app.patrols.models import Patrol, PatrolFinding
from tests.conftest import fresh, text_of
from tests.web import choose, forge, form_on, htmx_submit, press, visible_text


def _type_a_patrol(form, **typed):
    """What a worker types for yesterday's patrol; grid and worker stay as proposed."""
    values = {
        "patrol_date": (local_today() - timedelta(days=1)).isoformat(),
        "start_time": "08:30",
        "end_time": "10:00",
        "route": "东关路—菜市场—1号楼",
    }
    values.update(typed)
    for name, value in values.items():
        form[name] = value
    return form


def _new_patrol_form(web):
    return form_on(web.get("/patrols/").click(description="登记巡查"), button="保存")


def test_new_patrol_form_proposes_the_workers_own_record(web_as, world):
    form = _new_patrol_form(web_as("worker_a"))
    assert form["staff_id"].value == str(world.staff["worker_a"].id)
    assert form["grid_id"].value == str(world.grid_a.id)
    assert "员工worker_b" not in form.text


def test_save_a_patrol(web_as, world):
    web = web_as("worker_a")
    response = press(_type_a_patrol(_new_patrol_form(web)), "保存")
    assert response.status_int == 303, visible_text(response)[:600]
    fresh()
    patrol = db.session.scalar(select(Patrol).where(Patrol.route == "东关路—菜市场—1号楼"))
    assert patrol.grid_id == world.grid_a.id and patrol.start_time == time(8, 30)
    assert patrol.staff_id == world.staff["worker_a"].id
    assert response.headers["Location"].endswith(f"/patrols/{patrol.id}")
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "patrol_recorded")) is not None
    listing = visible_text(web.get("/patrols/"))
    assert "东关路—菜市场—1号楼" in listing and "巡查路线b" not in listing


def test_errors_are_chinese_at_the_field_and_keep_the_input(web_as, world):
    web = web_as("worker_a")
    response = press(_type_a_patrol(_new_patrol_form(web), end_time="08:00"), "保存")
    assert "结束时间应晚于开始时间。" in response.text and "end_time-error" in response.text
    form = form_on(response, button="保存")
    assert form["route"].value == "东关路—菜市场—1号楼" and form["start_time"].value == "08:30"
    form["end_time"], form["route"], form["start_time"] = "10:00", "", ""
    response = press(form, "保存")
    assert "请填写巡查路线或点位。" in response.text and "请填写开始时间。" in response.text
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    response = press(_type_a_patrol(form_on(response, button="保存"), patrol_date=tomorrow), "保存")
    assert "巡查日期不能晚于今天。" in visible_text(response)
    fresh()
    assert db.session.scalar(select(Patrol).where(Patrol.route == "东关路—菜市场—1号楼")) is None


def test_another_grids_patrol_is_404_and_forged_posts_are_refused(web_as, world):
    """Forged requests: a finding posted to another grid's patrol, and a grid B
    worker posting grid A, which their form does not offer."""
    other = world.records["b"]["patrol"]
    web = web_as("worker_a")
    assert web.get(f"/patrols/{other.id}", expect_errors=True).status_int == 404
    assert forge(web, f"/patrols/{other.id}/findings", {"description": "x"}).status_int == 404
    worker_b = web_as("worker_b")
    assert str(world.grid_a.id) not in [v for v, *_ in _new_patrol_form(worker_b)["grid_id"].options]
    response = forge(
        worker_b,
        "/patrols/new",
        {
            "grid_id": world.grid_a.id,
            "staff_id": world.staff["worker_a"].id,
            "patrol_date": (local_today() - timedelta(days=1)).isoformat(),
            "start_time": "08:30",
            "end_time": "10:00",
            "route": "东关路—菜市场—1号楼",
            "note": "",
        },
    )
    assert "请选择网格。" in response.text
    fresh()
    assert db.session.scalar(select(Patrol).where(Patrol.route == "东关路—菜市场—1号楼")) is None


def _finding_form(web, patrol):
    return form_on(web.get(f"/patrols/{patrol.id}"), action=f"/patrols/{patrol.id}/findings")


def test_finding_added_with_htmx_and_reported_as_a_matter_at_once(web_as, world):
    patrol = world.records["a"]["patrol"]
    form = _finding_form(web_as("worker_a"), patrol)
    form["description"] = "路边井盖缺失"
    form["place"] = "东关路12号"
    choose(form, "matter_class", "城市管理")
    response = htmx_submit(form, button="添加")
    html = response.text
    assert response.status_int == 200 and "<html" not in html
    fresh()
    finding = db.session.scalar(select(PatrolFinding).where(PatrolFinding.description == "路边井盖缺失"))
    matter = finding.matter
    assert matter is not None and matter.number in html and "已上报" in html
    assert matter.class_code == "city" and "路边井盖缺失" in matter.description and matter.address == "东关路12号"
    assert matter.grid_id == world.grid_a.id and matter.due_at is not None


def test_after_an_htmx_add_the_finding_form_is_empty(web_as, world):
    """Issue #12: the form swapped in after 添加 starts afresh, so a second click does
    not file the same finding (and its matter) twice."""
    patrol = world.records["a"]["patrol"]
    form = _finding_form(web_as("worker_a"), patrol)
    form["description"] = "路边井盖缺失"
    form["place"] = "东关路12号"
    form["handled_on_spot"] = False
    choose(form, "matter_class", "城市管理")
    response = htmx_submit(form, button="添加")
    assert response.status_int == 200 and "已上报" in response.text
    again = form_on(response, action=f"/patrols/{patrol.id}/findings")
    assert again["description"].value == "" and again["place"].value == "" and again["handling"].value == ""
    assert not again["handled_on_spot"].checked and again["matter_class"].value == ""
    assert "路边井盖缺失" in visible_text(response)  # the new row is listed above the form
    # Pressing 添加 again on the fresh form is refused: nothing typed.
    refused = htmx_submit(again, button="添加")
    assert "请填写发现的情况。" in refused.text
    fresh()
    assert (
        db.session.scalar(
            select(db.func.count()).select_from(PatrolFinding).where(PatrolFinding.description == "路边井盖缺失")
        )
        == 1
    )
    assert (
        db.session.scalar(
            select(db.func.count()).select_from(Matter).where(Matter.description.contains("路边井盖缺失"))
        )
        == 1
    )


def test_a_refused_htmx_add_keeps_what_was_typed(web_as, world):
    patrol = world.records["a"]["patrol"]
    form = _finding_form(web_as("worker_a"), patrol)
    form["description"] = "乱堆杂物"
    form["place"] = "东关路3号"
    form["handled_on_spot"] = True
    response = htmx_submit(form, button="添加")
    assert response.status_int == 200 and "<html" not in response.text
    assert "现场处置的，请写明怎样处置的。" in response.text and "handling-error" in response.text
    again = form_on(response, action=f"/patrols/{patrol.id}/findings")
    assert again["description"].value == "乱堆杂物" and again["place"].value == "东关路3号"
    assert again["handled_on_spot"].checked
    fresh()
    assert db.session.scalar(select(PatrolFinding).where(PatrolFinding.description == "乱堆杂物")) is None


def test_finding_handled_on_spot_needs_how(web_as, world):
    patrol = world.records["a"]["patrol"]
    web = web_as("worker_a")
    form = _finding_form(web, patrol)
    form["description"] = "乱堆杂物"
    form["handled_on_spot"] = True
    response = press(form, "添加")
    assert "现场处置的，请写明怎样处置的。" in response.text
    form = form_on(response, action=f"/patrols/{patrol.id}/findings")
    assert form["description"].value == "乱堆杂物"
    form["handling"] = "劝说清理"
    response = press(form, "添加")
    assert response.status_int == 303
    page = visible_text(response.follow())
    assert "乱堆杂物" in page and "劝说清理" in page


def _report_form(page, patrol, finding):
    return form_on(page, action=f"/patrols/{patrol.id}/findings/{finding.id}/matter")


def test_an_earlier_finding_is_reported_in_one_step(web_as, world):
    patrol, finding = world.records["a"]["patrol"], world.records["a"]["finding"]
    web = web_as("worker_a")
    form = _report_form(web.get(f"/patrols/{patrol.id}"), patrol, finding)
    choose(form, "class_code", "公共安全")
    response = press(form, "上报为事件")
    assert response.status_int == 303
    fresh()
    finding = db.session.get(PatrolFinding, finding.id)
    assert finding.matter.class_code == "safety" and "井盖破损a" in finding.matter.description
    assert response.headers["Location"].endswith(f"/matters/{finding.matter.id}")
    # The same form pressed again (a second tab, the back button) is refused; the matter stays one.
    press(form, "上报为事件")
    fresh()
    assert (
        db.session.scalar(select(db.func.count()).select_from(Matter).where(Matter.description.contains("井盖破损a")))
        == 1
    )
    assert f"/findings/{finding.id}/matter" not in web.get(f"/patrols/{patrol.id}").text


def test_forged_report_of_another_patrols_finding_is_404(web_as, world):
    """Forged request: a finding of another patrol through this patrol's URL."""
    patrol, other = world.records["a"]["patrol"], world.records["b"]["finding"]
    response = forge(web_as("worker_a"), f"/patrols/{patrol.id}/findings/{other.id}/matter", {"class_code": "city"})
    assert response.status_int == 404


def test_leaders_cannot_write_even_by_a_forged_post(web_as, world):
    """Forged request: a leader is offered no patrol form; posting one is 403."""
    web = web_as("leader_a")
    listing = web.get("/patrols/")
    assert listing.status_int == 200 and "登记巡查" not in visible_text(listing)
    assert web.get("/patrols/new", expect_errors=True).status_int == 403
    response = forge(
        web,
        "/patrols/new",
        {
            "grid_id": world.grid_a.id,
            "staff_id": world.staff["worker_a"].id,
            "patrol_date": (local_today() - timedelta(days=1)).isoformat(),
            "start_time": "08:30",
            "end_time": "10:00",
            "route": "东关路—菜市场—1号楼",
        },
    )
    assert response.status_int == 403


def test_compliance_page_flags_the_worker_behind(client_as, world):
    last_week = week_start(local_today()) - timedelta(weeks=1)
    for offset in (0, 2):
        services.record_patrol(
            services.PatrolValues(
                grid=world.grid_a,
                staff_id=world.staff["worker_a"].id,
                patrol_date=last_week + timedelta(days=offset),
                start_time=time(9),
                end_time=time(10),
                route="东关路",
            ),
            world.users["worker_a"],
        )
    db.session.commit()
    page = text_of(client_as("station_a").get(f"/patrols/compliance?division_id={world.community_a.id}"))
    assert "员工worker_a" in page and "2 / 3" in page and "未达标" in page
    assert f"{last_week.isoformat()} 起一周" in page and "员工worker_b" not in page
    assert client_as("worker_a").get(f"/patrols/compliance?division_id={world.community_b.id}").status_code == 404


def test_the_matter_links_back_to_the_finding(web_as, world):
    patrol, finding = world.records["a"]["patrol"], world.records["a"]["finding"]
    web = web_as("worker_a")
    form = _report_form(web.get(f"/patrols/{patrol.id}"), patrol, finding)
    choose(form, "class_code", "城市管理")
    html = press(form, "上报为事件").follow().text
    assert "来源记录：" in html and f'href="/patrols/{patrol.id}"' in html and "巡查发现（2024-01-02）" in html
