"""Inspections corrected after saving, further problems, a problem's wording, the
latest re-check corrected or deleted (the deadline from before it restored), and
points that are registered shops or organisations — against hand-computed dates,
and as the pages show them (errors at the field with typed values kept, 403 for
roles that do not supervise, 404 for another grid, the audit entries)."""
from datetime import date, timedelta

from io import BytesIO

import openpyxl
import pytest
from sqlalchemy import select

from app.auth.models import AuditEvent
from app.core.database import write_transactions
from app.core.timeutil import local_today
from app.extensions import db
from app.supervision import inspection_changes as changes
from app.supervision import inspections as services
from app.supervision.models import Inspection, Rectification
from app.supervision.rules import SupervisionError
from tests.conftest import fresh, text_of

DEADLINE = date(2026, 11, 25)


@pytest.fixture()
def inspection(world):
    made = services.record_inspection(services.InspectionValues(
        inspected_on=date(2026, 11, 20), inspectors="城关镇督查组 王强", items_checked="巡查记录",
        problems="民情日志缺记录", deadline=DEADLINE, point="农贸市场"),
        world.grid_a, world.users["town_a"], today=date(2026, 11, 22))
    db.session.commit()
    return made


def _values(inspection, **overrides) -> services.InspectionValues:
    values = dict(inspected_on=inspection.inspected_on, inspectors=inspection.inspectors,
                  items_checked=inspection.items_checked, point=inspection.point, note=inspection.note)
    values.update(overrides)
    return services.InspectionValues(**values)


def _last(action):
    return db.session.scalar(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id.desc()))


# --- Services ------------------------------------------------------------------------------

def test_correcting_an_inspection_and_linking_its_point_to_a_shop(world, inspection):
    town, shop = world.users["town_a"], world.records["a"]["shop"]
    assert changes.update_inspection(inspection, _values(inspection, inspected_on=date(2026, 11, 19), point="",
                                                         place=shop, note="补记"), town, today=date(2026, 11, 22))
    assert (inspection.inspected_on, inspection.shop_id, inspection.point, inspection.point_name) == (
        date(2026, 11, 19), shop.id, "便民超市a", "便民超市a")
    event = _last("inspection_updated")
    assert event.detail["changed"] == ["inspected_on", "point", "shop_id", "note"]
    assert event.detail["before"]["point"] == "农贸市场" and event.detail["after"]["shop_id"] == shop.id
    assert changes.update_inspection(inspection, _values(inspection, point="", place=shop), town,
                                     today=date(2026, 11, 22)) is False


@pytest.mark.parametrize("overrides, field", [
    ({"inspected_on": date(2026, 11, 26)}, "inspected_on"),  # after the deadline it set (11-25)
    ({"inspectors": " "}, "inspectors"),
    ({"place": "shop_b"}, "place"),  # another grid's shop
    ({"place": "shop_a", "point": "东关路"}, "point"),  # a registered place and a typed point at once
])
def test_corrections_refused_at_their_field(world, inspection, overrides, field):
    places = {"shop_a": world.records["a"]["shop"], "shop_b": world.records["b"]["shop"]}
    if "place" in overrides:
        overrides["place"] = places[overrides["place"]]
    with pytest.raises(SupervisionError) as refused:
        changes.update_inspection(inspection, _values(inspection, **overrides), world.users["town_a"],
                                  today=date(2026, 11, 30))
    assert refused.value.field == field


def test_recording_at_an_organisation(world):
    organisation = world.records["a"]["organisation"]
    made = services.record_inspection(services.InspectionValues(
        inspected_on=date(2026, 11, 20), inspectors="督查组", items_checked="消防", place=organisation),
        world.grid_a, world.users["town_a"], today=date(2026, 11, 22))
    assert (made.organisation_id, made.shop_id, made.point_name) == (organisation.id, None, "示范有限公司a")
    keys = [services.place_key(p) for p in services.places_of(world.grid_a)]
    assert keys == [f"shop:{world.records['a']['shop'].id}", f"organisation:{organisation.id}"]


def test_further_problems_and_a_corrected_problem(world, inspection):
    town = world.users["town_a"]
    with pytest.raises(SupervisionError) as refused:
        changes.add_problems(inspection, "\n \n", DEADLINE, town)
    assert refused.value.field == "problems"
    with pytest.raises(SupervisionError) as refused:
        changes.add_problems(inspection, "消防通道堵塞", date(2026, 11, 19), town)
    assert refused.value.field == "deadline"
    added = changes.add_problems(inspection, "消防通道堵塞\n门前三包责任书未签", date(2026, 11, 28), town)
    assert [r.problem for r in inspection.rectifications] == ["民情日志缺记录", "消防通道堵塞", "门前三包责任书未签"]
    assert all((r.first_deadline, r.deadline, r.status) == (date(2026, 11, 28), date(2026, 11, 28), "open")
               for r in added)
    assert _last("rectifications_added").detail == {"problems": ["消防通道堵塞", "门前三包责任书未签"],
                                                     "deadline": "2026-11-28"}
    assert changes.update_problem(added[0], "消防通道被杂物堵塞", town)
    assert _last("rectification_updated").detail["before"] == {"problem": "消防通道堵塞"}
    with pytest.raises(SupervisionError) as refused:
        changes.update_problem(added[0], " ", town)
    assert refused.value.field == "problem"


def test_deleting_the_latest_recheck_restores_the_deadline_before_it(world, inspection):
    town = world.users["town_a"]
    problem = inspection.rectifications[0]
    services.record_recheck(problem, date(2026, 11, 26), False, "仍缺两天", date(2026, 12, 4), town,
                            today=date(2026, 11, 26))
    services.record_recheck(problem, date(2026, 12, 3), True, "已补齐", None, town, today=date(2026, 12, 3))
    assert (problem.status, problem.closed_on, problem.deadline) == ("passed", date(2026, 12, 3), date(2026, 12, 4))
    changes.delete_latest_recheck(problem, town)
    # Reopened, with the deadline the failed re-check set.
    assert (problem.status, problem.closed_on, problem.deadline) == ("open", None, date(2026, 12, 4))
    assert [c.note for c in problem.rechecks] == ["仍缺两天"]
    assert _last("recheck_deleted").detail == {"checked_on": "2026-12-03", "passed": True, "note": "已补齐",
                                               "new_deadline": None, "deadline_restored": "2026-12-04"}
    changes.delete_latest_recheck(problem, town)
    assert (problem.status, problem.deadline, problem.rechecks) == ("open", DEADLINE, [])
    assert services.rectification_status(problem, date(2026, 11, 26)) == "overdue"
    with pytest.raises(SupervisionError):
        changes.delete_latest_recheck(problem, town)


def test_correcting_the_latest_recheck(world, inspection):
    town = world.users["town_a"]
    problem = inspection.rectifications[0]
    services.record_recheck(problem, date(2026, 11, 24), True, "", None, town, today=date(2026, 11, 24))
    db.session.commit()
    services_today = date(2026, 11, 30)
    with pytest.raises(SupervisionError) as refused:
        changes.update_latest_recheck(problem, date(2026, 11, 27), False, "", None, town, today=services_today)
    assert refused.value.field == "note"
    db.session.rollback()
    problem = db.session.get(Rectification, problem.id)
    assert changes.update_latest_recheck(problem, date(2026, 11, 27), False, "实际未补齐", date(2026, 12, 6), town,
                                         today=services_today)
    assert (problem.status, problem.closed_on, problem.deadline) == ("open", None, date(2026, 12, 6))
    event = _last("recheck_updated")
    assert event.detail["changed"] == ["checked_on", "passed", "note", "new_deadline"]
    assert event.detail["before"]["passed"] is True and event.detail["after"]["new_deadline"] == "2026-12-06"
    services.record_recheck(problem, date(2026, 11, 29), False, "仍未补齐", None, town, today=services_today)
    with pytest.raises(SupervisionError) as refused:
        changes.update_latest_recheck(problem, date(2026, 11, 26), True, "", None, town, today=services_today)
    assert refused.value.field == "checked_on"


# --- Pages ---------------------------------------------------------------------------------

def test_recording_at_a_registered_place_on_the_pages(client_as, world):
    town = client_as("town_a")
    assert "下一步" in text_of(town.get("/inspections/new"))
    shop, shop_b = world.records["a"]["shop"], world.records["b"]["shop"]
    page = text_of(town.get(f"/inspections/new?grid={world.grid_a.id}"))
    assert "商铺：便民超市a" in page and "单位：示范有限公司a" in page and "便民超市b" not in page
    data = {"grid_id": world.grid_a.id, "place": f"shop:{shop.id}", "point": "东关路",
            "inspected_on": local_today().isoformat(), "inspectors": "镇督查组", "items_checked": "门前三包"}
    response = town.post("/inspections/new", data=data)
    assert 'id="point-error"' in response.get_data(as_text=True)
    assert "已选登记的场所时，不用再填写其他点位。" in text_of(response) and "门前三包" in text_of(response)
    response = town.post("/inspections/new", data={**data, "place": f"shop:{shop_b.id}", "point": ""})
    assert 'id="place-error"' in response.get_data(as_text=True)
    response = town.post("/inspections/new", data={**data, "point": ""})
    assert response.status_code == 303
    fresh()
    inspection = db.session.scalar(select(Inspection).where(Inspection.shop_id == shop.id))
    detail = town.get(f"/inspections/{inspection.id}").get_data(as_text=True)
    assert f'href="/shops/{shop.id}"' in detail and "便民超市a" in detail
    assert "便民超市a" in text_of(town.get("/inspections/"))
    # The shop's page lists it; grid B's shop page does not.
    assert f'href="/inspections/{inspection.id}"' in town.get(f"/shops/{shop.id}").get_data(as_text=True)
    assert "督查记录" not in text_of(client_as("admin").get(f"/shops/{shop_b.id}"))
    # The supervision ledger names the point by the shop's name.
    workbook = openpyxl.load_workbook(BytesIO(town.get("/ledgers/", query_string={
        "number": 15, "division_id": world.community_a.id, "start": local_today().isoformat(),
        "end": local_today().isoformat(), "output": "xlsx"}).data))
    rows = [row for row in workbook.worksheets[0].iter_rows(values_only=True) if row and "门前三包" in row]
    assert len(rows) == 1 and "便民超市a" in rows[0]


def test_an_organisations_page_lists_its_inspections(client_as, world):
    organisation = world.records["a"]["organisation"]
    with write_transactions():
        made = services.record_inspection(services.InspectionValues(
            inspected_on=local_today(), inspectors="镇督查组", items_checked="消防", place=organisation),
            world.grid_a, world.users["town_a"], today=local_today())
        db.session.commit()
    html = client_as("station_a").get(f"/organisations/{organisation.id}").get_data(as_text=True)
    assert f'href="/inspections/{made.id}"' in html and "镇督查组" in html


def test_editing_an_inspection_on_the_page(client_as, world):
    inspection = world.records["a"]["inspection"]
    town = client_as("town_a")
    page = town.get(f"/inspections/{inspection.id}/edit")
    assert page.status_code == 200 and "便民超市a" in text_of(page)
    data = {"place": "", "point": "东关路", "inspected_on": "2024-01-01", "inspectors": "",
            "items_checked": "台账和巡查记录", "note": ""}
    response = town.post(f"/inspections/{inspection.id}/edit", data=data)
    html = response.get_data(as_text=True)
    assert 'id="inspectors-error"' in html and "台账和巡查记录" in html and "东关路" in html
    # Its problem was due on 2024-01-01: the inspection cannot move after that.
    response = town.post(f"/inspections/{inspection.id}/edit", data={**data, "inspectors": "镇督查组",
                                                                      "inspected_on": "2024-01-02"})
    assert 'id="inspected_on-error"' in response.get_data(as_text=True)
    assert "检查日期不能晚于已定的整改期限或回头看日期（2024-01-01）。" in text_of(response)
    response = town.post(f"/inspections/{inspection.id}/edit", data={**data, "inspectors": "镇督查组"})
    assert response.status_code == 303
    fresh()
    assert (db.session.get(Inspection, inspection.id).point, _last("inspection_updated").detail["changed"]) == (
        "东关路", ["inspectors", "items_checked", "point"])
    # Further problems and a corrected problem, from the detail page's links.
    assert "补充发现的问题" in text_of(town.get(f"/inspections/{inspection.id}"))
    response = town.post(f"/inspections/{inspection.id}/problems", data={"problems": "路灯损坏", "deadline": ""})
    assert 'id="deadline-error"' in response.get_data(as_text=True) and "路灯损坏" in response.get_data(as_text=True)
    deadline = (local_today() + timedelta(days=3)).isoformat()
    assert town.post(f"/inspections/{inspection.id}/problems",
                     data={"problems": "路灯损坏", "deadline": deadline}).status_code == 303
    fresh()
    added = db.session.scalar(select(Rectification).where(Rectification.problem == "路灯损坏"))
    assert town.post(f"/rectifications/{added.id}/edit", data={"problem": "东关路路灯损坏"}).status_code == 303


def test_correcting_and_deleting_a_recheck_on_the_pages(client_as, world):
    rectification = world.records["a"]["rectification"]
    town = client_as("town_a")
    today = local_today().isoformat()
    assert town.post(f"/rectifications/{rectification.id}/recheck",
                     data={"checked_on": today, "result": "passed", "note": "已补齐"}).status_code == 303
    detail = text_of(town.get(f"/inspections/{rectification.inspection_id}"))
    assert "已销号" in detail and "更正最近一次回头看" in detail
    response = town.post(f"/rectifications/{rectification.id}/recheck/edit",
                         data={"checked_on": today, "result": "failed", "note": ""})
    assert 'id="note-error"' in response.get_data(as_text=True) and "复查未通过时请写明原因。" in text_of(response)
    assert town.post(f"/rectifications/{rectification.id}/recheck/edit",
                     data={"checked_on": today, "result": "failed", "note": "还缺一本"}).status_code == 303
    fresh()
    assert db.session.get(Rectification, rectification.id).status == "open"
    page = text_of(town.get(f"/rectifications/{rectification.id}/recheck/delete"))
    assert "确认删除" in page and "未通过" in page and "恢复为之前的期限" in page
    assert town.post(f"/rectifications/{rectification.id}/recheck/delete", data={}).status_code == 303
    fresh()
    assert db.session.get(Rectification, rectification.id).rechecks == []
    assert [e.action for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.target_type == "rectification", AuditEvent.target_id == rectification.id)
        .order_by(AuditEvent.id))] == ["recheck_recorded", "recheck_updated", "recheck_deleted"]


def test_who_may_correct_inspections(client_as, world):
    inspection = world.records["a"]["inspection"]
    rectification = world.records["a"]["rectification"]
    urls = [f"/inspections/{inspection.id}/edit", f"/inspections/{inspection.id}/problems",
            f"/rectifications/{rectification.id}/edit", f"/rectifications/{rectification.id}/recheck/delete"]
    for who in ("station_a", "worker_a", "leader_a"):
        client = client_as(who)
        for url in urls:
            assert client.get(url).status_code == 403, (who, url)
    worker_b = client_as("worker_b")
    for url in urls:
        assert worker_b.get(url).status_code == 404, url
    # No re-check yet: nothing to correct or delete.
    town = client_as("town_a")
    assert town.get(f"/rectifications/{rectification.id}/recheck/edit").status_code == 404
    assert town.get(f"/rectifications/{rectification.id}/recheck/delete").status_code == 404
