"""The import and the services share the rules of app.registry.people.rules but answer
their questions differently (lookups made once per file against per-record queries).
Both run here on the same values: the same refusal (message and field) or the same
cleaned values."""

from __future__ import annotations

import datetime as dt

import pytest

from app.core.timeutil import local_today
from app.registry.people import rules, services
from app.registry.people.services import HouseholdValues, RegistryError, ResidentValues
from tests.factories import make_id_number

TODAY = local_today()
FUTURE = TODAY + dt.timedelta(days=3)


def outcome(call):
    try:
        return "ok", call()
    except RegistryError as error:
        return "refused", (str(error), error.field)


RESIDENT_CASES = {
    "plain": ResidentValues(
        name=" 王五 ",
        id_number=make_id_number("19800101", 7),
        phone="137 0000 1111",
        registered_address=" 某村 ",
        workplace=" 县一中 ",
        note=" 备注 ",
    ),
    "lower-case x": ResidentValues(
        name="周一",
        id_number=next(n for n in (make_id_number("19800808", s) for s in range(60, 200)) if n.endswith("X")).lower(),
    ),
    "old 15-digit number": ResidentValues(name="老号", id_number="610102700101123"),
    "sex contradicting the number": ResidentValues(name="甲", id_number=make_id_number("19900101", 8), sex="F"),
    "birth date contradicting the number": ResidentValues(
        name="甲", id_number=make_id_number("19900101", 8), birth_date=dt.date(1991, 1, 1)
    ),
    "sex and birth from the number": ResidentValues(name="甲", id_number=make_id_number("19900101", 8)),
    "no name": ResidentValues(name="  ", id_number=make_id_number("19800101", 9)),
    "unknown ID type": ResidentValues(name="乙", id_type="library_card", id_number="123"),
    "bad check digit": ResidentValues(name="丙", id_number=make_id_number("19800101", 10)[:-1] + "0"),
    "future birth in the number": ResidentValues(name="丁", id_number=make_id_number("20991231", 11)),
    "no number": ResidentValues(name="戊"),
    "overseas without a number": ResidentValues(name="John", population_type="overseas"),
    "passport": ResidentValues(name="Anna", id_type="passport", id_number=" e1234567 ", birth_date=FUTURE),
    "other document, future birth": ResidentValues(
        name="己", id_type="other", id_number="无证明123", birth_date=FUTURE
    ),
    "landline": ResidentValues(name="庚", id_number=make_id_number("19800101", 12), phone="(0917)1234567"),
    "bad phone": ResidentValues(name="辛", id_number=make_id_number("19800101", 13), phone="12345"),
    "bad population type": ResidentValues(
        name="壬", id_number=make_id_number("19800101", 14), population_type="tourist"
    ),
    "bad political status": ResidentValues(
        name="癸", id_number=make_id_number("19800101", 15), political_status="royalist"
    ),
    "bad ethnicity": ResidentValues(name="子", id_number=make_id_number("19800101", 16), ethnicity="火星族"),
    "several faults: the first wins": ResidentValues(name="丑", id_number="123", phone="1", ethnicity="x"),
}


@pytest.mark.parametrize("case", list(RESIDENT_CASES))
def test_resident_rules_match_the_services(app, world, case):
    values = RESIDENT_CASES[case]
    ours = outcome(lambda: rules.clean_resident(values, lambda number: services._refuse_duplicate(number, None), TODAY))
    theirs = outcome(lambda: services._clean_resident(values, None))
    if theirs[0] == "ok":
        theirs[1].pop("name_pinyin"), theirs[1].pop("name_initials")  # written by the import itself
    assert ours == theirs


def test_a_number_in_the_register_is_refused_alike(app, world):
    values = ResidentValues(name="李娜", id_number=world.residents["b"].id_number)
    ours = outcome(lambda: rules.clean_resident(values, lambda number: services._refuse_duplicate(number, None), TODAY))
    assert ours == outcome(lambda: services._clean_resident(values, None))
    assert ours[0] == "refused" and "滨河一网格" in ours[1][0] and "李娜" not in ours[1][0]


def household_cases(world):
    return {
        "building": (HouseholdValues("H1", building_id=world.building_a.id, unit=" 2 ", room=" 201 "), False),
        "rural address": (
            HouseholdValues("H2", address_text=" 东关路9号 ", household_type="registered", visit_class=1),
            False,
        ),
        "no number": (HouseholdValues("  ", address_text="x"), False),
        "number taken": (HouseholdValues("A001", address_text="x"), True),
        "bad type": (HouseholdValues("H3", household_type="hotel", address_text="x"), False),
        "bad visit class": (HouseholdValues("H4", visit_class=7, address_text="x"), False),
        "building of another grid": (HouseholdValues("H5", building_id=world.building_b.id), False),
        "no such building": (HouseholdValues("H6", building_id=999_999), False),
        "neither building nor address": (HouseholdValues("H7", address_text="  "), False),
    }


@pytest.mark.parametrize(
    "case",
    [
        "building",
        "rural address",
        "no number",
        "number taken",
        "bad type",
        "bad visit class",
        "building of another grid",
        "no such building",
        "neither building nor address",
    ],
)
def test_household_rules_match_the_services(app, world, case):
    from app.extensions import db
    from app.org.models import Building
    from app.registry.transfer.xlsx_import import import_columns

    values, taken = household_cases(world)[case]
    levels = set(next(c for c in import_columns() if c.key == "visit_class").choices.values())

    def building_grid(building_id):
        building = db.session.get(Building, building_id)
        return building.grid_id if building is not None else False

    ours = outcome(
        lambda: rules.clean_household(
            values, world.grid_a.id, number_taken=taken, building_grid=building_grid, visit_levels=levels
        )
    )
    assert ours == outcome(lambda: services._clean_household(values, world.grid_a, None))
