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
from tests.web import choose, forge, form_on, press, visible_text


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
