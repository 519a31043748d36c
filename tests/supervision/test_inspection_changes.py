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
from tests.web import choose, forge, form_on, options, press, visible_text

DEADLINE = date(2026, 11, 25)


@pytest.fixture()
def inspection(world):
    made = services.record_inspection(
        services.InspectionValues(
            inspected_on=date(2026, 11, 20),
            inspectors="城关镇督查组 王强",
            items_checked="巡查记录",
            problems="民情日志缺记录",
            deadline=DEADLINE,
            point="农贸市场",
        ),
        world.grid_a,
        world.users["town_a"],
        today=date(2026, 11, 22),
    )
    db.session.commit()
    return made


def _values(inspection, **overrides) -> services.InspectionValues:
    values = dict(
        inspected_on=inspection.inspected_on,
        inspectors=inspection.inspectors,
        items_checked=inspection.items_checked,
        point=inspection.point,
        note=inspection.note,
    )
    values.update(overrides)
    return services.InspectionValues(**values)


def _last(action):
    return db.session.scalar(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id.desc()))


# --- Services ------------------------------------------------------------------------------


def test_correcting_an_inspection_and_linking_its_point_to_a_shop(world, inspection):
    town, shop = world.users["town_a"], world.records["a"]["shop"]
    assert changes.update_inspection(
        inspection,
        _values(inspection, inspected_on=date(2026, 11, 19), point="", place=shop, note="补记"),
        town,
        today=date(2026, 11, 22),
    )
    assert (inspection.inspected_on, inspection.shop_id, inspection.point, inspection.point_name) == (
        date(2026, 11, 19),
        shop.id,
        "便民超市a",
        "便民超市a",
    )
    event = _last("inspection_updated")
    assert event.detail["changed"] == ["inspected_on", "point", "shop_id", "note"]
    assert event.detail["before"]["point"] == "农贸市场" and event.detail["after"]["shop_id"] == shop.id
    assert (
        changes.update_inspection(inspection, _values(inspection, point="", place=shop), town, today=date(2026, 11, 22))
        is False
    )


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"inspected_on": date(2026, 11, 26)}, "inspected_on"),  # after the deadline it set (11-25)
        ({"inspectors": " "}, "inspectors"),
        ({"place": "shop_b"}, "place"),  # another grid's shop
        ({"place": "shop_a", "point": "东关路"}, "point"),  # a registered place and a typed point at once
    ],
)
def test_corrections_refused_at_their_field(world, inspection, overrides, field):
    places = {"shop_a": world.records["a"]["shop"], "shop_b": world.records["b"]["shop"]}
    if "place" in overrides:
        overrides["place"] = places[overrides["place"]]
    with pytest.raises(SupervisionError) as refused:
        changes.update_inspection(
            inspection, _values(inspection, **overrides), world.users["town_a"], today=date(2026, 11, 30)
        )
    assert refused.value.field == field


def test_recording_at_an_organisation(world):
    organisation = world.records["a"]["organisation"]
    made = services.record_inspection(
        services.InspectionValues(
            inspected_on=date(2026, 11, 20), inspectors="督查组", items_checked="消防", place=organisation
        ),
        world.grid_a,
        world.users["town_a"],
        today=date(2026, 11, 22),
    )
    assert (made.organisation_id, made.shop_id, made.point_name) == (organisation.id, None, "示范有限公司a")
    keys = [services.place_key(p) for p in services.places_of(world.grid_a)]
    assert keys == [
        f"point:{world.records['a']['point'].id}",
        f"shop:{world.records['a']['shop'].id}",
        f"organisation:{organisation.id}",
    ]


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
    assert all(
        (r.first_deadline, r.deadline, r.status) == (date(2026, 11, 28), date(2026, 11, 28), "open") for r in added
    )
    assert _last("rectifications_added").detail == {
        "problems": ["消防通道堵塞", "门前三包责任书未签"],
        "deadline": "2026-11-28",
    }
    assert changes.update_problem(added[0], "消防通道被杂物堵塞", town)
    assert _last("rectification_updated").detail["before"] == {"problem": "消防通道堵塞"}
    with pytest.raises(SupervisionError) as refused:
        changes.update_problem(added[0], " ", town)
    assert refused.value.field == "problem"


def test_deleting_the_latest_recheck_restores_the_deadline_before_it(world, inspection):
    town = world.users["town_a"]
    problem = inspection.rectifications[0]
    services.record_recheck(
        problem, date(2026, 11, 26), False, "仍缺两天", date(2026, 12, 4), town, today=date(2026, 11, 26)
    )
    services.record_recheck(problem, date(2026, 12, 3), True, "已补齐", None, town, today=date(2026, 12, 3))
    assert (problem.status, problem.closed_on, problem.deadline) == ("passed", date(2026, 12, 3), date(2026, 12, 4))
    changes.delete_latest_recheck(problem, town)
    # Reopened, with the deadline the failed re-check set.
    assert (problem.status, problem.closed_on, problem.deadline) == ("open", None, date(2026, 12, 4))
    assert [c.note for c in problem.rechecks] == ["仍缺两天"]
    assert _last("recheck_deleted").detail == {
        "checked_on": "2026-12-03",
        "passed": True,
        "note": "已补齐",
        "new_deadline": None,
        "deadline_restored": "2026-12-04",
    }
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
    assert changes.update_latest_recheck(
        problem, date(2026, 11, 27), False, "实际未补齐", date(2026, 12, 6), town, today=services_today
    )
    assert (problem.status, problem.closed_on, problem.deadline) == ("open", None, date(2026, 12, 6))
    event = _last("recheck_updated")
    assert event.detail["changed"] == ["checked_on", "passed", "note", "new_deadline"]
    assert event.detail["before"]["passed"] is True and event.detail["after"]["new_deadline"] == "2026-12-06"
    services.record_recheck(problem, date(2026, 11, 29), False, "仍未补齐", None, town, today=services_today)
    with pytest.raises(SupervisionError) as refused:
        changes.update_latest_recheck(problem, date(2026, 11, 26), True, "", None, town, today=services_today)
    assert refused.value.field == "checked_on"


# --- Pages ---------------------------------------------------------------------------------


def _new_inspection_form(web, grid):
    """记录督查: the grid chosen on the first step, then its form."""
    page = web.get("/inspections/").click(description="记录督查")
    assert "下一步" in visible_text(page)
    pick = next(f for key, f in page.forms.items() if isinstance(key, int) and "grid" in f.fields)
    pick["grid"] = str(grid.id)
    return form_on(press(pick, "下一步"))


def test_recording_at_a_registered_place_on_the_pages(web_as, client_as, world):
    town = web_as("town_a")
    shop = world.records["a"]["shop"]
    form = _new_inspection_form(town, world.grid_a)
    offered = [label for _value, label in options(form, "place")]
    assert "商铺：便民超市a" in offered and "单位：示范有限公司a" in offered
    assert not any("便民超市b" in label for label in offered)
    choose(form, "place", "商铺：便民超市a")
    form["point"] = "东关路"
    form["inspectors"] = "镇督查组"
    form["items_checked"] = "门前三包"
    response = press(form, "保存")
    assert 'id="point-error"' in response.text
    assert "已选登记的场所时，不用再填写其他点位。" in visible_text(response) and "门前三包" in visible_text(response)
    form = form_on(response)
    assert form["place"].value == f"shop:{shop.id}"
    form["point"] = ""
    response = press(form, "保存")
    assert response.status_int == 303
    fresh()
    inspection = db.session.scalar(select(Inspection).where(Inspection.shop_id == shop.id))
    detail = response.follow().text
    assert f'href="/shops/{shop.id}"' in detail and "便民超市a" in detail
    assert "便民超市a" in visible_text(town.get("/inspections/"))
    # The shop's page lists it; grid B's shop page does not.
    assert f'href="/inspections/{inspection.id}"' in town.get(f"/shops/{shop.id}").text
    assert "督查记录" not in text_of(client_as("admin").get(f"/shops/{world.records['b']['shop'].id}"))
    # The supervision ledger names the point by the shop's name.
    workbook = openpyxl.load_workbook(
        BytesIO(
            town.get(
                "/ledgers/",
                params={
                    "number": 15,
                    "division_id": world.community_a.id,
                    "start": local_today().isoformat(),
                    "end": local_today().isoformat(),
                    "output": "xlsx",
                },
            ).body
        )
    )
    rows = [row for row in workbook.worksheets[0].iter_rows(values_only=True) if row and "门前三包" in row]
    assert len(rows) == 1 and "便民超市a" in rows[0]


def test_a_forged_place_of_another_grid_is_refused_at_the_field(web_as, world):
    """Grid B's shop is never offered for 东关一网格: a tampered place key."""
    town = web_as("town_a")
    shop_b = world.records["b"]["shop"]
    response = forge(
        town,
        "/inspections/new",
        {
            "grid_id": world.grid_a.id,
            "place": f"shop:{shop_b.id}",
            "point": "",
            "inspected_on": local_today().isoformat(),
            "inspectors": "镇督查组",
            "items_checked": "门前三包",
        },
    )
    assert 'id="place-error"' in response.text
    fresh()
    assert db.session.scalar(select(Inspection).where(Inspection.shop_id == shop_b.id)) is None


def test_an_organisations_page_lists_its_inspections(client_as, world):
    organisation = world.records["a"]["organisation"]
    with write_transactions():
        made = services.record_inspection(
            services.InspectionValues(
                inspected_on=local_today(), inspectors="镇督查组", items_checked="消防", place=organisation
            ),
            world.grid_a,
            world.users["town_a"],
            today=local_today(),
        )
        db.session.commit()
    html = client_as("station_a").get(f"/organisations/{organisation.id}").get_data(as_text=True)
    assert f'href="/inspections/{made.id}"' in html and "镇督查组" in html


def test_editing_an_inspection_on_the_page(web_as, world):
    inspection = world.records["a"]["inspection"]
    town = web_as("town_a")
    detail = town.get(f"/inspections/{inspection.id}")
    page = detail.click(description="修改", href=f"/inspections/{inspection.id}/edit")
    assert "便民超市a" in visible_text(page)
    form = form_on(page)
    assert form["place"].value == "" and form["inspected_on"].value == "2024-01-01"
    assert "grid_id" not in form.fields and "problems" not in form.fields
    form["point"] = "东关路"
    form["inspectors"] = ""
    form["items_checked"] = "台账和巡查记录"
    response = press(form, "保存")
    assert 'id="inspectors-error"' in response.text
    form = form_on(response)
    assert form["items_checked"].value == "台账和巡查记录" and form["point"].value == "东关路"
    # Its problem was due on 2024-01-01: the inspection cannot move after that.
    form["inspectors"] = "镇督查组"
    form["inspected_on"] = "2024-01-02"
    response = press(form, "保存")
    assert 'id="inspected_on-error"' in response.text
    assert "检查日期不能晚于已定的整改期限或回头看日期（2024-01-01）。" in visible_text(response)
    form = form_on(response)
    form["inspected_on"] = "2024-01-01"
    response = press(form, "保存")
    assert response.status_int == 303
    fresh()
    assert (db.session.get(Inspection, inspection.id).point, _last("inspection_updated").detail["changed"]) == (
        "东关路",
        ["inspectors", "items_checked", "point"],
    )
    # Further problems and a corrected problem, from the detail page's links.
    detail = response.follow()
    form = form_on(detail.click(description="补充发现的问题"))
    form["problems"] = "路灯损坏"
    response = press(form, "保存")
    assert 'id="deadline-error"' in response.text and form_on(response)["problems"].value == "路灯损坏"
    form = form_on(response)
    form["deadline"] = (local_today() + timedelta(days=3)).isoformat()
    response = press(form, "保存")
    assert response.status_int == 303
    fresh()
    added = db.session.scalar(select(Rectification).where(Rectification.problem == "路灯损坏"))
    form = form_on(response.follow().click(href=f"/rectifications/{added.id}/edit$"))
    assert form["problem"].value == "路灯损坏"
    form["problem"] = "东关路路灯损坏"
    assert press(form, "保存").status_int == 303
    fresh()
    assert db.session.get(Rectification, added.id).problem == "东关路路灯损坏"


def test_correcting_and_deleting_a_recheck_on_the_pages(web_as, world):
    rectification = world.records["a"]["rectification"]
    town = web_as("town_a")
    detail = town.get(f"/inspections/{rectification.inspection_id}")
    form = form_on(detail.click(href=f"/rectifications/{rectification.id}/recheck$"))
    assert form["checked_on"].value == local_today().isoformat()
    form["result"] = "passed"
    form["note"] = "已补齐"
    response = press(form, "保存")
    assert response.status_int == 303
    detail = response.follow()
    assert "已销号" in visible_text(detail) and "更正最近一次回头看" in visible_text(detail)
    form = form_on(detail.click(description="更正最近一次回头看"))
    assert form["result"].value == "passed" and form["note"].value == "已补齐"
    form["result"] = "failed"
    form["note"] = ""
    response = press(form, "保存")
    assert 'id="note-error"' in response.text and "复查未通过时请写明原因。" in visible_text(response)
    form = form_on(response)
    form["note"] = "还缺一本"
    response = press(form, "保存")
    assert response.status_int == 303
    fresh()
    assert db.session.get(Rectification, rectification.id).status == "open"
    page = response.follow().click(description="删除最近一次回头看")
    assert (
        "确认删除" in visible_text(page) and "未通过" in visible_text(page) and "恢复为之前的期限" in visible_text(page)
    )
    assert press(form_on(page), "确认删除").status_int == 303
    fresh()
    assert db.session.get(Rectification, rectification.id).rechecks == []
    assert [
        e.action
        for e in db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.target_type == "rectification", AuditEvent.target_id == rectification.id)
            .order_by(AuditEvent.id)
        )
    ] == ["recheck_recorded", "recheck_updated", "recheck_deleted"]


def test_who_may_correct_inspections(client_as, world):
    inspection = world.records["a"]["inspection"]
    rectification = world.records["a"]["rectification"]
    urls = [
        f"/inspections/{inspection.id}/edit",
        f"/inspections/{inspection.id}/problems",
        f"/rectifications/{rectification.id}/edit",
        f"/rectifications/{rectification.id}/recheck/delete",
    ]
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
