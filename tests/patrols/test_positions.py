"""A patrol's start and end positions and a finding's position (docs/phone.md,
"Location"): saved when the page's hidden inputs hold what static/js/location.js
puts there, nothing and no error when they are empty, a tampered position refused
at its field with what was typed kept, shown on the patrol's page to those who see
the patrol, carried by a finding into the matter it opens — forms as rendered
(tests/web.py)."""

from datetime import timedelta

from sqlalchemy import select

from app.core.timeutil import local_today
from app.extensions import db
from app.patrols.models import Patrol, PatrolFinding
from tests.conftest import fresh
from tests.web import as_location_js, choose, forge, form_on, htmx_submit, press, visible_text

SHOWN = "34.2658, 108.9541（±12 米，"


def _new_patrol(web, route="东关路—菜市场—1号楼"):
    form = form_on(web.get("/patrols/new"), button="保存")
    form["patrol_date"] = (local_today() - timedelta(days=1)).isoformat()
    form["start_time"], form["end_time"], form["route"] = "08:30", "10:00", route
    return form


def _finding_form(web, patrol):
    return form_on(web.get(f"/patrols/{patrol.id}"), action=f"/patrols/{patrol.id}/findings")


def test_a_patrol_keeps_its_start_and_end_positions(web_as, world):
    web = web_as("worker_a")
    form = as_location_js(_new_patrol(web), "start_")
    as_location_js(form, "end_", latitude="34.2701", longitude="108.9602", accuracy="30.6")
    response = press(form, "保存")
    assert response.status_int == 303, visible_text(response)[:600]
    fresh()
    patrol = db.session.scalar(select(Patrol).where(Patrol.route == "东关路—菜市场—1号楼"))
    assert (patrol.start_latitude, patrol.start_longitude, patrol.start_accuracy_m) == (34.2658, 108.9541, 12.0)
    assert (patrol.end_latitude, patrol.end_longitude, patrol.end_accuracy_m) == (34.2701, 108.9602, 30.6)
    assert patrol.start_located_at is not None and patrol.end_located_at is not None
    page = visible_text(response.follow())
    assert f"起点位置 {SHOWN}" in page and "终点位置 34.2701, 108.9602（±31 米，" in page
    # The station of the community sees the patrol, and so its positions.
    assert SHOWN in visible_text(web_as("station_a").get(f"/patrols/{patrol.id}"))
    # A correction neither offers nor changes them.
    edit = form_on(web.get(f"/patrols/{patrol.id}/edit"), button="保存")
    assert not any(name and "latitude" in name for name in edit.fields)


def test_without_a_position_the_patrol_saves_as_before(web_as, world):
    web = web_as("worker_a")
    page = web.get("/patrols/new")
    assert "记录起点位置" in page.text and "记录终点位置" in page.text  # for the script to show
    response = press(_new_patrol(web), "保存")
    assert response.status_int == 303
    fresh()
    patrol = db.session.scalar(select(Patrol).where(Patrol.route == "东关路—菜市场—1号楼"))
    assert patrol.start_latitude is None and patrol.end_located_at is None
    assert "起点位置" not in visible_text(response.follow())


def test_only_the_end_position_may_be_recorded(web_as, world):
    response = press(as_location_js(_new_patrol(web_as("worker_a")), "end_"), "保存")
    assert response.status_int == 303
    fresh()
    patrol = db.session.scalar(select(Patrol).where(Patrol.route == "东关路—菜市场—1号楼"))
    assert patrol.start_latitude is None and patrol.end_latitude == 34.2658


def test_a_tampered_start_position_is_refused_with_the_input_kept(web_as, world):
    """Tampered hidden inputs: a latitude beyond the pole."""
    web = web_as("worker_a")
    response = press(as_location_js(_new_patrol(web), "start_", latitude="134.2658"), "保存")
    assert response.status_int == 200
    assert 'id="start_latitude-error">位置数据不完整或有误，没有保存。' in response.text
    form = form_on(response, button="保存")
    assert form["route"].value == "东关路—菜市场—1号楼" and form["start_latitude"].value == ""
    fresh()
    assert db.session.scalar(select(Patrol).where(Patrol.route == "东关路—菜市场—1号楼")) is None
    # Sent again as it came back: saved, without the position.
    assert press(form, "保存").status_int == 303
    fresh()
    assert db.session.scalar(select(Patrol.start_latitude).where(Patrol.route == "东关路—菜市场—1号楼")) is None


def test_a_finding_keeps_its_position_and_gives_it_to_its_matter(web_as, world):
    patrol = world.records["a"]["patrol"]
    web = web_as("worker_a")
    form = as_location_js(_finding_form(web, patrol))
    form["description"] = "路边井盖缺失"
    choose(form, "matter_class", "城市管理")
    fragment = htmx_submit(form, button="添加")
    assert fragment.status_int == 200 and f"位置：{SHOWN}" in visible_text(fragment)
    fresh()
    finding = db.session.scalar(select(PatrolFinding).where(PatrolFinding.description == "路边井盖缺失"))
    assert (finding.latitude, finding.longitude, finding.accuracy_m) == (34.2658, 108.9541, 12.0)
    matter = finding.matter
    assert (matter.latitude, matter.longitude, matter.accuracy_m, matter.located_at) == (
        finding.latitude,
        finding.longitude,
        finding.accuracy_m,
        finding.located_at,
    )
    # The next finding's form, swapped in by htmx, starts without a position.
    assert form_on(fragment, action=f"/patrols/{patrol.id}/findings")["latitude"].value == ""
    assert f"位置：{SHOWN}" in visible_text(web_as("station_a").get(f"/patrols/{patrol.id}"))
    assert f"位置：{SHOWN}" in visible_text(web.get(f"/matters/{matter.id}"))


def test_a_finding_without_a_position_as_a_plain_form(web_as, world):
    patrol = world.records["a"]["patrol"]
    web = web_as("worker_a")
    form = _finding_form(web, patrol)
    form["description"] = "楼道堆放杂物"
    response = press(form, "添加")
    assert response.status_int == 303
    fresh()
    finding = db.session.scalar(select(PatrolFinding).where(PatrolFinding.description == "楼道堆放杂物"))
    assert finding.latitude is None and finding.located_at is None
    assert "位置：" not in visible_text(response.follow())


def test_a_forged_partial_or_future_finding_position_is_refused(web_as, world):
    """Forged posts: a latitude alone, and a position taken an hour from now."""
    patrol = world.records["a"]["patrol"]
    web = web_as("worker_a")
    url = f"/patrols/{patrol.id}/findings"
    response = forge(web, url, {"description": "路灯不亮", "latitude": "34.2658", "matter_class": ""})
    assert "位置数据不完整或有误" in visible_text(response)
    assert form_on(response, action=url)["description"].value == "路灯不亮"
    form = as_location_js(_finding_form(web, patrol), at=(local_today() + timedelta(days=2)).isoformat() + "T00:00:00Z")
    form["description"] = "路灯不亮"
    assert "位置的记录时间晚于现在" in visible_text(press(form, "添加"))
    fresh()
    assert db.session.scalar(select(PatrolFinding).where(PatrolFinding.description == "路灯不亮")) is None
