"""Visits beyond households (002 篇四 (一): 走访党小组和小组长、小区业主委员会): a grid
worker records a visit to an organisation from its page as rendered — the visitors
offered are the grid's and the station's staff, a future day or an empty account is
refused at the field — it is listed on the organisation's page, and the rates page
counts party organisations and owners' committees visited in the quarter."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from app.registry.organisations.models import Organisation
from app.visits.models import OrganisationVisit
from tests.conftest import fresh
from tests.web import forge, form_on, press, visible_text


def _visit_form(web, organisation):
    page = web.get(f"/organisations/{organisation.id}").click(description="记录走访")
    return form_on(page, action=f"/visits/organisations/{organisation.id}/new")


def test_a_visit_to_a_party_branch_is_recorded_listed_and_counted(world, web_as):
    organisation = world.records["a"]["organisation"]
    organisation.party_organisation = "示范有限公司党支部"
    db.session.add(Organisation(grid_id=world.grid_a.id, name="幸福小区业主委员会", org_type="owners_committee"))
    db.session.commit()
    web = web_as("worker_a")
    form = _visit_form(web, organisation)
    form["visited_on"] = "2026-10-20"
    form["found"] = ""
    refused = press(form, "保存", status=400)
    assert "请写明走访情况。" in visible_text(refused)
    form = form_on(refused, action=f"/visits/organisations/{organisation.id}/new")
    form["found"] = "与支部书记座谈，了解党员参与网格服务的情况"
    form["needs"] = "希望社区组织一次消防培训"
    page = press(form, "保存").follow()
    text = visible_text(page)
    assert "已保存走访记录。" in text and "2026-10-20" in text and "与支部书记座谈" in text
    fresh()
    [visit] = db.session.scalars(select(OrganisationVisit))
    assert visit.grid_id == world.grid_a.id and visit.visitor_names == "员工worker_a"
    # The quarter's count: one party organisation of one visited; the committee not yet.
    html = web.get(f"/visits/divisions/{world.grid_a.id}/rates?quarter=2026-Q4").text
    rows = dict(re.findall(r"<tr><td>(党组织|业主委员会)</td>(.*?)</tr>", html, re.S))
    cells = lambda row: re.findall(r'<td class="num">(\d+)', row)
    assert cells(rows["党组织"]) == ["1", "1", "1"]
    assert cells(rows["业主委员会"]) == ["1", "0", "0"] and "1 个未走访" in rows["业主委员会"]


def test_visitors_and_days_are_checked_and_scope_holds(world, web_as):
    organisation = world.records["a"]["organisation"]
    web = web_as("worker_a")
    form = _visit_form(web, organisation)
    form["visited_on"] = "2099-01-01"
    form["found"] = "走访"
    assert "走访日期不能晚于今天。" in visible_text(press(form, "保存", status=400))
    form = _visit_form(web, organisation)
    for box in form.fields.get("visitor_ids", []):
        box.checked = False
    form["found"] = "走访"
    assert "请选择当天在本网格或本社区工作的走访人员。" in visible_text(press(form, "保存", status=400))
    # Another grid's worker cannot name themselves on grid A's organisation, nor reach it.
    other = world.records["b"]["organisation"]
    assert forge(web, f"/visits/organisations/{other.id}/new", {"found": "x"}).status_int == 404
    assert web_as("worker_b").get(f"/organisations/{organisation.id}", expect_errors=True).status_int == 404
