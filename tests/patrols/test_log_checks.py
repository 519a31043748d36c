"""The community's weekly check of each grid's 民情日志 (a week without entries is 空岗,
and the grid is criticised in words) and the grid chief's 已阅 on the Monday/Thursday
reports: the forms as rendered, the rules at the field, scope and audit."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.auth.models import AuditEvent
from app.extensions import db
from app.patrols.models import ChiefReport, OpinionEntry, OpinionLogCheck
from tests.conftest import fresh
from tests.web import forge, form_on, press, visible_text

WEEK = date(2026, 11, 2)  # a Monday


def _entry(world, day: date, grid=None) -> None:
    db.session.add(
        OpinionEntry(
            grid_id=(grid or world.grid_a).id,
            said_on=day,
            category="city",
            content="路灯不亮",
            disposition="settled",
            settled_note="当场报修",
        )
    )
    db.session.commit()


def _check_form(page, grid):
    return form_on(page, form_id=None, field=f"g{grid.id}-comment")


def test_the_station_checks_each_grid_of_its_community_for_the_week(world, web_as):
    _entry(world, date(2026, 11, 3))
    _entry(world, date(2026, 11, 8))  # Sunday: still the week
    _entry(world, date(2026, 11, 9))  # the next week's
    web = web_as("station_a")
    url = f"/opinions/checks?division_id={world.community_a.id}&week=2026-11-04"
    page = web.get(url)
    text = visible_text(page)
    assert "2026-11-02 起一周" in text and "东关一网格" in text and "东关二网格" in text
    # Grid A had two entries: the checker chooses the result.
    form = _check_form(page, world.grid_a)
    form[f"g{world.grid_a.id}-result"] = "improve"
    form[f"g{world.grid_a.id}-comment"] = "记录过简，未写办理结果"
    assert "已保存东关一网格的检查。" in visible_text(press(form, "保存检查").follow())
    # Grid A2 had none: 空岗, and saving without the criticism is refused at the field.
    page = web.get(url)
    form = _check_form(page, world.grid_a2)
    assert f"g{world.grid_a2.id}-result" not in form.fields  # 空岗 is not a choice: it is the fact
    refused = press(form, "保存检查", status=400)
    assert "这一周没有民情日志（空岗），请写明对本网格的批评。" in visible_text(refused)
    form = _check_form(refused, world.grid_a2)
    form[f"g{world.grid_a2.id}-comment"] = "本周民情日志空岗，通报批评，限下周一前补记"
    press(form, "保存检查")
    fresh()
    checks = {c.grid_id: c for c in db.session.scalars(select(OpinionLogCheck))}
    assert (checks[world.grid_a.id].result, checks[world.grid_a.id].entries) == ("improve", 2)
    assert (checks[world.grid_a2.id].result, checks[world.grid_a2.id].entries) == ("empty", 0)
    assert checks[world.grid_a2.id].checked_by_name and checks[world.grid_a2.id].week_start == WEEK
    text = visible_text(web_as("worker_a").get(f"/opinions/checks?division_id={world.grid_a.id}&week=2026-11-02"))
    assert "需改进" in text and "记录过简" in text
    # Checking again replaces the result, with the old one in the audit log.
    form = _check_form(web.get(url), world.grid_a)
    form[f"g{world.grid_a.id}-result"] = "good"
    press(form, "保存检查")
    fresh()
    assert db.session.get(OpinionLogCheck, checks[world.grid_a.id].id).result == "good"
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "opinion_log_checked")))
    assert [e.detail["before"] for e in events] == [None, None, "improve"]


def test_who_may_check_and_where(world, web_as):
    url = f"/opinions/checks?division_id={world.community_a.id}&week=2026-11-02"
    worker = web_as("worker_a")
    own = f"/opinions/checks?division_id={world.grid_a.id}&week=2026-11-02"
    assert "保存检查" not in worker.get(own).text
    assert forge(worker, own, {"grid_id": world.grid_a.id, f"g{world.grid_a.id}-comment": "x"}).status_int == 403
    # The station cannot check another community's grid by changing the grid in the form.
    station = web_as("station_a")
    assert forge(station, url, {"grid_id": world.grid_b.id, f"g{world.grid_b.id}-comment": "x"}).status_int == 404
    # A week not begun is not checked.
    assert "保存检查" not in station.get(f"/opinions/checks?division_id={world.community_a.id}&week=2099-01-05").text


def test_the_chief_acknowledges_a_report(world, web_as):
    report = world.records["a"]["chief_report"]
    web = web_as("station_a")
    page = web.get(f"/opinions/reports/{report.id}")
    assert "未阅" in visible_text(page)
    done = press(form_on(page, action=f"/opinions/reports/{report.id}/acknowledge"), "网格长已阅").follow()
    assert "已阅。" in visible_text(done) and "网格长已阅" not in [b.text for b in done.html.find_all("button")]
    fresh()
    assert db.session.get(ChiefReport, report.id).acknowledged_by_name
    listing = visible_text(web.get(f"/opinions/reports?division_id={world.grid_a.id}&week=2024-01-01"))
    assert "网格长已阅" in listing
    # A grid worker who is not the chief may not; another grid's report is a 404.
    assert forge(web_as("worker_a"), f"/opinions/reports/{report.id}/acknowledge").status_int == 403
    other = world.records["b"]["chief_report"]
    assert forge(web, f"/opinions/reports/{other.id}/acknowledge").status_int == 404
