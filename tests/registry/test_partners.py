"""Partner units (结对共建单位, 物业公司) paired with grids, their duties and activities:
registered and recorded through the forms as rendered, the rules at their fields,
and scope — a unit is seen through its grids, an activity only in its grid."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from app.core.timeutil import local_today
from app.extensions import db
from app.registry.partners.models import PartnerActivity, PartnerUnit
from tests.conftest import fresh
from tests.web import choose, forge, form_on, press, visible_text


def _check_grid(form, grid):
    for box in form.fields["grid_ids"]:
        if box._value == str(grid.id):
            box.checked = True


def test_a_station_pairs_a_unit_and_records_its_activities(world, web_as):
    web = web_as("station_a")
    form = form_on(web.get("/partners/").click(description="登记共建单位"), button="保存")
    choose(form, "kind", "物业公司")
    form["name"] = "安居物业服务有限公司"
    form["duties"] = "小区设施维修、楼道清洁、配合矛盾调解"
    # No grid chosen: refused at the field, what was typed kept.
    refused = press(form, "保存", status=400)
    assert "请至少选择一个网格。" in visible_text(refused)
    form = form_on(refused, button="保存")
    assert form["duties"].value == "小区设施维修、楼道清洁、配合矛盾调解"
    _check_grid(form, world.grid_a)
    _check_grid(form, world.grid_a2)
    detail = press(form, "保存").follow()
    assert "已登记：安居物业服务有限公司" in visible_text(detail)
    fresh()
    unit = db.session.scalar(select(PartnerUnit).where(PartnerUnit.name == "安居物业服务有限公司"))
    assert {g.id for g in unit.grids} == {world.grid_a.id, world.grid_a2.id}
    # An activity in the future is refused; one today is listed.
    form = form_on(web.get(f"/partners/{unit.id}"), action=f"/partners/{unit.id}/activities")
    choose(form, "grid_id", "东关二网格")
    form["held_on"] = (local_today() + timedelta(days=1)).isoformat()
    form["content"] = "清理楼道堆放杂物"
    refused = press(form, "记录活动", status=400)
    assert "日期不能晚于今天。" in visible_text(refused)
    form = form_on(refused, action=f"/partners/{unit.id}/activities")
    form["held_on"] = local_today().isoformat()
    page = press(form, "记录活动").follow()
    assert "已记录活动。" in visible_text(page) and "清理楼道堆放杂物" in visible_text(page)
    # grid_a's worker sees the unit but not what it did in grid_a2; grid_b's worker nothing.
    worker = web_as("worker_a")
    text = visible_text(worker.get(f"/partners/{unit.id}"))
    assert "安居物业服务有限公司" in text and "清理楼道堆放杂物" not in text and "东关二网格" not in text
    other = web_as("worker_b")
    assert other.get(f"/partners/{unit.id}", expect_errors=True).status_int == 404
    assert "安居物业服务有限公司" not in visible_text(other.get("/partners/"))
    # An activity forged into a grid the unit is not paired with: refused.
    response = forge(
        web,
        f"/partners/{unit.id}/activities",
        {"grid_id": world.grid_b.id, "held_on": local_today().isoformat(), "content": "x"},
    )
    assert response.status_int == 400 and "请选择本单位结对的网格。" in visible_text(response)


def test_a_quiet_unit_is_flagged(world, web_as):
    unit = PartnerUnit(kind="co_building", name="县自然资源局", duties="每月一次环境整治")
    unit.grids = [world.grid_a]
    db.session.add(unit)
    db.session.add(PartnerActivity(unit=unit, grid_id=world.grid_a.id, held_on=date(2025, 1, 10), content="植树"))
    db.session.commit()
    web = web_as("worker_a")
    row = next(r for r in web.get("/partners/").html.select("tbody tr") if "县自然资源局" in r.get_text())
    assert "近三个月无活动" in row.get_text()
    db.session.add(PartnerActivity(unit=unit, grid_id=world.grid_a.id, held_on=local_today(), content="清扫"))
    db.session.commit()
    row = next(r for r in web.get("/partners/").html.select("tbody tr") if "县自然资源局" in r.get_text())
    assert "近三个月无活动" not in row.get_text()


def test_editing_keeps_the_grids_the_editor_cannot_see(world, web_as):
    unit = PartnerUnit(kind="co_building", name="县实验小学", duties="法治宣传进社区")
    unit.grids = [world.grid_a, world.grid_b]
    db.session.add(unit)
    db.session.commit()
    web = web_as("station_a")
    form = form_on(web.get(f"/partners/{unit.id}/edit"), button="保存")
    # The station is offered its own grids only; grid_b stays paired.
    assert str(world.grid_b.id) not in [box._value for box in form.fields["grid_ids"]]
    form["duties"] = "法治宣传进社区、关爱留守儿童"
    press(form, "保存")
    fresh()
    unit = db.session.get(PartnerUnit, unit.id)
    assert {g.id for g in unit.grids} == {world.grid_a.id, world.grid_b.id}
    assert unit.duties == "法治宣传进社区、关爱留守儿童"
