"""批量调整: households of a grid moved together to another grid of the community, or
given another visit class, from the household list — with the events of doing it one
household at a time."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.org.models import Building
from app.registry.housing.models import House, Rental
from app.registry.keypersons.models import KeyPerson
from app.registry.organisations.models import JointDefenceMember
from app.registry.people.models import Household, PopulationEvent, Resident
from tests.conftest import fresh
from tests.web import forge, form_on, options, press, visible_text


def _bulk_page(web, world):
    """From the household list of grid A: 批量调整."""
    return web.get(f"/households/?grid={world.grid_a.id}").click(description="批量调整")


def _second_household(world):
    building = Building(community=world.community_a, grid=world.grid_a, number="5号楼", address="东关路5号")
    db.session.add(building)
    db.session.flush()
    household = Household(grid_id=world.grid_a.id, building_id=building.id, household_number="A-5")
    db.session.add(household)
    db.session.commit()
    return household


def test_ticked_households_move_to_another_grid_of_the_community_with_their_people(web_as, world):
    other = _second_household(world)
    page = _bulk_page(web_as("town_a"), world)
    form = form_on(page)
    assert form.get("household", index=0).checked and form.get("household", index=1).checked  # all, until unticked
    for index in (0, 1):
        if form.get("household", index=index)._value == str(other.id):
            form.get("household", index=index).checked = False
    form["to_grid"] = str(world.grid_a2.id)
    form["reason"] = "道路改线，楼栋划入二网格"
    done = press(form, "调整网格")
    assert done.status_int == 303, visible_text(done)[:500]
    assert "已将 1 户调整到 东关二网格" in visible_text(done.follow())
    fresh()
    household, resident = world.households["a"], world.residents["a"]
    assert db.session.get(Household, household.id).grid_id == world.grid_a2.id
    assert db.session.get(Resident, resident.id).grid_id == world.grid_a2.id
    assert db.session.get(KeyPerson, world.records["a"]["key_person"].id).grid_id == world.grid_a2.id
    assert db.session.get(Household, other.id).grid_id == world.grid_a.id  # unticked: stays
    # Its building emptied: the building, its house and the house's rental go along; the
    # unticked household's building stays.
    assert db.session.get(Building, world.building_a.id).grid_id == world.grid_a2.id
    assert db.session.get(House, world.records["a"]["house"].id).grid_id == world.grid_a2.id
    assert db.session.get(Rental, world.records["a"]["rental"].id).grid_id == world.grid_a2.id
    assert db.session.get(Building, other.building_id).grid_id == world.grid_a.id
    # Its 十户联防 group stays in grid A: the household leaves it.
    assert db.session.scalar(select(JointDefenceMember).where(JointDefenceMember.household_id == household.id)) is None
    event = db.session.scalar(
        select(PopulationEvent).where(
            PopulationEvent.household_id == household.id, PopulationEvent.kind == "grid_adjusted"
        )
    )
    assert (event.from_grid_id, event.grid_id, event.note) == (
        world.grid_a.id,
        world.grid_a2.id,
        "道路改线，楼栋划入二网格",
    )


def test_a_move_needs_a_target_and_a_reason_and_keeps_what_was_chosen(web_as, world):
    form = form_on(_bulk_page(web_as("town_a"), world))
    form["reason"] = "x"
    page = press(form, "调整网格")
    assert page.status_int == 200 and "请选择本社区（村）的另一网格" in visible_text(page)
    assert form_on(page)["reason"].value == "x"
    fresh()
    assert db.session.get(Household, world.households["a"].id).grid_id == world.grid_a.id


def test_many_visit_classes_at_once_with_a_correction_each(web_as, world):
    other = _second_household(world)
    form = form_on(_bulk_page(web_as("worker_a"), world))
    form["visit_class"] = "1"
    done = press(form, "更改走访分类")
    assert done.status_int == 303
    assert "已更改 2 户的走访分类" in visible_text(done.follow())
    fresh()
    for household_id in (world.households["a"].id, other.id):
        assert db.session.get(Household, household_id).visit_class == 1
        corrected = db.session.scalar(
            select(PopulationEvent).where(
                PopulationEvent.household_id == household_id, PopulationEvent.kind == "corrected"
            )
        )
        assert corrected.before["visit_class"] == 3 and corrected.after["visit_class"] == 1


def test_grid_workers_may_not_move_households_between_grids(web_as, world):
    web = web_as("worker_a")
    page = _bulk_page(web, world)
    assert "调整网格" not in visible_text(page)
    response = forge(
        web,
        f"/households/bulk?grid={world.grid_a.id}",
        {
            "household": str(world.households["a"].id),
            "to_grid": str(world.grid_a2.id),
            "reason": "x",
            "move": "调整网格",
        },
    )
    assert response.status_int == 403
    fresh()
    assert db.session.get(Household, world.households["a"].id).grid_id == world.grid_a.id


def test_only_grids_of_the_same_community_are_offered(web_as, world):
    form = form_on(_bulk_page(web_as("admin"), world))
    offered = [text for value, text in options(form, "to_grid") if value != "0"]
    assert offered and all("东关二网格" in text for text in offered)
