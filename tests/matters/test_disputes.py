"""Dispute matters carry a screening record and mediation records (forms 12 and 13),
filled in through the matter page's links as rendered (tests/web.py)."""

from sqlalchemy import select

from app.extensions import db
from app.matters.models import Matter, Mediation
from tests.conftest import fresh
from tests.web import choose, form_on, press, visible_text


def _dispute(web, world) -> Matter:
    form = form_on(web.get("/matters/").click(description="上报事件"), button="上报")
    choose(form, "class_code", "矛盾纠纷")
    form["description"] = "楼上漏水引发邻里纠纷"
    assert press(form, "上报").status_int == 302
    fresh()
    return db.session.scalar(select(Matter).order_by(Matter.id.desc()))


def test_screening_and_mediation_are_recorded_and_shown(web_as, world):
    worker = web_as("worker_a")
    matter = _dispute(worker, world)
    page = worker.get(f"/matters/{matter.id}")
    assert "尚未填写排查记录" in visible_text(page)
    form = form_on(page.click(description="填写排查记录"), button="保存排查记录")
    form["parties"] = "王某（301）与赵某（201）"
    choose(form, "dispute_type", "邻里")
    choose(form, "risk_level", "中")
    form["instability_factors"] = "双方多次争吵"
    form["screened_on"] = "2026-11-20"
    response = press(form, "保存排查记录")
    assert response.status_int == 302
    form = form_on(response.follow().click(description="添加调解记录"), button="保存调解记录")
    form["held_on"] = "2026-11-21"
    form["mediators"] = "网格员、调解员"
    form["course"] = "现场查看漏水点"
    form["agreed"] = True
    page = press(form, "保存调解记录", status=200)
    assert "达成协议时请填写协议内容" in visible_text(page)
    again = form_on(page, button="保存调解记录")
    assert again["course"].value == "现场查看漏水点"  # what was typed is kept
    again["agreement_text"] = "301 户三日内修好防水层，赔偿 500 元"
    assert press(again, "保存调解记录").status_int == 302
    page = visible_text(worker.get(f"/matters/{matter.id}"))
    assert "王某（301）与赵某（201）" in page and "邻里" in page and "赔偿 500 元" in page
    fresh()
    assert db.session.scalar(select(Mediation).where(Mediation.matter_id == matter.id)).agreed is True


def test_only_dispute_matters_and_only_people_working_on_them(client_as, web_as, world):
    matter = _dispute(web_as("worker_a"), world)
    assert client_as("leader_a").get(f"/matters/{matter.id}/screening").status_code == 403
    assert client_as("worker_b").get(f"/matters/{matter.id}/screening").status_code == 404
    other = world.records["a"]["matter"]  # a livelihood matter
    assert client_as("worker_a").get(f"/matters/{other.id}/screening").status_code == 404
