"""Urgency changes something, and the station chases: a 紧急 or 重大 matter's stages
are capped (urgent_cap 2, major_cap 1 working days: June 2026 has no holiday in the
days used here), it comes first in the inboxes; the occurrence time a reporter gives
decides 迟报 (24 hours for 一般, 2 for 紧急, 1 for 重大), shown on the matter and
counted in the indicators; the owner chases (催办) a department past its deadline."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from app.core.database import write_transactions
from app.core.timeutil import local_to_utc, to_local, utcnow
from app.extensions import db
from app.matters import reporting, services
from app.matters.models import Matter, MatterStep, TimeLimit
from tests.conftest import fresh
from tests.web import choose, forge, form_on, press, visible_text


def at(month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return local_to_utc(dt.datetime(2026, month, day, hour, minute))


def _to_department(world, urgency: str, when=None) -> Matter:
    u = world.users
    when = when or at(6, 1, 9)
    matter = reporting.report(
        reporting.MatterValues(
            class_code="city", description=f"{urgency} 井盖缺失", grid=world.grid_a, urgency=urgency
        ),
        reporter=u["worker_a"],
        now=when,
    )
    services.take(matter, "verify", u["station_a"], now=when + dt.timedelta(hours=1))
    services.take(
        matter,
        "dispatch",
        u["town_a"],
        now=when + dt.timedelta(hours=2),
        level="department",
        department_id=world.department.id,
    )
    return matter


def test_urgent_and_major_stages_are_capped(world):
    """Dispatched to the department on Monday 1 June (5 working days): 一般 is due at
    the end of Monday 8 June, 紧急 (2) of Wednesday 3 June, 重大 (1) of Tuesday 2 June."""
    with write_transactions():
        due = {urgency: _to_department(world, urgency).due_at for urgency in ("normal", "urgent", "major")}
        db.session.commit()
    assert due == {"normal": at(6, 9, 0), "urgent": at(6, 4, 0), "major": at(6, 3, 0)}
    # The county gives 紧急 three days: a stage begun afterwards takes them.
    with write_transactions():
        db.session.add(TimeLimit(key="urgent_cap", days=3))
        later = _to_department(world, "urgent").due_at
        db.session.commit()
    assert later == at(6, 5, 0)


# Different enough from each other not to be offered as duplicates.
WORDS = iter(
    [
        "东关路1号井盖缺失，夜间有行人跌倒",
        "菜市场北口垃圾桶满溢三天无人清运",
        "幸福路路灯连续两晚不亮",
        "三号楼楼道堆放纸箱堵塞通道",
        "学校门口占道经营摊贩影响通行",
        "河堤栏杆松动存在坠落危险",
        "广场夜间音响噪声扰民",
        "公交站牌被撞倒横在人行道",
    ]
)


def _report_form(web, urgency="一般", occurred=""):
    form = form_on(web.get("/matters/new"), button="上报")
    choose(form, "class_code", "城市管理")
    choose(form, "grid_id", "东关一网格")
    form["address"] = "东关路1号门口"
    form["description"] = next(WORDS)
    choose(form, "urgency", urgency)
    form["occurred_at"] = occurred
    return form


def _typed(hours_ago: float) -> str:
    """A local time as a person types it (the text fallback of an old browser)."""
    return (to_local(utcnow()) - dt.timedelta(hours=hours_ago)).strftime("%Y-%m-%d %H:%M")


def _latest() -> Matter:
    fresh()
    return db.session.scalar(select(Matter).order_by(Matter.id.desc()))


def test_the_occurrence_time_decides_late_reporting(world, web_as):
    web = web_as("worker_a")
    cases = [("一般", 30, True), ("一般", 3, False), ("紧急", 3, True), ("紧急", 1, False), ("重大", 1.5, True)]
    for urgency, hours_ago, late in cases:
        page = press(_report_form(web, urgency, _typed(hours_ago)), "上报").follow()
        matter = _latest()
        assert matter.reported_late is late, (urgency, hours_ago)
        assert matter.occurred_at is not None
        text = visible_text(page)
        assert "发生时间" in text and (("迟报" in text) is late), (urgency, hours_ago)
    # Not given: not judged.
    press(_report_form(web), "上报")
    assert _latest().reported_late is None
    # In the future: the message at the field, what was typed kept.
    form = _report_form(web, "一般", _typed(-3))
    refused = press(form, "上报", status=400)
    assert "发生时间不能晚于现在。" in visible_text(refused)
    assert form_on(refused, button="上报")["description"].value == form["description"].value
    # The indicators count today's 迟报 for the grid: three of the five dated reports.
    today = to_local(utcnow()).date().isoformat()
    html = web_as("town_a").get(f"/matters/indicators?date_from={today}&date_to={today}&level=grid").text
    row = re.search(r'<tr><th scope="row">东关社区 · 东关一网格</th>(.*?)</tr>', html, re.S).group(1)
    cells = re.findall(r'<td class="num"[^>]*>([^<]*)</td>', row)
    assert cells[8] == "3"  # 迟报 (the column after 超期)


def test_the_station_chases_a_department_past_its_deadline(world, web_as, client_as):
    with write_transactions():
        matter = _to_department(world, "normal", when=utcnow() - dt.timedelta(hours=3))
        db.session.commit()
    station = web_as("station_a")
    assert "/act/chase" not in station.get(f"/matters/{matter.id}").text  # not yet late
    fresh()
    db.session.get(Matter, matter.id).due_at = utcnow() - dt.timedelta(hours=1)
    db.session.commit()
    form = form_on(station.get(f"/matters/{matter.id}"), action=f"/matters/{matter.id}/act/chase")
    form["note"] = "已超期一小时，请今天内反馈"
    page = press(form, "催办").follow()
    assert "已催办。" in visible_text(page) and "已催办 " in visible_text(page)
    fresh()
    step = db.session.scalar(select(MatterStep).where(MatterStep.matter_id == matter.id, MatterStep.action == "chase"))
    assert step.note == "已超期一小时，请今天内反馈" and step.detail == {"to": world.department.name}
    # The department sees it chased in its inbox; it cannot chase itself, nor can a worker.
    assert "已催办" in visible_text(web_as("dept").get("/matters/?box=handle"))
    assert forge(web_as("dept"), f"/matters/{matter.id}/act/chase").status_int == 403
    assert forge(web_as("worker_a"), f"/matters/{matter.id}/act/chase").status_int == 403
    # The reporter's tracking page shows the chase, by unit.
    fresh()
    code = db.session.get(Matter, matter.id).tracking_code
    assert "催办" in visible_text(web_as("station_a").get(f"/public/track?code={code}"))


def test_major_and_urgent_come_first_in_the_inbox(world, web_as):
    with write_transactions():
        for urgency in ("normal", "urgent", "major"):
            reporting.report(
                reporting.MatterValues(
                    class_code="city", description=f"排序{urgency}", grid=world.grid_a, urgency=urgency
                ),
                reporter=world.users["worker_a"],
            )
        db.session.commit()
    text = visible_text(web_as("town_a").get("/matters/?box=verify"))
    assert text.index("排序major") < text.index("排序urgent") < text.index("排序normal")
    assert "重大" in text and "紧急" in text
