"""商铺搬迁: a shop moving is a dated population change by a named user that updates
the shop register, keeps the old and new address, and shows in the change feed of
the grid it left and the grid it reached; the form's rules at their fields. The form
is filled and sent as rendered (tests/web.py); hand-built posts only where forged."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.auth.models import AuditEvent
from app.core.timeutil import local_today
from app.extensions import db
from app.registry.housing import services as housing
from app.registry.housing import shop_services
from app.registry.housing.models import House, Shop
from app.registry.people.models import PopulationEvent
from tests.conftest import fresh, text_of
from tests.web import choose, forge, form_on, options, press, visible_text


@pytest.fixture()
def shop(world):
    """An open shop at a typed address in grid 东关一网格 (worker_a's)."""
    created = shop_services.create_shop(
        shop_services.ShopValues(
            name="东关小吃店", business_type="catering", operator=housing.PersonValues(name="赵强"), address="东关路8号"
        ),
        world.grid_a,
        user=world.users["station_a"],
    )
    db.session.commit()
    return created


def move_page(web, shop):
    """搬迁 on the shop's page."""
    return form_on(web.get(f"/shops/{shop.id}").click(description="搬迁"))


def typed_move(form, grid=None, house=None, **typed):
    """What a station types for a move: the grid and house chosen by their names, the
    rest typed; what is not given stays as the page rendered it."""
    typed = {"address": "东关路99号", "day": "2025-03-01", "note": "原址拆迁", **typed}
    if grid:
        choose(form, "grid_id", grid)
    if house:
        choose(form, "house_id", house)
    for name, value in typed.items():
        form[name] = value
    return form


def test_a_shop_moving_to_another_grid_shows_in_both_feeds(web_as, client_as, world, shop):
    web = web_as("station_a")
    form = move_page(web, shop)
    assert form["grid_id"].value == str(world.grid_a.id) and form["house_id"].value == "0"
    assert form["day"].value == local_today().isoformat()
    response = press(typed_move(form, grid="东关二网格"), "确认搬迁")
    assert response.status_int == 303, visible_text(response)[:600]
    fresh()
    moved = db.session.get(Shop, shop.id)
    assert (moved.grid_id, moved.address, moved.house_id) == (world.grid_a2.id, "东关路99号", None)
    event = db.session.scalar(select(PopulationEvent).where(PopulationEvent.kind == "shop_moved"))
    assert (event.shop_id, event.grid_id, event.from_grid_id) == (shop.id, world.grid_a2.id, world.grid_a.id)
    assert event.before["shop_address"] == "东关路8号" and event.after["shop_address"] == "东关路99号"
    assert event.before["grid"] == "东关一网格" and event.after["grid"] == "东关二网格"
    assert event.recorded_by_id == world.users["station_a"].id and str(event.occurred_on) == "2025-03-01"
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "shop_moved"))
    assert audit.target_id == shop.id

    # The station sees it under either grid.
    station = client_as("station_a")
    for grid in (world.grid_a, world.grid_a2):
        feed = text_of(station.get(f"/population-changes/?grid={grid.id}"))
        assert "商铺搬迁" in feed and "东关小吃店" in feed, grid.name
        assert "经营地址：东关路8号 → 东关路99号" in feed and "所属网格：东关一网格 → 东关二网格" in feed
        assert "原址拆迁" in feed
    assert "东关小吃店" in text_of(station.get("/population-changes/?kind=shop_moved"))

    # The worker of the grid it left sees the change, but no longer the shop itself.
    worker = client_as("worker_a")
    page = worker.get("/population-changes/").get_data(as_text=True)
    assert "商铺搬迁" in text_of(worker.get("/population-changes/")) and "东关路99号" in page
    assert f"/shops/{shop.id}" not in page
    assert worker.get(f"/shops/{shop.id}").status_code == 404
    # Another town's worker sees neither.
    assert "东关小吃店" not in text_of(client_as("worker_b").get("/population-changes/"))

    history = visible_text(response.follow())
    assert "搬迁记录" in history and "东关路8号 → 东关路99号" in history and "原址拆迁" in history


def test_moving_into_a_house_marks_it_and_frees_the_old_one(web_as, client_as, world):
    old_house = House(grid_id=world.grid_a.id, building_id=world.building_a.id, unit="1", room="103", use="own")
    new_house = House(grid_id=world.grid_a.id, building_id=world.building_a.id, unit="2", room="201", use="vacant")
    db.session.add_all([old_house, new_house])
    db.session.commit()
    shop = shop_services.create_shop(
        shop_services.ShopValues(
            name="东关五金", business_type="retail", operator=housing.PersonValues(name="钱进"), house_id=old_house.id
        ),
        world.grid_a,
        user=world.users["worker_a"],
    )
    db.session.commit()
    assert db.session.get(House, old_house.id).use == "shop"
    form = typed_move(move_page(web_as("worker_a"), shop), house="东关路1号2单元201室", address="")
    response = press(form, "确认搬迁")
    assert response.status_int == 303, visible_text(response)[:600]
    fresh()
    assert db.session.get(Shop, shop.id).house_id == new_house.id
    assert db.session.get(House, new_house.id).use == "shop"
    assert db.session.get(House, old_house.id).use == "vacant"
    event = db.session.scalar(select(PopulationEvent).where(PopulationEvent.kind == "shop_moved"))
    assert event.from_grid_id is None and event.grid_id == world.grid_a.id
    assert event.before["shop_address"] == "东关路1号1单元103室"
    assert event.after["shop_address"] == "东关路1号2单元201室"
    feed = text_of(client_as("worker_a").get("/population-changes/"))
    assert "经营地址：东关路1号1单元103室 → 东关路1号2单元201室" in feed and "所属网格：" not in feed


def nothing_moved(world, shop):
    fresh()
    assert db.session.get(Shop, shop.id).grid_id == world.grid_a.id
    assert db.session.scalar(select(PopulationEvent.id).where(PopulationEvent.kind == "shop_moved")) is None


@pytest.mark.parametrize(
    "choices, message",
    [
        ({"grid": "东关二网格", "address": ""}, "请选择房屋，或填写新的经营地址"),
        ({"address": "东关路8号"}, "新地址与现经营地址相同"),  # the grid left as it is
        ({"grid": "东关二网格", "day": ""}, "请输入有效日期"),
        ({"grid": "东关二网格", "day": "future"}, "日期不能晚于今天"),
        # Without JS the houses offered are the shop's grid's: one of them, with 东关二网格 chosen.
        ({"grid": "东关二网格", "house": "东关路1号1单元102室"}, "请选择迁往网格内的房屋"),
    ],
)
def test_rules_are_shown_at_their_fields(web_as, world, shop, choices, message):
    if choices.get("day") == "future":
        choices["day"] = (local_today() + timedelta(days=1)).isoformat()
    response = press(typed_move(move_page(web_as("station_a"), shop), **choices), "确认搬迁")
    assert response.status_int == 200 and message in visible_text(response)
    assert 'class="error"' in response.text
    nothing_moved(world, shop)


def test_a_forged_move_to_a_grid_out_of_scope_is_refused(web_as, world, shop):
    """滨河一网格 is not offered to 东关社区's station; a tampered grid id is refused."""
    web = web_as("station_a")
    form = move_page(web, shop)
    assert str(world.grid_b.id) not in [value for value, _text in options(form, "grid_id")]
    response = forge(
        web,
        f"/shops/{shop.id}/move",
        {"grid_id": str(world.grid_b.id), "house_id": "0", "address": "滨河路99号", "day": "2025-03-01", "note": ""},
    )
    assert response.status_int == 200 and "请选择您管辖范围内的在用网格" in visible_text(response)
    nothing_moved(world, shop)


def test_without_js_a_house_of_the_old_grid_shows_the_new_grids_houses(web_as, world, shop):
    house_b2 = House(grid_id=world.grid_a2.id, address_text="东关二巷5号", use="vacant")
    db.session.add(house_b2)
    db.session.commit()
    form = move_page(web_as("station_a"), shop)
    assert "东关二巷5号" not in [text for _value, text in options(form, "house_id")]
    response = press(typed_move(form, grid="东关二网格", house="东关路1号1单元102室"), "确认搬迁")
    offered = [text for _value, text in options(form_on(response), "house_id")]
    assert "东关二巷5号" in offered and "东关路1号1单元102室" not in offered
    # Now the new grid's house can be chosen, and the move is saved.
    form = form_on(response)
    choose(form, "house_id", "东关二巷5号")
    form["address"] = ""
    assert press(form, "确认搬迁").status_int == 303
    fresh()
    assert db.session.get(Shop, shop.id).house_id == house_b2.id


def test_choosing_a_grid_swaps_the_house_field(client_as, world, shop):
    db.session.add(House(grid_id=world.grid_a2.id, address_text="东关二巷5号", use="vacant"))
    db.session.commit()
    response = client_as("station_a").get(
        f"/shops/{shop.id}/move?grid_id={world.grid_a2.id}", headers={"HX-Request": "true", "HX-Target": "house-field"}
    )
    html = response.get_data(as_text=True)
    assert "<html" not in html and "东关二巷5号" in html


def test_a_shop_closed_meanwhile_is_not_moved(web_as, world, shop):
    """The move page was opened while the shop was open; it closed before 确认搬迁."""
    form = typed_move(move_page(web_as("station_a"), shop), grid="东关二网格")
    shop.status = "closed"
    db.session.commit()
    response = press(form, "确认搬迁")
    assert "已停业的商铺不能登记搬迁" in visible_text(response)
    nothing_moved(world, shop)


def test_leaders_may_not_move_a_shop_nor_forge_the_post(web_as, world, shop):
    web = web_as("leader_a")
    page = web.get(f"/shops/{shop.id}")
    assert page.status_int == 200 and f"/shops/{shop.id}/move" not in page.text
    assert web.get(f"/shops/{shop.id}/move", expect_errors=True).status_int == 403
    response = forge(
        web,
        f"/shops/{shop.id}/move",
        {"grid_id": str(world.grid_a2.id), "house_id": "0", "address": "东关路99号", "day": "2025-03-01"},
    )
    assert response.status_int == 403
    nothing_moved(world, shop)
