"""Visit pages: record (with a matter in one step), Chinese errors with the typed
values kept, scope (another grid's visit or household is 404), edit, delete, lists —
forms filled and sent as rendered (tests/web.py)."""

from datetime import date, datetime

from app.auth.models import AuditEvent
from app.extensions import db
from app.matters.models import Matter
from app.visits.models import Visit
from tests.conftest import fresh, text_of
from tests.web import choose, forge, form_on, press, tick, visible_text


def _new_visit_form(web, household):
    """The household's new-visit page (登记走访 on the grid's due list)."""
    return form_on(web.get(f"/visits/households/{household.id}/new"), button="保存")


def _type_a_visit(form, **typed):
    """What a worker types; the visitor stays as proposed (themself)."""
    form["visited_on"] = typed.pop("visited_on", "2026-11-20")
    choose(form, "visit_type", typed.pop("visit_type", "重点走访"))
    form["found"] = typed.pop("found", "户主在家，核对了人口信息")
    form["needs"] = typed.pop("needs", "希望修好楼道灯")
    for name, value in typed.items():
        form[name] = value
    return form


def test_record_a_visit(world, web_as):
    web = web_as("worker_a")
    household = world.households["a"]
    page = web.get(f"/visits/households/{household.id}/new")
    assert "登记走访" in visible_text(page)
    form = form_on(page, button="保存")
    assert [box.checked for box in form.fields["visitor_ids"]] == [
        box._value == str(world.staff["worker_a"].id) for box in form.fields["visitor_ids"]
    ]
    response = press(_type_a_visit(form), "保存")
    assert response.status_int == 303, visible_text(response)[:600]
    fresh()
    visit = db.session.query(Visit).filter_by(household_id=household.id, visit_type="key").one()
    assert visit.grid_id == world.grid_a.id and [s.name for s in visit.visitors] == ["员工worker_a"]
    detail = visible_text(response.follow())
    assert "重点走访" in detail and "希望修好楼道灯" in detail
    assert db.session.query(AuditEvent).filter_by(action="visit_recorded", target_id=visit.id).count() == 1
    # The household page shows it.
    assert "重点走访" in visible_text(web.get(f"/households/{household.id}"))


def test_record_with_a_matter_in_one_step(world, web_as):
    web = web_as("worker_a")
    household = world.households["a"]
    form = _type_a_visit(_new_visit_form(web, household), follow_up="楼道灯坏了两周", open_matter=True)
    choose(form, "matter_class", "民生服务")
    response = press(form, "保存")
    assert response.status_int == 303, visible_text(response)[:600]
    fresh()
    visit = db.session.query(Visit).filter(Visit.matter_id.isnot(None)).one()
    matter = db.session.get(Matter, visit.matter_id)
    assert matter.grid_id == world.grid_a.id and matter.status == "reported"
    assert "楼道灯坏了两周" in matter.description and household.household_number in matter.description
    assert matter.number in visible_text(web.get(f"/visits/{visit.id}"))
    # The matter links back to the visit.
    page = web.get(f"/matters/{matter.id}").text
    assert "入户走访（2026-11-20）" in page and f'href="/visits/{visit.id}"' in page


def test_errors_in_chinese_at_the_field_with_input_kept(world, web_as):
    web = web_as("worker_a")
    household = world.households["a"]
    response = press(_type_a_visit(_new_visit_form(web, household), found="", needs="想办低保"), "保存")
    assert response.status_int == 200
    assert 'id="found-error">请填写走访情况。' in response.text
    assert form_on(response, button="保存")["needs"].value == "想办低保"
    response = press(_type_a_visit(_new_visit_form(web, household), visited_on="2099-01-01"), "保存")
    assert "日期不能晚于今天。" in visible_text(response)
    form = _type_a_visit(_new_visit_form(web, household))
    tick(form, "visitor_ids", str(world.staff["worker_a"].id), checked=False)
    assert "请选择走访人员。" in visible_text(press(form, "保存"))
    # Staff not on duty in the grid that day may not be named: worker_a before joining it.
    response = press(_type_a_visit(_new_visit_form(web, household), visited_on="2023-12-31"), "保存")
    assert "走访人员须为本网格或本社区工作站当日在岗的工作人员。" in visible_text(response)
    response = press(_type_a_visit(_new_visit_form(web, household), open_matter=True), "保存")
    assert "请选择事件大类。" in visible_text(response)
    fresh()
    assert db.session.query(Visit).filter_by(household_id=household.id).count() == 1  # the factory's


def test_forged_visitor_of_another_grid_is_refused(world, web_as):
    """Forged request: staff of another grid, whom the form does not offer."""
    web = web_as("worker_a")
    household = world.households["a"]
    form = _new_visit_form(web, household)
    assert str(world.staff["worker_b"].id) not in [box._value for box in form.fields["visitor_ids"]]
    response = forge(
        web,
        f"/visits/households/{household.id}/new",
        {
            "visited_on": "2026-11-20",
            "visit_type": "key",
            "visitor_ids": [world.staff["worker_b"].id],
            "found": "户主在家，核对了人口信息",
        },
    )
    assert "走访人员须为本网格或本社区工作站当日在岗的工作人员。" in visible_text(response)
    fresh()
    assert db.session.query(Visit).filter_by(household_id=household.id).count() == 1


def test_another_grids_records_are_404_even_to_forged_posts(world, web_as):
    """Forged requests: another grid's visit and household, which no page of this
    worker links, and a leader writing."""
    web = web_as("worker_a")
    visit_b = world.records["b"]["visit"]
    household_b = world.households["b"]
    for url in (
        f"/visits/{visit_b.id}",
        f"/visits/{visit_b.id}/edit",
        f"/visits/households/{household_b.id}/new",
        f"/visits/households/{household_b.id}/visits",
        f"/visits/grids/{world.grid_b.id}",
        f"/visits/grids/{world.grid_b.id}/entry",
        f"/visits/grids/{world.grid_b.id}/route.pdf",
        f"/visits/divisions/{world.community_b.id}/rates",
    ):
        assert web.get(url, expect_errors=True).status_int == 404, url
    visit_form = {
        "visited_on": "2026-11-20",
        "visit_type": "key",
        "visitor_ids": [world.staff["worker_a"].id],
        "found": "户主在家",
    }
    assert forge(web, f"/visits/{visit_b.id}/delete").status_int == 404
    assert forge(web, f"/visits/households/{household_b.id}/new", visit_form).status_int == 404
    # A household of grid B posted through grid A's back-entry row.
    assert forge(web, f"/visits/grids/{world.grid_a.id}/entry/{household_b.id}").status_int == 404
    # A leader sees but may not write.
    leader = web_as("leader_a")
    assert leader.get(f"/visits/{world.records['a']['visit'].id}").status_int == 200
    assert forge(leader, f"/visits/households/{world.households['a'].id}/new", visit_form).status_int == 403


def test_edit_and_delete_are_audited(world, web_as):
    web = web_as("worker_a")
    visit_id = world.records["a"]["visit"].id
    detail = web.get(f"/visits/{visit_id}")
    form = form_on(detail.click(href=f"/visits/{visit_id}/edit$"), button="保存")
    assert form["found"].value == "家中情况正常a"
    form["found"] = "改正：家中有老人独居"
    response = press(form, "保存")
    assert response.status_int == 303, visible_text(response)[:600]
    fresh()
    assert db.session.get(Visit, visit_id).found == "改正：家中有老人独居"
    assert db.session.get(Visit, visit_id).visited_on == date(2024, 1, 3)
    assert db.session.query(AuditEvent).filter_by(action="visit_updated", target_id=visit_id).count() == 1
    response = press(form_on(response.follow(), action=f"/visits/{visit_id}/delete"), "删除")
    assert response.status_int == 303
    fresh()
    assert db.session.get(Visit, visit_id) is None
    assert db.session.query(AuditEvent).filter_by(action="visit_deleted", target_id=visit_id).count() == 1


def test_a_visit_that_opened_a_matter_is_not_deleted(world, web_as):
    """The 删除 button of a page opened before the matter was reported (another tab)
    is refused when pressed afterwards."""
    web = web_as("worker_a")
    visit = world.records["a"]["visit"]
    page = web.get(f"/visits/{visit.id}")
    stale_delete = form_on(page, action=f"/visits/{visit.id}/delete")
    form = form_on(page, action=f"/visits/{visit.id}/matter")
    choose(form, "matter_class", "民生服务")
    form["matter_description"] = "独居老人需要帮扶"
    response = press(form, "上报为事件")
    assert response.status_int == 303
    assert f"/visits/{visit.id}/delete" not in response.follow().text
    response = press(stale_delete, "删除").maybe_follow()
    assert "这次走访已转为事件，不能删除。" in visible_text(response)
    fresh()
    assert db.session.get(Visit, visit.id).matter_id is not None


def test_grid_page_lists_due_and_overdue(world, client_as):
    household = world.households["a"]
    household.created_at = datetime(2025, 1, 1)
    db.session.commit()
    client = client_as("worker_a")
    text = text_of(client.get(f"/visits/grids/{world.grid_a.id}"))
    # 三类, no visit this quarter: the first of two visits was due by 15 Nov.
    assert "A001" in text and "三类" in text and "0 / 2" in text and "已逾期" in text
    assert "2024-01-03" in text  # the last visit ever
    assert "核实率" in text and "重点人群入户走访" in text
    assert client.get(f"/visits/divisions/{world.town_a.id}/rates").status_code == 404  # above the worker
    rates = text_of(client_as("town_a").get(f"/visits/divisions/{world.town_a.id}/rates?quarter=2026-Q4"))
    assert "2026-Q4" in rates and "一类" in rates
    assert client.get(f"/visits/grids/{world.grid_a.id}/visits").status_code == 200
    assert client.get("/visits/").status_code == 200


def test_visit_lists(world, client_as):
    client = client_as("worker_a")
    assert "家中情况正常a" in text_of(client.get(f"/visits/households/{world.households['a'].id}/visits"))
    text = text_of(client.get(f"/visits/grids/{world.grid_a.id}/visits"))
    assert "家中情况正常a" in text and "家中情况正常b" not in text
    assert date(2024, 1, 3).isoformat() in text


def test_links_on_the_visit_pages_stay_in_scope(world, client_as):
    """A grid worker sees only their grid: no link of theirs leads to a 404."""
    import re

    client = client_as("worker_a")
    for page in (
        f"/visits/grids/{world.grid_a.id}",
        f"/visits/divisions/{world.grid_a.id}/rates",
        "/visits/",
        f"/visits/{world.records['a']['visit'].id}",
    ):
        html = client.get(page).get_data(as_text=True)
        for href in set(re.findall(r'href="(/(?:visits|households)[^"]*)"', html)):
            if href.endswith(".pdf"):
                continue
            assert client.get(href.replace("&amp;", "&")).status_code == 200, (page, href)


def test_a_visit_to_a_household_that_moved_away_keeps_only_its_number(world, client_as):
    """The visit stays with the grid it was made in; the household, moved to another
    town's grid since, is that grid's record: no link to it, not its new address."""
    from app.core.database import write_transactions
    from app.registry.people import services as registry

    household = world.households["a"]
    visit = world.records["a"]["visit"]
    with write_transactions():
        registry.move_household(
            household,
            world.grid_b,
            registry.HouseholdValues(household_number="A001", address_text="河西路99号新居"),
            date(2026, 11, 21),
        )
        db.session.commit()
    client = client_as("worker_a")
    for url in (f"/visits/{visit.id}", f"/visits/{visit.id}/edit", f"/visits/grids/{world.grid_a.id}/visits"):
        response = client.get(url)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, url
        assert "A001" in html and "已迁出本网格" in html and "河西路99号新居" not in html, url
        assert f'/households/{household.id}"' not in html and f"/visits/households/{household.id}" not in html, url
