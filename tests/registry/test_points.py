"""Points of responsibility (网上有格、格中有点、点上有事、事上有人、人上有责) and their monthly
supervision (002 篇九: 每月对本网格各创建点位至少开展督查督导1-2次，建立督导台帐): the
register filled as rendered, the rules at their fields, the 督导台帐, a month without a
supervision flagged, and scope."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from app.core.timeutil import local_today
from app.extensions import db
from app.registry.points.models import PointSupervision, ResponsibilityPoint
from tests.conftest import fresh
from tests.web import choose, forge, form_on, options, press, visible_text


def _new_point(web, world, name="幸福路（东门街至北关街段）", unit="县城市管理局", person=""):
    form = form_on(web.get(f"/points/?grid={world.grid_a.id}").click(description="登记点位"), action="/points/new")
    choose(form, "kind", "道路、背街小巷")
    form["name"] = name
    form["responsible_unit"] = unit
    form["responsible_person"] = person
    return form


def test_a_point_is_registered_and_supervised(world, web_as):
    web = web_as("worker_a")
    saved = press(_new_point(web, world), "保存").follow()
    assert "已登记点位：幸福路（东门街至北关街段）" in visible_text(saved)
    # The same name again in the grid, or nobody responsible: refused at the field.
    refused = press(_new_point(web, world), "保存", status=400)
    assert "本网格已有同名点位。" in visible_text(refused)
    refused = press(_new_point(web, world, name="3号楼前绿地", unit=""), "保存", status=400)
    assert "请填写责任单位或责任人。" in visible_text(refused)
    fresh()
    point = db.session.scalar(select(ResponsibilityPoint))
    # A supervision that found a problem must say what.
    form = form_on(web.get(f"/points/{point.id}"), action=f"/points/{point.id}/supervisions")
    form["supervisors"] = "员工chief_a、县城市管理局王科长"
    form["found_problem"] = True
    refused = press(form, "记录督导", status=400)
    assert "发现问题的，请写明问题和处理情况。" in visible_text(refused)
    form = form_on(refused, action=f"/points/{point.id}/supervisions")
    form["finding"] = "路面破损两处，已报城管局修补"
    page = press(form, "记录督导").follow()
    assert "已记录督导。" in visible_text(page) and "路面破损两处" in visible_text(page)
    fresh()
    assert db.session.scalar(select(PointSupervision)).found_problem is True


def test_a_month_without_supervision_is_flagged(world, web_as):
    today = local_today()
    first_of_this = today.replace(day=1)
    last_month_day = first_of_this - timedelta(days=10)
    point = ResponsibilityPoint(
        grid_id=world.grid_a.id,
        kind="lamp",
        name="东关路路灯",
        responsible_unit="县住建局",
        created_at=datetime(2025, 1, 1),
    )
    recent = ResponsibilityPoint(
        grid_id=world.grid_a.id, kind="green", name="3号楼前绿地", responsible_person="张伟", created_at=datetime.now()
    )
    db.session.add_all([point, recent])
    db.session.commit()
    web = web_as("worker_a")
    text = visible_text(web.get(f"/points/?grid={world.grid_a.id}"))
    assert "有 1 个点位没有督导。" in text and "未督导" in text  # the new point is not judged
    db.session.add(PointSupervision(point_id=point.id, supervised_on=last_month_day, supervisors="员工chief_a"))
    db.session.commit()
    text = visible_text(web.get(f"/points/?grid={world.grid_a.id}"))
    assert "没有督导" not in text and "未督导" not in text


def test_another_grids_point_is_out_of_reach(world, web_as):
    point = ResponsibilityPoint(
        grid_id=world.grid_a.id, kind="market", name="东关农贸市场", responsible_unit="市场服务中心"
    )
    db.session.add(point)
    db.session.commit()
    other = web_as("worker_b")
    assert other.get(f"/points/{point.id}", expect_errors=True).status_int == 404
    assert forge(other, f"/points/{point.id}/supervisions", {"supervisors": "x"}).status_int == 404
    assert "东关农贸市场" not in visible_text(other.get("/points/"))


# --- Points named on matters, findings and inspections (点上有事) ---------------------------


def _point(world, grid=None, name="东关农贸市场"):
    point = ResponsibilityPoint(
        grid_id=(grid or world.grid_a).id,
        kind="market",
        name=name,
        place="东关路12号",
        responsible_unit="市场服务中心",
        created_at=datetime(2025, 1, 1),
    )
    db.session.add(point)
    db.session.commit()
    return point


def test_a_matter_is_reported_at_a_point_from_its_page(world, web_as):
    from app.matters.models import Matter

    point = _point(world)
    elsewhere = _point(world, world.grid_a2, name="二网格停车场")
    web = web_as("station_a")
    form = form_on(web.get(f"/points/{point.id}").click(description="在此点位上报事件"), action="/matters/new")
    # The link chose the point, its grid and its place; a station sees its grids' points by grid.
    assert form["point_id"].value == str(point.id) and form["grid_id"].value == str(world.grid_a.id)
    assert form["address"].value == "东关路12号"
    assert "二网格停车场" in dict(options(form, "point_id")).values()
    choose(form, "class_code", "城市管理")
    form["description"] = "市场门口占道经营，堵塞通道"
    # A point of another grid than the one chosen: refused at the point, what was typed kept.
    form["grid_id"] = str(world.grid_a2.id)
    refused = press(form, "上报", status=400)
    assert "所选点位不在东关二网格，请重新选择。" in visible_text(refused)
    form = form_on(refused, action="/matters/new")
    assert form["description"].value == "市场门口占道经营，堵塞通道"
    form["grid_id"] = str(world.grid_a.id)
    detail = press(form, "上报").follow()
    assert "责任点位： 东关农贸市场" in visible_text(detail) or "责任点位：东关农贸市场" in visible_text(detail)
    fresh()
    matter = db.session.scalar(select(Matter).where(Matter.description == "市场门口占道经营，堵塞通道"))
    assert matter.point_id == point.id and matter.grid_id == world.grid_a.id
    page = visible_text(web.get(f"/points/{point.id}"))
    assert matter.number in page
    assert matter.number not in visible_text(web.get(f"/points/{elsewhere.id}"))


def test_a_patrol_finding_names_a_point(world, web_as):
    from app.patrols.models import PatrolFinding

    point = _point(world)
    patrol = world.records["a"]["patrol"]
    web = web_as("worker_a")
    form = form_on(web.get(f"/patrols/{patrol.id}"), action=f"/patrols/{patrol.id}/findings")
    # A grid worker's one grid: its points, not grouped and not another grid's.
    assert [label for _value, label in options(form, "point_id")] == ["（不选）", "东关农贸市场", "示范路a"]
    form["description"] = "市场东侧垃圾堆放"
    choose(form, "point_id", "东关农贸市场")
    page = press(form, "添加").follow()
    assert "已添加。" in visible_text(page)
    fresh()
    finding = db.session.scalar(select(PatrolFinding).where(PatrolFinding.description == "市场东侧垃圾堆放"))
    assert finding.point_id == point.id
    assert "市场东侧垃圾堆放" in visible_text(web.get(f"/points/{point.id}"))
    # Reported as a matter, the matter names the point too.
    form = form_on(web.get(f"/patrols/{patrol.id}"), action=f"/patrols/{patrol.id}/findings/{finding.id}/matter")
    choose(form, "class_code", "城市管理")
    press(form, "上报为事件")
    fresh()
    assert db.session.get(PatrolFinding, finding.id).matter.point_id == point.id
    # Corrected to no point, the point's page no longer lists it.
    form = form_on(web.get(f"/patrols/{patrol.id}/findings/{finding.id}/edit"))
    choose(form, "point_id", "（不选）")
    press(form, "保存")
    fresh()
    assert db.session.get(PatrolFinding, finding.id).point_id is None
    # Another grid's point, forged into the form: refused.
    other = _point(world, world.grid_b, name="滨河公园")
    response = forge(web, f"/patrols/{patrol.id}/findings", {"description": "x", "point_id": other.id})
    assert "所选点位不在本网格，请重新选择。" in visible_text(response)


def test_an_inspection_of_a_point_counts_as_its_supervision(world, web_as):
    from app.supervision.models import Inspection

    point = _point(world)
    web = web_as("town_a")
    form = form_on(web.get(f"/points/{point.id}").click(description="记录督查"), action="/inspections/new")
    assert form["place"].value == f"point:{point.id}"
    form["inspectors"] = "镇综治办李明"
    form["items_checked"] = "市场秩序、卫生"
    detail = press(form, "保存").follow()
    assert "东关农贸市场 （责任点位）" in visible_text(detail) or "东关农贸市场（责任点位）" in visible_text(detail)
    fresh()
    inspection = db.session.scalar(select(Inspection).where(Inspection.inspectors == "镇综治办李明"))
    assert inspection.responsibility_point_id == point.id and inspection.point == "东关农贸市场"
    text = visible_text(web_as("worker_a").get(f"/points/{point.id}"))
    assert "本月已督导 1 次" in text and "镇综治办李明" in text
    listing = web_as("worker_a").get(f"/points/?grid={world.grid_a.id}")
    row = next(r for r in listing.html.select("tbody tr") if "东关农贸市场" in r.get_text())
    assert "1" in [td.get_text(strip=True) for td in row.select("td")]
