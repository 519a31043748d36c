"""商铺搬迁: a shop moving is a dated population change by a named user that updates
the shop register, keeps the old and new address, and shows in the change feed of
the grid it left and the grid it reached; the form's rules at their fields."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.auth.models import AuditEvent
from app.core.timeutil import local_today
from app.extensions import db
from app.registry import housing_services as housing
from app.registry import shop_services
from app.registry.housing_models import House, Shop
from app.registry.models import PopulationEvent
from tests.conftest import fresh, text_of


@pytest.fixture()
def shop(world):
    """An open shop at a typed address in grid 东关一网格 (worker_a's)."""
    created = shop_services.create_shop(shop_services.ShopValues(
        name="东关小吃店", business_type="catering", operator=housing.PersonValues(name="赵强"),
        address="东关路8号"), world.grid_a, user=world.users["station_a"])
    db.session.commit()
    return created


def move_form(world, **overrides):
    data = {"grid_id": str(world.grid_a2.id), "house_id": "0", "address": "东关路99号",
            "day": "2025-03-01", "note": "原址拆迁"}
    data.update(overrides)
    return data


def test_a_shop_moving_to_another_grid_shows_in_both_feeds(client_as, world, shop):
    station = client_as("station_a")
    assert "搬迁" in text_of(station.get(f"/shops/{shop.id}"))
    response = station.post(f"/shops/{shop.id}/move", data=move_form(world))
    assert response.status_code == 303, text_of(response)
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

    history = text_of(station.get(f"/shops/{shop.id}"))
    assert "搬迁记录" in history and "东关路8号 → 东关路99号" in history and "原址拆迁" in history


def test_moving_into_a_house_marks_it_and_frees_the_old_one(client_as, world):
    old_house = House(grid_id=world.grid_a.id, building_id=world.building_a.id, unit="1", room="103", use="own")
    new_house = House(grid_id=world.grid_a.id, building_id=world.building_a.id, unit="2", room="201", use="vacant")
    db.session.add_all([old_house, new_house])
    db.session.commit()
    shop = shop_services.create_shop(shop_services.ShopValues(name="东关五金", business_type="retail",
                                                  operator=housing.PersonValues(name="钱进"), house_id=old_house.id),
                               world.grid_a, user=world.users["worker_a"])
    db.session.commit()
    assert db.session.get(House, old_house.id).use == "shop"
    response = client_as("worker_a").post(f"/shops/{shop.id}/move", data=move_form(
        world, grid_id=str(world.grid_a.id), house_id=str(new_house.id), address=""))
    assert response.status_code == 303, text_of(response)
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


@pytest.mark.parametrize("overrides, message", [
    ({"address": ""}, "请选择房屋，或填写新的经营地址"),
    ({"grid_id": None, "address": "东关路8号"}, "新地址与现经营地址相同"),
    ({"day": ""}, "请输入有效日期"),
    ({"day": "future"}, "日期不能晚于今天"),
    ({"grid_id": "b"}, "请选择您管辖范围内的在用网格"),
    ({"house_id": "other-grid"}, "请选择迁往网格内的房屋"),
])
def test_rules_are_shown_at_their_fields(client_as, world, shop, overrides, message):
    data = move_form(world, **overrides)
    if overrides.get("grid_id", "") is None:
        data["grid_id"] = str(world.grid_a.id)
    if data["grid_id"] == "b":
        data["grid_id"] = str(world.grid_b.id)
    if data["day"] == "future":
        data["day"] = (local_today() + timedelta(days=1)).isoformat()
    if data["house_id"] == "other-grid":
        data["house_id"] = str(world.records["a"]["house"].id)  # a house of 东关一网格, not 东关二网格
    response = client_as("station_a").post(f"/shops/{shop.id}/move", data=data)
    assert response.status_code == 200 and message in text_of(response)
    assert 'class="error"' in response.get_data(as_text=True)
    fresh()
    assert db.session.get(Shop, shop.id).grid_id == world.grid_a.id
    assert db.session.scalar(select(PopulationEvent.id).where(PopulationEvent.kind == "shop_moved")) is None


def test_without_js_a_house_of_the_old_grid_shows_the_new_grids_houses(client_as, world, shop):
    house_b2 = House(grid_id=world.grid_a2.id, address_text="东关二巷5号", use="vacant")
    db.session.add(house_b2)
    db.session.commit()
    response = client_as("station_a").post(f"/shops/{shop.id}/move", data=move_form(
        world, house_id=str(world.records["a"]["house"].id)))
    html = response.get_data(as_text=True)
    assert "东关二巷5号" in html and "东关路1号1单元102室" not in html


def test_choosing_a_grid_swaps_the_house_field(client_as, world, shop):
    db.session.add(House(grid_id=world.grid_a2.id, address_text="东关二巷5号", use="vacant"))
    db.session.commit()
    response = client_as("station_a").get(f"/shops/{shop.id}/move?grid_id={world.grid_a2.id}",
                                          headers={"HX-Request": "true", "HX-Target": "house-field"})
    html = response.get_data(as_text=True)
    assert "<html" not in html and "东关二巷5号" in html


def test_a_closed_shop_is_not_moved(client_as, world, shop):
    shop.status = "closed"
    db.session.commit()
    response = client_as("station_a").post(f"/shops/{shop.id}/move", data=move_form(world))
    assert "已停业的商铺不能登记搬迁" in text_of(response)


def test_leaders_may_not_move_a_shop(client_as, world, shop):
    client = client_as("leader_a")
    assert client.get(f"/shops/{shop.id}").status_code == 200
    assert client.get(f"/shops/{shop.id}/move").status_code == 403
    assert client.post(f"/shops/{shop.id}/move", data=move_form(world)).status_code == 403
