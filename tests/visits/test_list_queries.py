"""A grid's visit list shows each household's address (its building): the page must
not cost a query per building."""

from datetime import date

from app.extensions import db
from app.org.models import Building
from app.registry.people import services as registry
from app.visits.models import Visit
from tests.conftest import statements_of


def _visits_in_new_buildings(world, number: int, first: int) -> None:
    for i in range(first, first + number):
        building = Building(community=world.community_a, grid=world.grid_a, number=f"{i}号楼", address=f"东关路{i}号")
        db.session.add(building)
        db.session.flush()
        household = registry.create_household(
            registry.HouseholdValues(household_number=f"Q{i:03d}", building_id=building.id, unit="1", room="101"),
            world.grid_a,
        )
        visit = Visit(
            grid_id=world.grid_a.id, household_id=household.id, visited_on=date(2026, 11, 2), found=f"情况{i}"
        )
        visit.visitors = [world.staff["worker_a"]]
        db.session.add(visit)
    db.session.commit()


def test_grid_visit_list_costs_the_same_for_2_or_12_buildings(client_as, world):
    client = client_as("worker_a")
    _visits_in_new_buildings(world, 2, 10)
    few = statements_of(client, f"/visits/grids/{world.grid_a.id}/visits")
    _visits_in_new_buildings(world, 10, 20)
    html = client.get(f"/visits/grids/{world.grid_a.id}/visits").get_data(as_text=True)
    assert "东关路25号" in html
    assert statements_of(client, f"/visits/grids/{world.grid_a.id}/visits") == few
