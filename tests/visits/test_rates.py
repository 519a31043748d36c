"""Verification rates by class and tier, the key-group quota and visit coverage,
against hand-computed figures."""

from datetime import date

import pytest
from sqlalchemy import select

from app.core.database import write_transactions
from app.extensions import db
from app.org.models import StaffAssignment, StaffMember, StaffRole
from app.registry.people import services as registry
from app.registry.people.models import KeyPerson, KeyPersonCategory, PopulationEvent
from app.visits import rates, services
from app.visits.models import Visit
from tests.factories import START, make_id_number

TODAY = date(2026, 11, 22)
Q4 = (date(2026, 10, 1), date(2026, 12, 31))


def _households(world, grid, building, prefix, levels):
    made = []
    for i, level in enumerate(levels):
        made.append(
            registry.create_household(
                registry.HouseholdValues(
                    household_number=f"{prefix}{i}",
                    visit_class=level,
                    building_id=building.id if building else None,
                    address_text="" if building else f"{prefix}村{i}号",
                ),
                grid,
            )
        )
    return made


def _visit(household, staff, day=date(2026, 11, 2), kind="verification"):
    if kind in ("verification", "annual_check"):
        services.record_verification(
            household,
            services.VerificationValues(
                visited_on=day, visit_type=kind, visitor_ids=[staff.id], found="核实人口信息", record_check="accurate"
            ),
        )
    else:
        services.record_visit(
            household, services.VisitValues(visited_on=day, visit_type=kind, visitor_ids=[staff.id], found="走访")
        )


def _station_clerk(world):
    """Staff of 东关社区's workstation (assigned to the community, not to a grid)."""
    station = StaffMember(home_division=world.community_a, name="站员")
    db.session.add(station)
    db.session.add(
        StaffAssignment(
            staff=station, division=world.community_a, role=StaffRole.OTHER.value, role_note="工作站", start_date=START
        )
    )
    db.session.flush()
    return station


def _neighbour(world):
    """A worker of 东关二网格: for 东关一网格 a 片区 verifier (another grid of the community)."""
    member = StaffMember(home_division=world.community_a, name="邻格员")
    db.session.add(member)
    db.session.add(
        StaffAssignment(staff=member, division=world.grid_a2, role=StaffRole.FULL_TIME_WORKER.value, start_date=START)
    )
    db.session.flush()
    return member


@pytest.fixture()
def verified(app, world):
    """grid_a: 2 class 一, 3 class 二, 5 class 三 (with the factory's A001); the 片区
    verifier (grid_a2's worker) verifies one of each class, the station clerk one class
    一; noise that must not count, among it a verification by grid_a's own worker kept
    from before the rule."""
    with write_transactions():
        station = _station_clerk(world)
        neighbour = _neighbour(world)
        ones = _households(world, world.grid_a, world.building_a, "V1-", [1, 1])
        twos = _households(world, world.grid_a, world.building_a, "V2-", [2, 2, 2])
        threes = _households(world, world.grid_a, world.building_a, "V3-", [3, 3, 3, 3])
        worker = world.staff["worker_a"]
        _visit(ones[0], neighbour)
        _visit(ones[0], neighbour, date(2026, 11, 9))  # twice: counts once
        _visit(twos[0], neighbour)
        _visit(threes[0], neighbour)
        _visit(ones[1], station)
        _visit(twos[1], worker, kind="routine")  # not a verification
        _visit(twos[2], neighbour, date(2026, 9, 30))  # last quarter
        own = Visit(
            grid_id=world.grid_a.id,
            household_id=threes[1].id,
            visited_on=date(2026, 11, 3),
            visit_type="verification",
            found="本网格自己核实",
        )
        own.visitors = [worker]
        db.session.add(own)
        # grid_a2 (same community): one class 一 household verified by the station.
        other = _households(world, world.grid_a2, None, "W1-", [1])
        _visit(other[0], station)
        db.session.commit()
    return world


def _row(rows, level):
    return next(r for r in rows if r.level == level)


def test_grid_rates_against_targets(verified):
    world = verified
    rows = rates.verification_rates([world.grid_a.id], *Q4, TODAY)
    one, two, three = _row(rows, 1), _row(rows, 2), _row(rows, 3)
    assert (one.households, one.verified, one.targets) == (2, {"area": 1, "station": 1}, {"area": 50, "station": 50})
    assert one.percent("area") == 50.0 and one.meets("area") and one.meets("station")
    assert (two.households, two.verified["area"]) == (3, 1)
    assert round(two.percent("area"), 1) == 33.3 and two.meets("area")
    assert (three.households, three.verified, three.targets) == (
        5,
        {"area": 1, "station": 0},
        {"area": 20, "station": 10},
    )
    assert three.percent("area") == 20.0 and three.meets("area")
    assert three.percent("station") == 0.0 and three.meets("station") is False


def test_community_and_town_rates_sum_the_grids(verified):
    world = verified
    for division in (world.community_a, world.town_a):
        grid_ids = [g.id for g in rates.grids_under(division)]
        one = _row(rates.verification_rates(grid_ids, *Q4, TODAY), 1)
        # 3 class 一 households; area verified 1 (grid_a2's worker in grid_a), station 2.
        assert (one.households, one.verified) == (3, {"area": 1, "station": 2})
        assert round(one.percent("area"), 1) == 33.3 and one.meets("area") is False
        assert round(one.percent("station"), 1) == 66.7 and one.meets("station")


def test_targets_come_from_the_settings(verified, app):
    app.config["VISIT_VERIFICATION_TARGETS"] = {"area": {1: 60, 2: 30, 3: 20}, "station": {1: 50, 2: 30, 3: 10}}
    one = _row(rates.verification_rates([verified.grid_a.id], *Q4, TODAY), 1)
    assert one.targets["area"] == 60 and one.meets("area") is False


def test_class_for_the_rate_is_the_class_at_quarter_end(verified):
    world = verified
    household = db.session.query(registry.Household).filter_by(household_number="V1-0").one()
    with write_transactions():
        registry.update_household(
            household,
            registry.HouseholdValues(
                household_number="V1-0", visit_class=3, building_id=world.building_a.id, unit="", room=""
            ),
        )
        event = db.session.query(PopulationEvent).filter_by(household_id=household.id, kind="corrected").one()
        event.occurred_on = date(2026, 11, 20)
        db.session.commit()
    # Changed on 20 Nov: for Q3 (ended 30 Sep) the household was still class 一.
    q3 = rates.verification_rates([world.grid_a.id], date(2026, 7, 1), date(2026, 9, 30), TODAY)
    assert _row(q3, 1).households == 2 and _row(q3, 3).households == 5
    q4 = rates.verification_rates([world.grid_a.id], *Q4, TODAY)
    assert _row(q4, 1).households == 1 and _row(q4, 3).households == 6
    assert _row(q4, 3).verified["area"] == 2
    # Asked on 19 November, before the change: V1-0 and its verification are class 一's.
    before = rates.verification_rates([world.grid_a.id], *Q4, date(2026, 11, 19))
    assert _row(before, 1).households == 2 and _row(before, 3).households == 5
    assert _row(before, 1).verified["area"] == _row(q4, 1).verified["area"] + 1
    assert _row(before, 3).verified["area"] == 1


def test_key_group_quota_counts_households_the_station_visited(app, world):
    with write_transactions():
        station = _station_clerk(world)
        category = db.session.query(KeyPersonCategory).filter_by(code="released").one()
        homes = _households(world, world.grid_a, world.building_a, "K-", [3, 3, 3])
        for i, home in enumerate(homes):
            person = registry.register_resident(
                registry.ResidentValues(name=f"重点{i}", id_number=make_id_number("19900101", 40 + i)), world.grid_a
            )
            registry.add_member(home, person, "head", START)
            db.session.add(
                KeyPerson(resident_id=person.id, category=category, grid_id=world.grid_a.id, start_date=START)
            )
        db.session.flush()
        _visit(homes[0], station, kind="key")
        _visit(homes[0], station, date(2026, 11, 3), kind="key")  # the same household again
        _visit(homes[1], station, kind="routine")
        _visit(homes[2], world.staff["worker_a"], kind="key")  # the grid's own worker: not the community
        quota = rates.key_group_quota([world.grid_a.id, world.grid_b.id], *Q4)
        # grid_a: the factory's A001 (a released prisoner) and K-0..2 = 4 key households, 2 visited.
        assert (quota[world.grid_a.id].key_households, quota[world.grid_a.id].visited) == (4, 2)
        assert quota[world.grid_a.id].required == 3 and not quota[world.grid_a.id].met
        # grid_b: one key household, so one is enough; not visited this quarter.
        assert (quota[world.grid_b.id].required, quota[world.grid_b.id].visited) == (1, 0)
        _visit(homes[2], station, date(2026, 10, 2), kind="key")
        assert rates.key_group_quota([world.grid_a.id], *Q4)[world.grid_a.id].met


def test_visit_coverage(verified):
    world = verified
    coverage = services.visit_coverage([world.grid_a.id], Q4)
    # 10 active households; V1-0 (twice), V2-0, V3-0, V1-1, V2-1, V3-1 (its own worker's
    # 核实, a visit still) visited in Q4 = 6 households, 7 visits.
    assert (coverage.households, coverage.visited_households, coverage.visits) == (10, 6, 7)
    assert coverage.rate == 0.6
    assert services.visit_coverage([], Q4).rate is None


def test_visit_coverage_by_group(verified):
    """Groups of grids counted in one pass give each group's own figures; a household
    visited in grid A and, after moving, in grid B counts once in a group holding
    both grids and once in each group when they are apart."""
    world = verified
    moved = db.session.scalar(
        select(Visit.household_id).where(Visit.grid_id == world.grid_a.id, Visit.visited_on >= Q4[0]).limit(1)
    )
    with write_transactions():
        db.session.add(
            Visit(
                grid_id=world.grid_b.id,
                household_id=moved,
                visited_on=date(2026, 11, 20),
                visit_type="routine",
                found="搬到新网格后走访",
            )
        )
        db.session.commit()
    alone_b = services.visit_coverage([world.grid_b.id], Q4)
    apart = services.visit_coverage_by_group([[world.grid_a.id], [], [world.grid_b.id]], Q4)
    assert [(c.households, c.visited_households, c.visits) for c in apart] == [
        (10, 6, 7),
        (0, 0, 0),
        (alone_b.households, alone_b.visited_households, alone_b.visits),
    ]
    together = services.visit_coverage_by_group([[world.grid_a.id, world.grid_b.id]], Q4)[0]
    assert together.households == 10 + alone_b.households
    assert together.visits == 7 + alone_b.visits
    assert together.visited_households == 6 + alone_b.visited_households - 1
    assert services.visit_coverage_by_group([], Q4) == []


def test_a_verification_is_by_someone_else(verified):
    """The grid's own staff are not offered and are refused; the station and the other
    grids' staff are; the yearly check needs the station."""
    world = verified
    offered = {s.name for s in services.verifier_choices(world.grid_a, TODAY)}
    assert offered == {"站员", "邻格员"}
    household = db.session.query(registry.Household).filter_by(household_number="V3-2").one()
    with pytest.raises(services.VisitError) as refused:
        _visit(household, world.staff["worker_a"])
    assert refused.value.field == "visitor_ids"
    neighbour = db.session.query(StaffMember).filter_by(name="邻格员").one()
    with pytest.raises(services.VisitError) as refused:
        _visit(household, neighbour, kind="annual_check")
    assert str(refused.value) == "年度入户核实须有社区工作站人员参加。"
    with pytest.raises(services.VisitError) as refused:
        services.record_visit(
            household,
            services.VisitValues(
                visited_on=TODAY, visit_type="verification", visitor_ids=[world.staff["worker_a"].id], found="x"
            ),
        )
    assert refused.value.field == "visit_type"


def test_the_yearly_check_counts_households_the_station_checked(verified):
    """年度入户核实: grid_a holds 10 active households; the station checks two (one twice,
    one last year), the 片区 worker's quarterly 核实 is not the yearly check."""
    world = verified
    station = db.session.query(StaffMember).filter_by(name="站员").one()
    homes = {h.household_number: h for h in db.session.query(registry.Household).filter_by(grid_id=world.grid_a.id)}
    with write_transactions():
        _visit(homes["V2-0"], station, date(2026, 3, 5), kind="annual_check")
        _visit(homes["V2-0"], station, date(2026, 11, 5), kind="annual_check")
        _visit(homes["V3-3"], station, date(2026, 6, 1), kind="annual_check")
        _visit(homes["V3-2"], station, date(2025, 12, 30), kind="annual_check")
        db.session.commit()
    checks = rates.annual_checks([world.grid_a.id, world.grid_a2.id], 2026, TODAY)
    assert (checks[world.grid_a.id].households, checks[world.grid_a.id].checked) == (10, 2)
    assert checks[world.grid_a.id].percent == 20.0 and not checks[world.grid_a.id].complete
    assert (checks[world.grid_a2.id].households, checks[world.grid_a2.id].checked) == (1, 0)
    total = rates.annual_total(checks)
    assert (total.households, total.checked) == (11, 2)
    assert rates.annual_checks([world.grid_a.id], 2025, TODAY)[world.grid_a.id].checked == 1


def test_parse_quarter():
    assert rates.parse_quarter("2026-Q3", TODAY) == (date(2026, 7, 1), date(2026, 9, 30))
    assert rates.parse_quarter("junk", TODAY) == Q4
    assert rates.quarter_label(date(2026, 10, 1)) == "2026-Q4"
