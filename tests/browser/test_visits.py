"""In a real browser: print a grid's visit route sheet, back-enter five visits from
the keyboard only (Tab, typing, arrow keys, Enter saves each row through htmx), and
see the grid's due list and verification rate change."""

from __future__ import annotations

from datetime import datetime

import pytest
from playwright.sync_api import expect

from app.core.database import write_transactions
from app.extensions import db
from app.org.models import Building, Division
from app.registry.people import services as registry
from app.registry.people.models import Household
from tests.browser.conftest import snap
from tests.browser.test_scope_and_login import log_in
from tests.printing.helpers import squeezed

pytestmark = pytest.mark.browser


@pytest.fixture()
def households(live_app, world_ids) -> list[int]:
    """A001 (三类, overdue) in 1号楼 and five 二类 households in 3号楼, rooms 101–105,
    none visited this period; ids in walking order."""
    with live_app.app_context():
        with write_transactions():
            building = Building(
                community_id=world_ids.community_a, grid_id=world_ids.grid_a, number="3号楼", address="东关路3号"
            )
            db.session.add(building)
            db.session.flush()
            grid = db.session.get(Division, world_ids.grid_a)
            first = db.session.query(Household).filter_by(household_number="A001").one()
            first.created_at = datetime(2025, 1, 1)
            ids = [first.id]
            for room in range(101, 106):
                home = registry.create_household(
                    registry.HouseholdValues(
                        household_number=f"C{room}", visit_class=2, building_id=building.id, unit="1", room=str(room)
                    ),
                    grid,
                )
                home.created_at = datetime(2025, 1, 1)
                ids.append(home.id)
            db.session.commit()
        db.session.remove()
    return ids


def _wait_for_focus(page, name: str) -> None:
    """htmx moves the focus to the next row once the saved row has settled."""
    page.wait_for_function("name => document.activeElement && document.activeElement.name === name", arg=name)


def _enter_row(page, household_id: int, found: str, needs: str, arrows: int = 0) -> None:
    """Keyboard only: the focus is on the row's type; arrows pick the type, Tab moves
    on, Enter saves the row."""
    _wait_for_focus(page, f"type-{household_id}")
    for _ in range(arrows):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    page.keyboard.type(found)
    page.keyboard.press("Tab")
    page.keyboard.type(needs)
    page.keyboard.press("Enter")
    expect(page.locator(f"#row-{household_id}")).to_contain_text("已保存")


def test_route_sheet_and_keyboard_back_entry(on_2026_11_20, page, live_server, world_ids, households):
    log_in(page, live_server, "worker_a")
    page.goto(live_server(f"/visits/grids/{world_ids.grid_a}"))
    expect(page.locator("#due-list")).to_contain_text("C105")
    expect(page.locator("#overdue-count")).to_have_text("1")
    expect(page.locator("#due-count")).to_have_text("5")
    expect(page.locator('[data-rate="2-area"]')).to_contain_text("0.0%")

    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("link", name="打印走访路线单").click()
    with open(info.value.path(), "rb") as handle:
        pdf = handle.read()
    text = squeezed(pdf)
    assert pdf[:5] == b"%PDF-" and "入户走访路线单" in text
    assert text.index("1号楼") < text.index("3号楼") < text.index("C105")

    page.get_by_role("link", name="回填走访记录").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("回填走访记录")
    rows = page.locator("tr.entry-row")
    expect(rows).to_have_count(6)
    # The grid's own sheet offers no 核实走访 (核实 is by someone else).
    expect(page.locator('select[name^="type-"] option', has_text="集中走访")).to_have_count(6)
    expect(page.locator('select[name^="type-"] option', has_text="核实走访")).to_have_count(0)
    # The rows come in the route sheet's order.
    assert [
        int(v) for v in page.locator('input[name="row"]').evaluate_all("els => els.map(e => e.value)")
    ] == households
    snap(page, "visits-back-entry")
    page.locator(f'select[name="type-{households[0]}"]').focus()
    _enter_row(page, households[0], "户主在家，情况正常", "")
    _enter_row(page, households[1], "核对人口信息无误", "", arrows=1)  # 重点走访
    _enter_row(page, households[2], "核对人口信息，新增一名婴儿", "办理出生登记", arrows=2)  # 集中走访
    _enter_row(page, households[3], "老人独居", "希望有人定期探望")
    _enter_row(page, households[4], "家中无人，邻居说外出务工", "")
    expect(rows.filter(has_text="已保存")).to_have_count(5)
    # The sixth row still waits, with the focus on it.
    _wait_for_focus(page, f"type-{households[5]}")

    page.goto(live_server(f"/visits/grids/{world_ids.grid_a}"))
    expect(page.locator("#overdue-count")).to_have_text("0")
    # A001 (三类, twice a quarter) now has 1 of 2; C105 was not entered; C101–C104 are done.
    expect(page.locator("#due-count")).to_have_text("2")
    expect(page.locator("#due-list")).to_contain_text("C105")
    expect(page.locator("#due-list tr", has_text="A001")).to_contain_text("1 / 2")
    expect(page.locator("#due-list")).not_to_contain_text("C101")
    # 核实 is by someone else: no 二类 household is verified by the grid's own sheet.
    expect(page.locator('[data-rate="2-area"]')).to_contain_text("0.0%")
    snap(page, "visits-grid-due")
