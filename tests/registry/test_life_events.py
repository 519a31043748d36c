"""住户婚丧嫁娶、怀孕出生 (002 篇二): marriage and pregnancy recorded from a resident's
page as a grid worker fills the form — a refusal at the field keeps what was typed —
shown on the resident's record and in the 动态信息 feed, within scope."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.registry.people.models import PopulationEvent
from tests.conftest import fresh
from tests.web import choose, forge, form_on, press, visible_text


def _form(web, resident):
    return form_on(web.get(f"/residents/{resident.id}"), action=f"/residents/{resident.id}/life-events")


def test_marriage_and_pregnancy_are_recorded_and_listed(world, web_as):
    zhang, li = world.residents["a"], world.residents["b"]
    web = web_as("worker_a")
    form = _form(web, zhang)
    choose(form, "kind", "结婚")
    form["day"] = "2026-10-01"
    form["note"] = "配偶王芳"
    page = press(form, "记录婚育情况").follow()
    assert "已记录婚育情况。" in visible_text(page) and "2026-10-01 结婚" in visible_text(page)
    # 张伟 is a man: a pregnancy is refused at the field, the note kept.
    form = _form(web, zhang)
    choose(form, "kind", "怀孕")
    form["day"] = "2026-11-01"
    form["note"] = "预产期2027年6月"
    refused = press(form, "记录婚育情况", status=400)
    assert "怀孕只能登记在女性名下。" in visible_text(refused)
    assert form_on(refused, action=f"/residents/{zhang.id}/life-events")["note"].value == "预产期2027年6月"
    # 李娜 in grid B: her grid's worker records it; worker_a cannot reach her.
    assert forge(web, f"/residents/{li.id}/life-events", {"kind": "pregnancy", "day": "2026-11-01"}).status_int == 404
    other = web_as("worker_b")
    form = _form(other, li)
    choose(form, "kind", "怀孕")
    form["day"] = "2026-11-01"
    press(form, "记录婚育情况")
    fresh()
    kinds = [(e.kind, e.resident_id) for e in db.session.scalars(select(PopulationEvent).order_by(PopulationEvent.id))]
    assert ("marriage", zhang.id) in kinds and ("pregnancy", li.id) in kinds
    assert ("pregnancy", zhang.id) not in kinds
    # The 动态信息 feed of grid B lists the pregnancy; grid A's worker does not see it.
    assert "李娜" in visible_text(other.get("/population-changes/?kind=pregnancy"))
    assert "没有符合条件的人口动态。" in visible_text(web.get("/population-changes/?kind=pregnancy"))


def test_a_future_day_is_refused(world, web_as):
    web = web_as("worker_a")
    form = _form(web, world.residents["a"])
    choose(form, "kind", "结婚")
    form["day"] = "2099-01-01"
    refused = press(form, "记录婚育情况", status=400)
    assert "日期不能晚于今天。" in visible_text(refused)
