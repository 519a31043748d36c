"""The route sheet (PDF text: title, buildings in walking order, masked phones) and
the back-entry screen: plain form (all filled rows at once; errors at the row, typed
values kept) and the htmx row save."""
from datetime import datetime

import pytest

from app.auth.models import AuditEvent
from app.core.database import write_transactions
from app.extensions import db
from app.org.models import Building
from app.registry import services as registry
from app.visits.models import Visit
from tests.conftest import fresh, text_of
from tests.factories import make_id_number
from tests.printing.helpers import squeezed

# The route sheet lists what falls due within 14 days and the visits typed here are
# dated 20 November 2026: what is due depends on the day, so the tests run on that one.
pytestmark = pytest.mark.usefixtures("on_2026_11_20")


@pytest.fixture()
def street(app, world):
    """grid_a: 10号楼 and 2号楼 besides the factory's 1号楼, households with heads and
    phones, none visited this quarter (all overdue)."""
    with write_transactions():
        b10 = Building(community=world.community_a, grid=world.grid_a, number="10号楼", address="东关路10号")
        b2 = Building(community=world.community_a, grid=world.grid_a, number="2号楼", address="东关路2号")
        db.session.add_all([b10, b2])
        db.session.flush()
        homes = {}
        for i, (number, building, unit, room) in enumerate((("E10", b10, "1", "101"), ("E2B", b2, "1", "502"),
                                                             ("E2A", b2, "1", "301"))):
            home = registry.create_household(registry.HouseholdValues(
                household_number=number, building_id=building.id, unit=unit, room=room), world.grid_a)
            head = registry.register_resident(registry.ResidentValues(
                name=f"户主{number}", id_number=make_id_number("19750101", 60 + i), phone=f"1390000{i:04d}"),
                world.grid_a)
            registry.add_member(home, head, "head", datetime(2024, 1, 1).date())
            homes[number] = home
        for home in [*homes.values(), world.households["a"]]:
            home.created_at = datetime(2025, 1, 1)
        db.session.commit()
    return homes


def test_route_sheet_pdf(world, street, client_as):
    client = client_as("worker_a")
    response = client.get(f"/visits/grids/{world.grid_a.id}/route.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = squeezed(response.data)
    assert "入户走访路线单" in text and "东关一网格" in text
    # Buildings in walking order: 1号楼, 2号楼 (room 301 before 502), 10号楼.
    positions = [text.index(s) for s in ("1号楼东关路1号", "A001", "2号楼东关路2号", "E2A", "E2B", "10号楼东关路10号", "E10")]
    assert positions == sorted(positions)
    assert "139****0000" in text and "13900000000" not in text
    assert "张伟" in text and "情况记录" in text
    fresh()
    audit = db.session.query(AuditEvent).filter_by(action="printed").one()
    assert audit.detail["document"] == "入户走访路线单" and audit.detail["records"] == 4


def test_back_entry_lists_the_same_households_in_the_same_order(world, street, client_as):
    client = client_as("worker_a")
    html = client.get(f"/visits/grids/{world.grid_a.id}/entry").get_data(as_text=True)
    order = [html.index(f'value="{h.id}"') for h in (world.households["a"], street["E2A"], street["E2B"],
                                                        street["E10"])]
    assert order == sorted(order)
    assert 'hx-post="/visits/grids/' in html and "hx-trigger=\"save-row\"" in html


def _common(world):
    return {"visited_on": "2026-11-20", "visitor_ids": [world.staff["worker_a"].id]}


def test_plain_form_saves_every_filled_row(world, street, client_as):
    client = client_as("worker_a")
    a, e2a, e2b = world.households["a"], street["E2A"], street["E2B"]
    data = {**_common(world), "row": [a.id, e2a.id, e2b.id, street["E10"].id],
            f"type-{a.id}": "verification", f"found-{a.id}": "核对人口信息无误", f"needs-{a.id}": "",
            f"type-{e2a.id}": "routine", f"found-{e2a.id}": "老人独居", f"needs-{e2a.id}": "需要送餐",
            f"type-{e2b.id}": "routine", f"found-{e2b.id}": "", f"needs-{e2b.id}": "",
            f"type-{street['E10'].id}": "routine", f"found-{street['E10'].id}": "",
            f"needs-{street['E10'].id}": ""}
    response = client.post(f"/visits/grids/{world.grid_a.id}/entry", data=data)
    assert response.status_code == 303
    assert "已保存 2 条走访记录。" in text_of(client.get(response.headers["Location"]))
    fresh()
    saved = {v.household_id: v for v in db.session.query(Visit).filter(Visit.visited_on == datetime(2026, 11, 20).date())}
    assert set(saved) == {a.id, e2a.id}
    assert saved[a.id].visit_type == "verification" and saved[e2a.id].needs == "需要送餐"
    assert [s.name for s in saved[e2a.id].visitors] == ["员工worker_a"]


def test_plain_form_errors_at_the_row_keep_the_typed_values(world, street, client_as):
    client = client_as("worker_a")
    a, e2a = world.households["a"], street["E2A"]
    data = {**_common(world), "row": [a.id, e2a.id],
            f"type-{a.id}": "routine", f"found-{a.id}": "一切正常", f"needs-{a.id}": "",
            f"type-{e2a.id}": "key", f"found-{e2a.id}": "", f"needs-{e2a.id}": "想申请廉租房"}
    response = client.post(f"/visits/grids/{world.grid_a.id}/entry", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'id="found-{e2a.id}-error">请填写走访情况。' in html
    assert 'value="想申请廉租房"' in html and '<option value="key" selected>' in html
    assert "已保存 1 条走访记录" in html  # the good row is saved and shown as such
    fresh()
    assert db.session.query(Visit).filter_by(household_id=a.id, found="一切正常").count() == 1
    assert db.session.query(Visit).filter_by(household_id=e2a.id).count() == 0
    # Without visitors, nothing is saved and the field says why.
    response = client.post(f"/visits/grids/{world.grid_a.id}/entry",
                           data={**data, "visitor_ids": [], f"found-{e2a.id}": "补填"})
    assert "请选择走访人员。" in text_of(response) and 'value="补填"' in response.get_data(as_text=True)
    fresh()
    assert db.session.query(Visit).filter_by(household_id=e2a.id).count() == 0


def test_htmx_row_save_returns_the_saved_row(world, street, client_as):
    client = client_as("worker_a")
    e2b = street["E2B"]
    headers = {"HX-Request": "true", "HX-Target": f"row-{e2b.id}"}
    url = f"/visits/grids/{world.grid_a.id}/entry/{e2b.id}"
    response = client.post(url, headers=headers, data={**_common(world), f"type-{e2b.id}": "routine",
                                                        f"found-{e2b.id}": "", f"needs-{e2b.id}": "修水管"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html and html.strip().startswith("<tr")
    assert "请填写走访情况。" in html and 'value="修水管"' in html
    response = client.post(url, headers=headers, data={**_common(world), f"type-{e2b.id}": "concentrated",
                                                       f"found-{e2b.id}": "家中无人，邻居说外出务工",
                                                       f"needs-{e2b.id}": "修水管"})
    html = response.get_data(as_text=True)
    assert "已保存" in html and "集中走访" in html and f'name="found-{e2b.id}"' not in html
    fresh()
    visit = db.session.query(Visit).filter_by(household_id=e2b.id).one()
    assert visit.visit_type == "concentrated" and visit.grid_id == world.grid_a.id
    # The grid's due list now counts it.
    text = text_of(client.get(f"/visits/grids/{world.grid_a.id}"))
    assert "E2B" in text and "1 / 2" in text
