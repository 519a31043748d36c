"""Visit pages: record (with a matter in one step), Chinese errors with the typed
values kept, scope (another grid's visit or household is 404), edit, delete, lists."""
from datetime import date, datetime

from app.auth.models import AuditEvent
from app.extensions import db
from app.matters.models import Matter
from app.visits.models import Visit
from tests.conftest import fresh, text_of


def _form(world, **overrides):
    data = {"visited_on": "2026-11-20", "visit_type": "verification", "visitor_ids": [world.staff["worker_a"].id],
            "found": "户主在家，核对了人口信息", "needs": "希望修好楼道灯", "follow_up": ""}
    data.update(overrides)
    return data


def test_record_a_visit(world, client_as):
    client = client_as("worker_a")
    household = world.households["a"]
    page = client.get(f"/visits/households/{household.id}/new")
    assert page.status_code == 200 and "登记走访" in text_of(page)
    response = client.post(f"/visits/households/{household.id}/new", data=_form(world))
    assert response.status_code == 303
    fresh()
    visit = db.session.query(Visit).filter_by(household_id=household.id, visit_type="verification").one()
    assert visit.grid_id == world.grid_a.id and [s.name for s in visit.visitors] == ["员工worker_a"]
    detail = text_of(client.get(response.headers["Location"]))
    assert "核实走访" in detail and "希望修好楼道灯" in detail
    assert db.session.query(AuditEvent).filter_by(action="visit_recorded", target_id=visit.id).count() == 1
    # The household page shows it.
    assert "核实走访" in text_of(client.get(f"/households/{household.id}"))


def test_record_with_a_matter_in_one_step(world, client_as):
    client = client_as("worker_a")
    household = world.households["a"]
    response = client.post(f"/visits/households/{household.id}/new", data=_form(
        world, follow_up="楼道灯坏了两周", open_matter="y", matter_class="livelihood"))
    assert response.status_code == 303
    fresh()
    visit = db.session.query(Visit).filter(Visit.matter_id.isnot(None)).one()
    matter = db.session.get(Matter, visit.matter_id)
    assert matter.grid_id == world.grid_a.id and matter.status == "reported"
    assert "楼道灯坏了两周" in matter.description and household.household_number in matter.description
    assert matter.number in text_of(client.get(f"/visits/{visit.id}"))
    # The matter links back to the visit.
    page = client.get(f"/matters/{matter.id}").get_data(as_text=True)
    assert "入户走访（2026-11-20）" in page and f'href="/visits/{visit.id}"' in page


def test_errors_in_chinese_at_the_field_with_input_kept(world, client_as):
    client = client_as("worker_a")
    household = world.households["a"]
    response = client.post(f"/visits/households/{household.id}/new",
                           data=_form(world, found="", needs="想办低保"))
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="found-error">请填写走访情况。' in text and "想办低保" in text
    response = client.post(f"/visits/households/{household.id}/new", data=_form(world, visited_on="2099-01-01"))
    assert "日期不能晚于今天。" in text_of(response)
    response = client.post(f"/visits/households/{household.id}/new", data=_form(world, visitor_ids=[]))
    assert "请选择走访人员。" in text_of(response)
    # Staff of another grid may not be named.
    response = client.post(f"/visits/households/{household.id}/new",
                           data=_form(world, visitor_ids=[world.staff["worker_b"].id]))
    assert "走访人员须为本网格或本社区工作站当日在岗的工作人员。" in text_of(response)
    response = client.post(f"/visits/households/{household.id}/new",
                           data=_form(world, open_matter="y", matter_class=""))
    assert "请选择事件大类。" in text_of(response)
    fresh()
    assert db.session.query(Visit).filter_by(household_id=household.id).count() == 1  # the factory's


def test_another_grids_records_are_404(world, client_as):
    client = client_as("worker_a")
    visit_b = world.records["b"]["visit"]
    household_b = world.households["b"]
    for url in (f"/visits/{visit_b.id}", f"/visits/{visit_b.id}/edit", f"/visits/households/{household_b.id}/new",
                f"/visits/households/{household_b.id}/visits", f"/visits/grids/{world.grid_b.id}",
                f"/visits/grids/{world.grid_b.id}/entry", f"/visits/grids/{world.grid_b.id}/route.pdf",
                f"/visits/divisions/{world.community_b.id}/rates"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/visits/{visit_b.id}/delete").status_code == 404
    assert client.post(f"/visits/households/{household_b.id}/new", data=_form(world)).status_code == 404
    # A household of grid B posted through grid A's back-entry row.
    assert client.post(f"/visits/grids/{world.grid_a.id}/entry/{household_b.id}").status_code == 404
    # A leader sees but may not write.
    leader = client_as("leader_a")
    assert leader.get(f"/visits/{world.records['a']['visit'].id}").status_code == 200
    assert leader.post(f"/visits/households/{world.households['a'].id}/new", data=_form(world)).status_code == 403


def test_edit_and_delete_are_audited(world, client_as):
    client = client_as("worker_a")
    visit_id = world.records["a"]["visit"].id
    form = client.get(f"/visits/{visit_id}/edit")
    assert "家中情况正常a" in form.get_data(as_text=True)
    response = client.post(f"/visits/{visit_id}/edit", data=_form(world, visited_on="2024-01-03",
                                                                   found="改正：家中有老人独居"))
    assert response.status_code == 303
    fresh()
    assert db.session.get(Visit, visit_id).found == "改正：家中有老人独居"
    assert db.session.query(AuditEvent).filter_by(action="visit_updated", target_id=visit_id).count() == 1
    assert client.post(f"/visits/{visit_id}/delete").status_code == 303
    fresh()
    assert db.session.get(Visit, visit_id) is None
    assert db.session.query(AuditEvent).filter_by(action="visit_deleted", target_id=visit_id).count() == 1


def test_a_visit_that_opened_a_matter_is_not_deleted(world, client_as):
    client = client_as("worker_a")
    visit = world.records["a"]["visit"]
    response = client.post(f"/visits/{visit.id}/matter", data={"matter_class": "livelihood",
                                                               "matter_description": "独居老人需要帮扶"})
    assert response.status_code == 303
    response = client.post(f"/visits/{visit.id}/delete", follow_redirects=True)
    assert "这次走访已转为事件，不能删除。" in text_of(response)
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
    for page in (f"/visits/grids/{world.grid_a.id}", f"/visits/divisions/{world.grid_a.id}/rates", "/visits/",
                 f"/visits/{world.records['a']['visit'].id}"):
        html = client.get(page).get_data(as_text=True)
        for href in set(re.findall(r'href="(/(?:visits|households)[^"]*)"', html)):
            if href.endswith(".pdf"):
                continue
            assert client.get(href.replace("&amp;", "&")).status_code == 200, (page, href)


def test_a_visit_to_a_household_that_moved_away_keeps_only_its_number(world, client_as):
    """The visit stays with the grid it was made in; the household, moved to another
    town's grid since, is that grid's record: no link to it, not its new address."""
    from app.core.database import write_transactions
    from app.registry import services as registry
    household = world.households["a"]
    visit = world.records["a"]["visit"]
    with write_transactions():
        registry.move_household(household, world.grid_b, registry.HouseholdValues(
            household_number="A001", address_text="河西路99号新居"), date(2026, 11, 21))
        db.session.commit()
    client = client_as("worker_a")
    for url in (f"/visits/{visit.id}", f"/visits/{visit.id}/edit", f"/visits/grids/{world.grid_a.id}/visits"):
        response = client.get(url)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, url
        assert "A001" in html and "已迁出本网格" in html and "河西路99号新居" not in html, url
        assert f"/households/{household.id}\"" not in html and f"/visits/households/{household.id}" not in html, url
