"""Locating a number: registering or importing an ID number held outside one's scope
names the community and grid holding it — audited with the masked number only, and
at most LOCATE_DAILY_LIMIT times a local day per account; past it the refusal no
longer names the place, and the attempt is audited all the same."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.auth.models import AuditEvent
from app.core.database import write_transactions
from app.extensions import db
from app.registry.people import services
from tests.conftest import fresh
from tests.factories import make_id_number
from tests.registry.test_import import problems_of, sheet, upload
from tests.web import choose, form_on, press, visible_text

PLACE = "滨河社区 滨河一网格"
NOT_NAMED = "该证件号码已在本县登记，请联系县级管理员核实。"


@pytest.fixture
def held_in_grid_b(app, world):
    """Five more people registered in 滨河一网格 (grid B, outside worker_a's scope)."""
    numbers = [make_id_number("19600101", 80 + i) for i in range(5)]
    with write_transactions():
        for i, number in enumerate(numbers):
            services.register_resident(services.ResidentValues(name=f"滨河居民{i}", id_number=number), world.grid_b)
        db.session.commit()
    return [world.residents["b"].id_number] + numbers


def register(web, number: str, grid: str = "东关一网格"):
    """登记人员: a person with `number`, in `grid`, 保存 pressed; the answer."""
    form = form_on(web.get("/residents/new"))
    form["name"] = "王小明"
    form["id_number"] = number
    choose(form, "grid_id", grid)
    return press(form, "保存")


def located() -> list[AuditEvent]:
    fresh()
    return list(
        db.session.scalars(select(AuditEvent).where(AuditEvent.action == "id_number_located").order_by(AuditEvent.id))
    )


def test_naming_the_place_is_audited_with_the_masked_number(web_as, world, held_in_grid_b):
    number = held_in_grid_b[0]
    web = web_as("worker_a")
    form = form_on(web.get("/residents/new"))
    form["name"] = "王小明"
    form["id_number"] = number
    choose(form, "grid_id", "东关一网格")
    page = visible_text(press(form, "保存"))
    assert PLACE in page and "不要重复登记" in page
    [entry] = located()
    assert entry.actor_name == "worker_a" and entry.target_id == world.residents["b"].id
    assert entry.summary.startswith(number[:6] + "********" + number[-4:])
    assert number not in entry.summary and number not in str(entry.detail)
    # The refused form sent again is checked again (not taken for saved): the same answer.
    again = visible_text(press(form, "保存"))
    assert PLACE in again and "已经提交过" not in again
    assert len(located()) == 2


def test_a_number_in_ones_own_scope_is_named_without_counting(web_as, world):
    page = visible_text(register(web_as("worker_a"), world.residents["a"].id_number))
    assert "东关社区 东关一网格" in page and "不要重复登记" in page
    assert located() == []


def test_past_the_daily_limit_the_place_is_no_longer_named(app, web_as, world, held_in_grid_b):
    app.config["LOCATE_DAILY_LIMIT"] = 2
    web = web_as("worker_a")
    for number in held_in_grid_b[:2]:
        assert PLACE in visible_text(register(web, number))
    page = visible_text(register(web, held_in_grid_b[2]))
    assert NOT_NAMED in page and "滨河" not in page
    # The attempt is audited all the same, and says the place was not told.
    entries = located()
    assert len(entries) == 3 and [e.detail["named"] for e in entries] == [True, True, False]
    assert "未告知登记地" in entries[2].summary and held_in_grid_b[2] not in entries[2].summary
    # Another account has its own count.
    assert PLACE in visible_text(register(web_as("station_a"), held_in_grid_b[3]))
    # And the import answers the same way past the limit.
    preview = upload(
        web,
        sheet(
            [[world.grid_a.code, "A300", "户主", "周一", held_in_grid_b[4], None, None, None, None, None, "东关路3号"]]
        ),
    )
    assert problems_of(preview) == [(2, "证件号码", NOT_NAMED)]
    assert "滨河" not in visible_text(preview)
    assert [(e.actor_name, e.detail["named"]) for e in located()][3:] == [("station_a", True), ("worker_a", False)]


def test_the_import_names_the_place_and_is_audited(app, web_as, world, held_in_grid_b):
    app.config["LOCATE_DAILY_LIMIT"] = 2
    code = world.grid_a.code
    rows = [
        [code, f"A30{i}", "户主", f"周{i}", number, None, None, None, None, None, f"东关路{i}号"]
        for i, number in enumerate(held_in_grid_b[:3])
    ]
    preview = upload(web_as("worker_a"), sheet(rows))
    found = problems_of(preview)
    assert [(row, column) for row, column, _message in found] == [(2, "证件号码"), (3, "证件号码"), (4, "证件号码")]
    assert [PLACE in message for _row, _column, message in found] == [True, True, False]
    assert found[2][2] == NOT_NAMED
    entries = located()
    assert [(e.actor_name, e.detail["named"], e.detail["page"]) for e in entries] == [
        ("worker_a", True, "registry.import_residents"),
        ("worker_a", True, "registry.import_residents"),
        ("worker_a", False, "registry.import_residents"),
    ]
    assert all(n not in e.summary for e in entries for n in held_in_grid_b)


def test_the_audit_page_shows_these_entries_without_full_id_digits(app, web_as, world, held_in_grid_b):
    app.config["LOCATE_DAILY_LIMIT"] = 1
    web = web_as("worker_a")
    register(web, held_in_grid_b[0])
    register(web, held_in_grid_b[1])
    page = web_as("auditor").get("/admin/audit")
    form = next(f for f in page.forms.values() if "actor" in f.fields)
    choose(form, "action", "获知证件号码登记地")
    text = visible_text(form.submit())
    assert text.count("获知证件号码登记地") >= 2 and "未告知登记地" in text and PLACE in text
    for number in held_in_grid_b[:2]:
        assert number not in text and number[:6] + "********" + number[-4:] in text
    assert not re.search(r"\d{17}[\dX]", text)


def test_a_number_repeated_in_one_import_is_counted_once(web_as, world, held_in_grid_b):
    code, number = world.grid_a.code, held_in_grid_b[0]
    rows = [
        [code, "A300", "户主", "周一", number, None, None, None, None, None, "东关路3号"],
        [code, "A301", "户主", "周一", number, None, None, None, None, None, "东关路4号"],
    ]
    found = problems_of(upload(web_as("worker_a"), sheet(rows)))
    assert (2, "证件号码") in [(row, column) for row, column, _message in found]
    assert len(located()) == 1
