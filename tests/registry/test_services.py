"""Rules of the population register, tested without the web layer."""

from datetime import date

import pytest
from sqlalchemy import select

from app.extensions import db
from app.registry.people import services
from app.registry.people.models import HouseholdMember, PopulationEvent, Resident
from tests.factories import make_id_number


def values(name="张三", **overrides):
    data = {"name": name, "id_number": make_id_number()}
    data.update(overrides)
    return services.ResidentValues(**data)


def household(world, number="001", grid=None):
    grid = grid or world.grid_a
    return services.create_household(
        services.HouseholdValues(
            household_number=number,
            building_id=world.building_a.id if grid is world.grid_a else None,
            unit="2",
            room="501",
            address_text="" if grid is world.grid_a else "滨河路1号",
        ),
        grid,
    )


def test_registering_derives_sex_birth_date_and_pinyin(world):
    resident = services.register_resident(values(id_number=make_id_number("19850315", 7, male=False)), world.grid_a)
    assert resident.sex == "F" and resident.birth_date == date(1985, 3, 15)
    assert (resident.name_pinyin, resident.name_initials) == ("zhangsan", "zs")
    event = db.session.scalar(select(PopulationEvent).where(PopulationEvent.resident_id == resident.id))
    assert event.kind == "registered" and event.after["name"] == "张三"


def test_id_number_is_validated_and_normalised(world):
    good = make_id_number("19900101", 3)
    resident = services.register_resident(values(id_number=" " + good[:-1] + good[-1].lower() + " "), world.grid_a)
    assert resident.id_number == good.upper()
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    with pytest.raises(services.RegistryError, match="校验位") as info:
        services.register_resident(values("李四", id_number=bad), world.grid_a)
    assert info.value.field == "id_number"


def test_the_same_id_number_only_once_in_the_county_naming_the_station_only(world):
    number = make_id_number("19700101", 9)
    services.register_resident(
        values("王五", id_number=number, phone="13912345678", current_address="滨河路8号"), world.grid_b
    )
    with pytest.raises(services.RegistryError) as info:
        services.register_resident(values("王五", id_number=number), world.grid_a)
    message = str(info.value)
    assert "河西街道滨河社区" in message and "滨河一网格" in message
    assert "13912345678" not in message and "滨河路8号" not in message and "王五" not in message


def test_phone_is_validated(world):
    with pytest.raises(services.RegistryError) as info:
        services.register_resident(values(phone="12345"), world.grid_a)
    assert info.value.field == "phone"
    resident = services.register_resident(values(phone="+86 139-1234-5678"), world.grid_a)
    assert resident.phone == "13912345678"


def test_correction_keeps_only_what_changed_before_and_after(world):
    resident = services.register_resident(values(), world.grid_a)
    services.update_resident(resident, values(workplace="县医院", id_number=resident.id_number))
    event = db.session.scalars(select(PopulationEvent).where(PopulationEvent.kind == "corrected")).one()
    assert event.before == {"workplace": ""} and event.after == {"workplace": "县医院"}


def test_household_head_change_keeps_history(world):
    home = household(world)
    father = services.register_resident(values("张父", id_number=make_id_number("19500101", 1)), world.grid_a)
    son = services.register_resident(values("张子", id_number=make_id_number("19800101", 2)), world.grid_a)
    services.add_member(home, father, "head", date(2020, 1, 1))
    services.add_member(home, son, "child", date(2020, 1, 1))
    assert home.address == "东关路1号2单元501室"
    services.change_head(home, son, date(2024, 5, 1), old_head_relation="parent")
    db.session.commit()
    assert home.head_id == son.id
    rows = db.session.scalars(
        select(HouseholdMember).where(HouseholdMember.household_id == home.id).order_by(HouseholdMember.id)
    ).all()
    assert [(r.resident.name, r.relation, r.end_date) for r in rows] == [
        ("张父", "head", date(2024, 5, 1)),
        ("张子", "child", date(2024, 5, 1)),
        ("张父", "parent", None),
        ("张子", "head", None),
    ]
    event = db.session.scalars(select(PopulationEvent).where(PopulationEvent.kind == "head_changed")).one()
    assert event.before["head"] == "张父" and event.after["head"] == "张子"


def test_member_rules(world):
    home, other = household(world, "001"), household(world, "002")
    a = services.register_resident(values("甲", id_number=make_id_number("19600101", 1)), world.grid_a)
    b = services.register_resident(values("乙", id_number=make_id_number("19600101", 2)), world.grid_a)
    with pytest.raises(services.RegistryError, match="还没有户主"):
        services.add_member(home, b, "spouse", date(2024, 1, 1))
    services.add_member(home, a, "head", date(2024, 1, 1))
    with pytest.raises(services.RegistryError, match="已有户主"):
        services.add_member(home, b, "head", date(2024, 1, 1))
    services.add_member(home, b, "spouse", date(2024, 1, 1))
    with pytest.raises(services.RegistryError, match="户号 001"):
        services.add_member(other, b, "head", date(2024, 1, 1))
    with pytest.raises(services.RegistryError, match="户主"):
        services.remove_member(home.current_members[0], date(2024, 2, 1))


def test_split_and_merge_households(world):
    home = household(world, "001")
    head = services.register_resident(values("甲", id_number=make_id_number("19600101", 1)), world.grid_a)
    son = services.register_resident(values("乙", id_number=make_id_number("19850101", 2)), world.grid_a)
    wife = services.register_resident(values("丙", id_number=make_id_number("19860101", 3, male=False)), world.grid_a)
    for person, relation in ((head, "head"), (son, "child"), (wife, "other")):
        services.add_member(home, person, relation, date(2020, 1, 1))
    new = services.split_household(
        home,
        [son.id, wife.id],
        services.HouseholdValues(household_number="003", address_text="东关路1号3单元"),
        son.id,
        date(2024, 6, 1),
    )
    assert [m.resident.name for m in home.current_members] == ["甲"]
    assert new.head_id == son.id and {m.resident.name for m in new.current_members} == {"乙", "丙"}
    services.merge_households(home, new, date(2025, 1, 1))
    assert {m.resident.name for m in home.current_members} == {"甲", "乙", "丙"}
    assert new.status == "closed" and new.current_members == []
    kinds = list(db.session.scalars(select(PopulationEvent.kind).where(PopulationEvent.household_id.is_not(None))))
    assert "household_split" in kinds and "household_merged" in kinds


def test_death_ends_membership_and_is_a_population_change(world):
    home = household(world)
    head = services.register_resident(values("甲", id_number=make_id_number("19400101", 1)), world.grid_a)
    services.add_member(home, head, "head", date(2020, 1, 1))
    services.end_residence(head, "death", date(2025, 3, 1), note="病故")
    assert head.status == "deceased" and home.current_members == [] and home.head_id is None
    event = db.session.scalars(select(PopulationEvent).where(PopulationEvent.kind == "death")).one()
    assert event.occurred_on == date(2025, 3, 1) and event.before["status"] == "active"


def test_resident_scoping(world):
    from app.core.scoping import scoped_select

    services.register_resident(values("甲", id_number=make_id_number("19600101", 1)), world.grid_a)
    services.register_resident(values("乙", id_number=make_id_number("19600101", 2)), world.grid_b)
    db.session.commit()
    names = lambda user: {r.name for r in db.session.scalars(scoped_select(Resident, user))}
    assert names(world.users["worker_a"]) == {"甲", "张伟"}
    assert names(world.users["station_a"]) == {"甲", "张伟"}
    assert names(world.users["admin"]) == {"甲", "乙", "张伟", "李娜"}
    assert names(world.users["dept"]) == set()


def test_registers_hub_counts_in_scope_and_hides_key_persons_from_others(client_as, world):
    from tests.conftest import text_of

    page = text_of(client_as("worker_a").get("/registers/"))
    assert "重点人员" in page and "实有人口 1" in page
    page = text_of(client_as("leader_a").get("/registers/"))
    assert "重点人员" not in page and "十户联防 1" in page


def test_key_person_listings_follow_a_resident_who_moves_grid(world):
    from app.registry.people.models import KeyPerson

    resident = world.residents["a"]
    listing = db.session.scalar(select(KeyPerson).where(KeyPerson.resident_id == resident.id))
    services.remove_member(resident.current_membership, date(2025, 1, 1))
    services.add_member(world.households["b"], resident, "other", date(2025, 1, 2))
    assert resident.grid_id == world.grid_b.id and listing.grid_id == world.grid_b.id
