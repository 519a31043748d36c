"""The inspection list reads its rows in a fixed number of queries: inspections of
registered shops must not cost a query per row for the shop's name."""

from datetime import date

from app.extensions import db
from app.registry.housing.models import Shop
from app.supervision.models import Inspection
from tests.conftest import statements_of


def _inspections(world, number: int) -> None:
    for i in range(number):
        shop = Shop(grid_id=world.grid_a.id, name=f"便民超市{number}-{i}")
        db.session.add(shop)
        db.session.flush()
        db.session.add(
            Inspection(
                grid_id=world.grid_a.id,
                shop_id=shop.id,
                point=shop.name,
                inspected_on=date(2026, 11, 2),
                inspectors="督查组",
                items_checked="门前三包",
            )
        )
    db.session.commit()


def test_inspection_list_costs_the_same_for_2_or_12_shops_inspected(client_as, world):
    client = client_as("town_a")
    _inspections(world, 2)
    few = statements_of(client, "/inspections/")
    _inspections(world, 10)
    page = client.get("/inspections/").get_data(as_text=True)
    assert "便民超市10-9" in page
    assert statements_of(client, "/inspections/") == few
