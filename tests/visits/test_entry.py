"""The route sheet (PDF text: title, buildings in walking order, masked phones) and
the back-entry screen: plain form (all filled rows at once; errors at the row, typed
values kept) and the htmx row save — forms filled and sent as rendered
(tests/web.py)."""

import json
from datetime import datetime

import pytest
from bs4 import BeautifulSoup

from app.auth.models import AuditEvent
from app.core.database import write_transactions
from app.extensions import db
from app.org.models import Building
from app.registry.people import services as registry
from app.visits.models import Visit
from tests.conftest import fresh
from tests.factories import make_id_number
from tests.printing.helpers import keep_first_page, squeezed
from tests.web import form_on, press, tick, visible_text

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
        for i, (number, building, unit, room) in enumerate(
            (("E10", b10, "1", "101"), ("E2B", b2, "1", "502"), ("E2A", b2, "1", "301"))
        ):
            home = registry.create_household(
                registry.HouseholdValues(household_number=number, building_id=building.id, unit=unit, room=room),
                world.grid_a,
            )
            head = registry.register_resident(
                registry.ResidentValues(
                    name=f"户主{number}", id_number=make_id_number("19750101", 60 + i), phone=f"1390000{i:04d}"
                ),
                world.grid_a,
            )
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
    positions = [
        text.index(s) for s in ("1号楼东关路1号", "A001", "2号楼东关路2号", "E2A", "E2B", "10号楼东关路10号", "E10")
    ]
    assert positions == sorted(positions)
    assert "139****0000" in text and "13900000000" not in text
    assert "张伟" in text and "情况记录" in text
    fresh()
    audit = db.session.query(AuditEvent).filter_by(action="printed").one()
    assert audit.detail["document"] == "入户走访路线单" and audit.detail["records"] == 4


def _entry_page(web, world):
    """回填走访记录 on the grid's due list."""
    return web.get(f"/visits/grids/{world.grid_a.id}").click(description="回填走访记录")


def _sheet(page):
    return form_on(page, button="全部保存")


def _fill_row(form, household, visit_type="routine", found="", needs=""):
    hid = household.id
    form[f"type-{hid}"] = visit_type
    form[f"found-{hid}"] = found
    form[f"needs-{hid}"] = needs


def _save_row_with_enter(form, household, swapped=None):
    """Enter in a row, as htmx sends it: the row's own hx-post (on its <tr>, which
    tests.web.htmx_submit does not read), with the enclosing form's fields as
    rendered and typed and the row's hx-vals (its own one-time token) over them,
    targeting the row. The row is the one now on the page: rendered with the sheet,
    or the fragment an earlier Enter swapped in for it (`swapped`)."""
    source = BeautifulSoup(swapped.text, "html.parser") if swapped is not None else form.html
    row = source.find("tr", id=f"row-{household.id}")
    assert row is not None and row.get("hx-post") and row.get("hx-target") == "this", row
    row_values = json.loads(row.get("hx-vals") or "{}")
    params = [(name, value) for name, value in form.submit_fields() if name not in row_values]
    headers = {"HX-Request": "true", "HX-Target": row["id"], "HX-Trigger": row["id"]}
    return form.response.goto(row["hx-post"], method="post", params=params + list(row_values.items()), headers=headers)


def _row_fields(fragment) -> dict[str, str]:
    """The named inputs and selects of a returned row, with their values as rendered."""
    soup = BeautifulSoup(fragment.text, "html.parser")
    fields = {i["name"]: i.get("value", "") for i in soup.find_all("input") if i.get("name")}
    for select in soup.find_all("select"):
        chosen = select.find("option", selected=True)
        fields[select["name"]] = chosen["value"] if chosen else ""
    return fields


def test_back_entry_lists_the_same_households_in_the_same_order(world, street, web_as):
    html = _entry_page(web_as("worker_a"), world).text
    order = [
        html.index(f'value="{h.id}"') for h in (world.households["a"], street["E2A"], street["E2B"], street["E10"])
    ]
    assert order == sorted(order)
    assert 'hx-post="/visits/grids/' in html and 'hx-trigger="save-row"' in html


def test_plain_form_saves_every_filled_row(world, street, web_as):
    web = web_as("worker_a")
    a, e2a = world.households["a"], street["E2A"]
    form = _sheet(_entry_page(web, world))
    assert form["visited_on"].value == "2026-11-20"
    _fill_row(form, a, "key", found="核对人口信息无误")
    _fill_row(form, e2a, "routine", found="老人独居", needs="需要送餐")
    response = press(form, "全部保存")
    assert response.status_int == 303, visible_text(response)[:600]
    assert "已保存 2 条走访记录。" in visible_text(response.follow())
    fresh()
    saved = {
        v.household_id: v for v in db.session.query(Visit).filter(Visit.visited_on == datetime(2026, 11, 20).date())
    }
    assert set(saved) == {a.id, e2a.id}
    assert saved[a.id].visit_type == "key" and saved[e2a.id].needs == "需要送餐"
    assert [s.name for s in saved[e2a.id].visitors] == ["员工worker_a"]


def test_plain_form_errors_at_the_row_keep_the_typed_values(world, street, web_as):
    web = web_as("worker_a")
    a, e2a = world.households["a"], street["E2A"]
    form = _sheet(_entry_page(web, world))
    _fill_row(form, a, "routine", found="一切正常")
    _fill_row(form, e2a, "key", needs="想申请廉租房")
    response = press(form, "全部保存")
    html = response.text
    assert response.status_int == 200
    assert f'id="found-{e2a.id}-error">请填写走访情况。' in html
    again = _sheet(response)
    assert again[f"needs-{e2a.id}"].value == "想申请廉租房" and again[f"type-{e2a.id}"].value == "key"
    assert "已保存 1 条走访记录" in html  # the good row is saved and shown as such
    assert f"found-{a.id}" not in again.fields
    fresh()
    assert db.session.query(Visit).filter_by(household_id=a.id, found="一切正常").count() == 1
    assert db.session.query(Visit).filter_by(household_id=e2a.id).count() == 0
    # Without visitors, nothing is saved and the field says why.
    tick(again, "visitor_ids", str(world.staff["worker_a"].id), checked=False)
    again[f"found-{e2a.id}"] = "补填"
    response = press(again, "全部保存")
    assert "请选择走访人员。" in visible_text(response)
    assert _sheet(response)[f"found-{e2a.id}"].value == "补填"
    fresh()
    assert db.session.query(Visit).filter_by(household_id=e2a.id).count() == 0


def test_htmx_row_save_returns_the_saved_row(world, street, web_as):
    """Enter in a row: it comes back saved, with no fields left to send again."""
    web = web_as("worker_a")
    e2b = street["E2B"]
    form = _sheet(_entry_page(web, world))
    _fill_row(form, e2b, "concentrated", found="家中无人，邻居说外出务工", needs="修水管")
    response = _save_row_with_enter(form, e2b)
    html = response.text
    assert response.status_int == 200 and "<html" not in html and html.strip().startswith("<tr")
    assert "已保存" in html and "集中走访" in html
    assert _row_fields(response) == {}  # nothing left in the row to send again
    fresh()
    visit = db.session.query(Visit).filter_by(household_id=e2b.id).one()
    assert visit.visit_type == "concentrated" and visit.grid_id == world.grid_a.id
    # The grid's due list now counts it.
    text = visible_text(web.get(f"/visits/grids/{world.grid_a.id}"))
    assert "E2B" in text and "1 / 2" in text


def test_a_refused_htmx_row_keeps_what_was_typed(world, street, web_as):
    web = web_as("worker_a")
    e2b = street["E2B"]
    form = _sheet(_entry_page(web, world))
    _fill_row(form, e2b, "key", needs="修水管")
    response = _save_row_with_enter(form, e2b)
    html = response.text
    assert response.status_int == 200 and "<html" not in html and html.strip().startswith("<tr")
    assert f'id="found-{e2b.id}-error">请填写走访情况。' in html
    fields = _row_fields(response)
    assert fields[f"needs-{e2b.id}"] == "修水管" and fields[f"type-{e2b.id}"] == "key"
    fresh()
    assert db.session.query(Visit).filter_by(household_id=e2b.id).count() == 0


def test_a_row_corrected_after_a_refusal_is_saved_with_enter(world, street, web_as):
    """Each row carries a one-time token of its own, and a refused row comes back with
    a new one: the sheet's single token would make every later Enter a repeat."""
    web = web_as("worker_a")
    e2b = street["E2B"]
    form = _sheet(_entry_page(web, world))
    _fill_row(form, e2b, "routine", needs="修水管")
    refused = _save_row_with_enter(form, e2b)
    assert "请填写走访情况。" in refused.text
    _fill_row(form, e2b, "concentrated", found="家中无人，邻居说外出务工", needs="修水管")
    response = _save_row_with_enter(form, e2b, swapped=refused)
    assert "已保存" in response.text and "集中走访" in response.text
    fresh()
    assert db.session.query(Visit).filter_by(household_id=e2b.id).count() == 1


def test_enter_in_one_row_after_another_saves_each(world, street, web_as):
    web = web_as("worker_a")
    e2a, e2b = street["E2A"], street["E2B"]
    form = _sheet(_entry_page(web, world))
    _fill_row(form, e2a, "routine", found="老人独居")
    assert f'id="row-{e2a.id}"' in _save_row_with_enter(form, e2a).text
    _fill_row(form, e2b, "routine", found="家中无人")
    response = _save_row_with_enter(form, e2b)
    assert f'id="row-{e2b.id}"' in response.text and "已保存" in response.text
    fresh()
    assert db.session.query(Visit).filter_by(household_id=e2b.id).count() == 1


def test_enter_pressed_twice_in_a_row_saves_it_once(world, street, web_as):
    web = web_as("worker_a")
    e2a = street["E2A"]
    form = _sheet(_entry_page(web, world))
    _fill_row(form, e2a, "routine", found="老人独居")
    _save_row_with_enter(form, e2a)
    again = _save_row_with_enter(form, e2a)  # the row as it was, sent again (a retry, a double Enter)
    assert again.headers.get("HX-Redirect")
    fresh()
    assert db.session.query(Visit).filter_by(household_id=e2a.id).count() == 1


def _visit_forms(web, world, form: str, blank: bool):
    """入户表 on the grid's due list: the kind and filled-or-blank chosen, as rendered."""
    page = web.get(f"/visits/grids/{world.grid_a.id}").click(description="入户表")
    chooser = next(f for k, f in page.forms.items() if isinstance(k, int) and "visit-forms.pdf" in (f.action or ""))
    chooser["form"] = form
    chooser["blank"] = "1" if blank else "0"
    return chooser.submit()


@pytest.mark.parametrize(
    "form, title", [("survey", "入户调查表"), ("verify", "入户核实表"), ("collect", "网格员信息采集一张表")]
)
def test_visit_forms_one_household_a_page_in_walking_order(world, street, web_as, form, title):
    """The same households as the route sheet and the back-entry screen, in the same
    order, one a page, pre-filled from the register with numbers masked."""
    from io import BytesIO

    from pypdf import PdfReader

    response = _visit_forms(web_as("worker_a"), world, form, blank=False)
    assert response.content_type == "application/pdf"
    keep_first_page(response.body)
    pages = ["".join(p.extract_text().split()) for p in PdfReader(BytesIO(response.body)).pages]
    order = ["A001", "E2A", "E2B", "E10"]
    assert len(pages) == len(order)
    for page, number in zip(pages, order):
        assert title in page and number in page and "户主（被访人）签字" in page
    assert "张伟" in pages[0] and "139****0000" in "".join(pages) and "13900000000" not in "".join(pages)
    if form == "survey":
        assert "入户调查表（" in pages[0] and "生产生活困难和诉求" in pages[0]
    if form == "verify":
        assert "核实结果" in pages[0] and "登记信息无误" in pages[0]
    if form == "collect":
        assert "安全隐患" in pages[0] and "（组织）" in pages[0]
    fresh()
    audit = db.session.query(AuditEvent).filter_by(action="printed").one()
    assert audit.detail["document"] == title and audit.detail["records"] == 4


def test_blank_survey_forms_one_per_visit_class(world, street, web_as):
    from io import BytesIO

    from pypdf import PdfReader

    response = _visit_forms(web_as("worker_a"), world, "survey", blank=True)
    pages = ["".join(p.extract_text().split()) for p in PdfReader(BytesIO(response.body)).pages]
    assert [next(name for name in ("一类", "二类", "三类") if f"入户调查表（{name}户）" in page) for page in pages] == [
        "一类",
        "二类",
        "三类",
    ]
    assert "张伟" not in "".join(pages)
