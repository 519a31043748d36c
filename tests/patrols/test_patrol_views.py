"""Patrol pages: saving a patrol, Chinese errors keeping the input, findings added
with htmx or a plain form, a finding reported as a matter in one step, 404 for
another grid's patrol, and the weekly compliance page."""
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


def _form(world, **changes):
    data = {"grid_id": world.grid_a.id, "staff_id": world.staff["worker_a"].id,
            "patrol_date": (local_today() - timedelta(days=1)).isoformat(), "start_time": "08:30",
            "end_time": "10:00", "route": "东关路—菜市场—1号楼", "note": ""}
    data.update(changes)
    return data


def test_new_patrol_form_proposes_the_workers_own_record(client_as, world):
    html = client_as("worker_a").get("/patrols/new").get_data(as_text=True)
    assert f'<option selected value="{world.staff["worker_a"].id}">' in html or \
        f'value="{world.staff["worker_a"].id}" selected' in html
    assert "员工worker_b" not in html


def test_save_a_patrol(client_as, world):
    client = client_as("worker_a")
    response = client.post("/patrols/new", data=_form(world))
    assert response.status_code == 303
    fresh()
    patrol = db.session.scalar(select(Patrol).where(Patrol.route == "东关路—菜市场—1号楼"))
    assert patrol.grid_id == world.grid_a.id and patrol.start_time == time(8, 30)
    assert response.headers["Location"].endswith(f"/patrols/{patrol.id}")
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "patrol_recorded")) is not None
    listing = text_of(client.get("/patrols/"))
    assert "东关路—菜市场—1号楼" in listing and "巡查路线b" not in listing


def test_errors_are_chinese_at_the_field_and_keep_the_input(client_as, world):
    client = client_as("worker_a")
    html = client.post("/patrols/new", data=_form(world, end_time="08:00")).get_data(as_text=True)
    assert "结束时间应晚于开始时间。" in html and "end_time-error" in html
    assert 'value="东关路—菜市场—1号楼"' in html
    html = client.post("/patrols/new", data=_form(world, route="", start_time="")).get_data(as_text=True)
    assert "请填写巡查路线或点位。" in html and "请填写开始时间。" in html
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    assert "巡查日期不能晚于今天。" in client.post("/patrols/new", data=_form(world, patrol_date=tomorrow)).get_data(
        as_text=True)
    fresh()
    assert db.session.scalar(select(Patrol).where(Patrol.route == "东关路—菜市场—1号楼")) is None


def test_another_grids_patrol_is_404(client_as, world):
    other = world.records["b"]["patrol"]
    client = client_as("worker_a")
    assert client.get(f"/patrols/{other.id}").status_code == 404
    assert client.post(f"/patrols/{other.id}/findings", data={"description": "x"}).status_code == 404
    # A grid B worker cannot record a patrol in grid A either: the grid is not offered.
    response = client_as("worker_b").post("/patrols/new", data=_form(world))
    assert "请选择网格。" in response.get_data(as_text=True)


def test_finding_added_with_htmx_and_reported_as_a_matter_at_once(client_as, world):
    patrol = world.records["a"]["patrol"]
    client = client_as("worker_a")
    response = client.post(f"/patrols/{patrol.id}/findings",
                           data={"description": "路边井盖缺失", "place": "东关路12号", "matter_class": "city"},
                           headers={"HX-Request": "true", "HX-Target": "findings"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    fresh()
    finding = db.session.scalar(select(PatrolFinding).where(PatrolFinding.description == "路边井盖缺失"))
    matter = finding.matter
    assert matter is not None and matter.number in html and "已上报" in html
    assert matter.class_code == "city" and "路边井盖缺失" in matter.description and matter.address == "东关路12号"
    assert matter.grid_id == world.grid_a.id and matter.due_at is not None


def test_finding_handled_on_spot_needs_how(client_as, world):
    patrol = world.records["a"]["patrol"]
    client = client_as("worker_a")
    html = client.post(f"/patrols/{patrol.id}/findings",
                       data={"description": "乱堆杂物", "handled_on_spot": "y"}).get_data(as_text=True)
    assert "现场处置的，请写明怎样处置的。" in html and 'value="乱堆杂物"' in html
    response = client.post(f"/patrols/{patrol.id}/findings",
                           data={"description": "乱堆杂物", "handled_on_spot": "y", "handling": "劝说清理"})
    assert response.status_code == 303
    page = text_of(client.get(f"/patrols/{patrol.id}"))
    assert "乱堆杂物" in page and "劝说清理" in page


def test_an_earlier_finding_is_reported_in_one_step(client_as, world):
    patrol, finding = world.records["a"]["patrol"], world.records["a"]["finding"]
    client = client_as("worker_a")
    response = client.post(f"/patrols/{patrol.id}/findings/{finding.id}/matter", data={"class_code": "safety"})
    assert response.status_code == 303
    fresh()
    finding = db.session.get(PatrolFinding, finding.id)
    assert finding.matter.class_code == "safety" and "井盖破损a" in finding.matter.description
    assert response.headers["Location"].endswith(f"/matters/{finding.matter.id}")
    # Twice is refused; the matter stays one.
    client.post(f"/patrols/{patrol.id}/findings/{finding.id}/matter", data={"class_code": "safety"})
    fresh()
    assert db.session.scalar(select(db.func.count()).select_from(Matter).where(
        Matter.description.contains("井盖破损a"))) == 1
    # A finding of another patrol through this patrol's URL: 404.
    other = world.records["b"]["finding"]
    assert client.post(f"/patrols/{patrol.id}/findings/{other.id}/matter",
                       data={"class_code": "city"}).status_code == 404


def test_leaders_cannot_write(client_as, world):
    client = client_as("leader_a")
    assert client.get("/patrols/").status_code == 200
    assert client.post("/patrols/new", data=_form(world)).status_code == 403


def test_compliance_page_flags_the_worker_behind(client_as, world):
    last_week = week_start(local_today()) - timedelta(weeks=1)
    for offset in (0, 2):
        services.record_patrol(services.PatrolValues(
            grid=world.grid_a, staff_id=world.staff["worker_a"].id, patrol_date=last_week + timedelta(days=offset),
            start_time=time(9), end_time=time(10), route="东关路"), world.users["worker_a"])
    db.session.commit()
    page = text_of(client_as("station_a").get(f"/patrols/compliance?division_id={world.community_a.id}"))
    assert "员工worker_a" in page and "2 / 3" in page and "未达标" in page
    assert f"{last_week.isoformat()} 起一周" in page and "员工worker_b" not in page
    assert client_as("worker_a").get(f"/patrols/compliance?division_id={world.community_b.id}").status_code == 404


def test_the_matter_links_back_to_the_finding(client_as, world):
    patrol, finding = world.records["a"]["patrol"], world.records["a"]["finding"]
    client = client_as("worker_a")
    response = client.post(f"/patrols/{patrol.id}/findings/{finding.id}/matter", data={"class_code": "city"})
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "来源记录：" in html and f'href="/patrols/{patrol.id}"' in html and "巡查发现（2024-01-02）" in html
