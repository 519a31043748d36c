"""In a real browser at 1024 px: the county administrator sets a visit frequency and
adds a key-person category; a station moves a shop to another grid (the house list
follows the chosen grid through htmx) and finds the move in the change feed."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.core.database import write_transactions
from app.extensions import db
from app.org.models import Division
from app.registry.housing import services as housing
from app.registry.housing import shop_services
from app.registry.housing.models import House
from tests.browser.conftest import snap
from tests.browser.test_registers import log_in

pytestmark = pytest.mark.browser


def test_visit_classes_and_key_person_categories(page, live_server, world_ids):
    log_in(page, live_server, "admin")
    page.goto(live_server("/registers/"))
    page.get_by_role("link", name="走访分类和走访频次").click()
    expect(page.locator("#visit-class-3")).to_contain_text("每季度至少走访 2 次")
    snap(page, "visit-classes")
    page.locator("#visit-class-3").get_by_role("link", name="修改").click()
    page.get_by_label("至少走访次数").fill("3")
    page.get_by_label("周期").select_option(label="每月")
    snap(page, "visit-class-form")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#visit-class-3")).to_contain_text("每月至少走访 3 次")

    page.goto(live_server("/key-person-categories/"))
    expect(page.locator("main")).to_contain_text("新添加的类别只有通用登记项目")
    page.get_by_label("类别名称").fill("涉邪人员")
    page.get_by_label("跟进周期（天）").fill("0")
    page.get_by_role("button", name="添加类别").click()
    expect(page.locator(".field.has-error")).to_contain_text("请填写 1 到 365 之间的整数")
    page.get_by_label("跟进周期（天）").fill("15")
    page.get_by_role("button", name="添加类别").click()
    expect(page.locator(".flash")).to_contain_text("已添加类别：涉邪人员")
    expect(page.locator("main")).to_contain_text("仅通用项目")
    snap(page, "key-person-categories")


def test_a_station_moves_a_shop_to_another_grid(page, live_server, world_ids):
    with live_server.app.app_context():
        with write_transactions():
            grid_a2 = db.session.query(Division).filter_by(name="东关二网格").one()
            db.session.add(House(grid_id=grid_a2.id, address_text="东关二巷5号", use="vacant"))
            shop = shop_services.create_shop(
                shop_services.ShopValues(
                    name="东关小吃店",
                    business_type="catering",
                    operator=housing.PersonValues(name="赵强"),
                    address="东关路8号",
                ),
                db.session.get(Division, world_ids.grid_a),
                user=None,
            )
            db.session.commit()
            shop_id = shop.id
        db.session.remove()
    log_in(page, live_server, "station_a")
    page.goto(live_server(f"/shops/{shop_id}"))
    page.get_by_role("link", name="搬迁").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("商铺搬迁：东关小吃店")
    page.wait_for_load_state()  # htmx set up: a choice made before then is sent with the form instead
    page.get_by_label("迁往网格").select_option(label="东关社区 · 东关二网格")
    expect(page.get_by_label("新经营房屋")).to_contain_text("东关二巷5号")  # swapped by htmx
    page.get_by_label("新经营房屋").select_option(label="东关二巷5号")
    page.get_by_label("说明").fill("原址拆迁")
    snap(page, "shop-move")
    page.get_by_role("button", name="确认搬迁").click()
    expect(page.locator(".flash")).to_contain_text("已登记商铺搬迁")
    expect(page.locator("main")).to_contain_text("搬迁记录")
    page.goto(live_server(f"/population-changes/?grid={world_ids.grid_a}"))
    expect(page.locator("#change-rows")).to_contain_text("东关一网格 → 东关二网格")
    expect(page.locator("#change-rows")).to_contain_text("经营地址：东关路8号 → 东关二巷5号")
    snap(page, "change-feed-shop-move")
