"""Splitting and merging through the pages: records without a building placed on the
form, a preview of what each new grid receives, and a confirmation that does what was
previewed — or nothing."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.org.models import Division
from app.registry.housing.models import Shop
from app.registry.organisations.models import Organisation
from app.registry.people.models import Household, PopulationEvent
from tests.conftest import fresh
from tests.web import form_on, options, press, visible_text


def _split_form(web, world):
    return form_on(web.get(f"/divisions/{world.grid_a.id}").click(description="拆分网格"))


def _fill(form, **values):
    base = {
        "effective_date": "2025-07-01",
        "reason": "人口增长",
        "part-0-code": "010",
        "part-0-name": "东关北网格",
        "part-1-code": "011",
        "part-1-name": "东关南网格",
    }
    for field, value in {**base, **values}.items():
        form[field] = value
    return form


def _rural_household(world):
    household = Household(grid_id=world.grid_a.id, household_number="A-88", address_text="东关村五组8号")
    db.session.add(household)
    db.session.commit()
    return household


def test_records_without_a_building_are_placed_on_the_form_and_the_preview_counts_them(web_as, world):
    rural = _rural_household(world)
    records = world.records["a"]
    form = _split_form(web_as("admin"), world)
    # Listed by what a person recognises, each with a choice of the new grids.
    listed = visible_text(form.response)
    assert "东关村五组8号" in listed and records["organisation"].name in listed and records["shop"].name in listed
    assert [text for _value, text in options(form, f"place-household-{rural.id}")][1:] == ["新网格 1", "新网格 2"]
    _fill(form, **{f"place-household-{rural.id}": "1", "place-rest": "0"})
    preview = press(form, "预览")
    text = visible_text(preview)
    assert "预览：各新网格将接收" in text
    # 住户: household a (by its building) to the first, the rural one to the second.
    assert "住户 1 1" in text and "组织 1 0" in text
    fresh()
    assert db.session.get(Division, world.grid_a.id).status == "active"  # a preview writes nothing
    done = press(form_on(preview), "确认拆分")
    assert done.status_int == 303, visible_text(done)[:500]
    assert "记录已随楼栋转入新网格" in visible_text(done.follow())
    fresh()
    north = db.session.scalar(select(Division).where(Division.name == "东关北网格"))
    south = db.session.scalar(select(Division).where(Division.name == "东关南网格"))
    assert db.session.get(Household, rural.id).grid_id == south.id
    assert db.session.get(Household, world.households["a"].id).grid_id == north.id
    assert db.session.get(Shop, records["shop"].id).grid_id == north.id
    assert db.session.get(Organisation, records["organisation"].id).grid_id == north.id


def test_without_a_place_for_every_record_the_preview_says_so_and_offers_no_confirmation(web_as, world):
    form = _fill(_split_form(web_as("admin"), world))
    page = press(form, "预览")
    assert page.status_int == 200
    assert "条没有楼栋的记录未指定新网格" in visible_text(page)
    assert "确认拆分" not in [label for _n, _v, label in _buttons(form_on(page))]
    assert form_on(page)["part-0-name"].value == "东关北网格"  # what was typed is kept


def test_a_change_after_the_preview_asks_for_a_new_look(web_as, world):
    form = _fill(_split_form(web_as("admin"), world), **{"place-rest": "0"})
    preview = press(form, "预览")
    _rural_household(world)  # registered by someone else meanwhile
    page = press(form_on(preview), "确认拆分")
    assert page.status_int == 200 and "预览之后内容有变化" in visible_text(page)
    fresh()
    assert db.session.get(Division, world.grid_a.id).status == "active"
    again = press(form_on(page), "预览")
    assert press(form_on(again), "确认拆分").status_int == 303


def test_the_feed_of_both_grids_shows_the_adjustment_not_a_move(web_as, world):
    web = web_as("admin")
    preview = press(_fill(_split_form(web, world), **{"place-rest": "1"}), "预览")
    press(form_on(preview), "确认拆分")
    fresh()
    north = db.session.scalar(select(Division).where(Division.name == "东关北网格"))
    event = db.session.scalar(
        select(PopulationEvent).where(
            PopulationEvent.household_id == world.households["a"].id, PopulationEvent.kind == "grid_adjusted"
        )
    )
    assert event.grid_id == north.id and event.from_grid_id == world.grid_a.id
    for grid in (north, world.grid_a):
        feed = visible_text(web.get(f"/population-changes/?grid={grid.id}"))
        assert "网格调整" in feed and "东关一网格" in feed and "东关北网格" in feed, grid.name
        assert "2025-07-01 住户搬迁" not in feed  # (住户搬迁 is one of the filter's choices)


def test_key_persons_are_counted_only_for_those_who_may_see_them(web_as, world):
    page = press(_fill(_split_form(web_as("town_a"), world), **{"place-rest": "0"}), "预览")
    assert "住户" in visible_text(page) and "重点人员" not in visible_text(page)
    page = press(_fill(_split_form(web_as("admin"), world), **{"place-rest": "0"}), "预览")
    assert "重点人员" not in visible_text(page)  # county administrators do not see key persons either
    fresh()
    db.session.get(type(world.users["town_a"]), world.users["town_a"].id).governance_duty = True
    db.session.commit()
    page = press(_fill(_split_form(web_as("town_a"), world), **{"place-rest": "0"}), "预览")
    assert "重点人员 1 0" in visible_text(page)


def test_a_merge_previews_and_carries_the_registers(web_as, world):
    web = web_as("town_a")
    form = form_on(web.get(f"/divisions/{world.community_a.id}").click(description="合并网格"))
    form["grids"] = [str(world.grid_a.id), str(world.grid_a2.id)]
    for field, value in {"name": "东关合并网格", "effective_date": "2025-09-01", "reason": "精简"}.items():
        form[field] = value
    preview = press(form, "预览")
    assert "预览：新网格将接收" in visible_text(preview) and "住户 1" in visible_text(preview)
    done = press(form_on(preview), "确认合并")
    assert done.status_int == 303
    fresh()
    merged = db.session.scalar(select(Division).where(Division.name == "东关合并网格"))
    assert db.session.get(Household, world.households["a"].id).grid_id == merged.id
    assert db.session.get(Organisation, world.records["a"]["organisation"].id).grid_id == merged.id


def _buttons(form):
    from tests.web import _buttons as buttons

    return buttons(form)


def test_a_date_before_the_grid_began_is_refused_at_the_date_field(web_as, world):
    form = _fill(_split_form(web_as("admin"), world), **{"place-rest": "0", "effective_date": "2020-01-01"})
    page = press(form, "预览")
    assert 'id="effective_date-error">生效日期须晚于网格' in page.text
    assert "确认拆分" not in [label for _n, _v, label in _buttons(form_on(page))]
