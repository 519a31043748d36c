"""Due and overdue households against hand-computed dates, across class changes."""

from datetime import date, datetime

from app.core.database import write_transactions
from app.extensions import db
from app.registry.people import services as registry
from app.registry.people.models import PopulationEvent
from app.visits import schedule, services

TODAY = date(2026, 11, 22)


def test_seeded_frequencies(app):
    """The migration's defaults: 一类 twice a month, 二类 once a month, 三类 twice a quarter."""
    from app.registry.settings.visit_classes import visit_classes

    assert [(c.name, c.visits_required, c.visit_period) for c in visit_classes()] == [
        ("一类", 2, "month"),
        ("二类", 1, "month"),
        ("三类", 2, "quarter"),
    ]


def test_visits_are_spread_evenly_over_the_period():
    # Q4 2026 has 92 days: the first of two visits by day 46 (15 Nov), the second by 31 Dec.
    assert schedule.nth_due_day(date(2026, 10, 1), date(2026, 12, 31), 1, 2) == date(2026, 11, 15)
    assert schedule.nth_due_day(date(2026, 10, 1), date(2026, 12, 31), 2, 2) == date(2026, 12, 31)
    # November (30 days), twice: 15th and 30th; once: 30th.
    assert schedule.nth_due_day(date(2026, 11, 1), date(2026, 11, 30), 1, 2) == date(2026, 11, 15)
    assert schedule.nth_due_day(date(2026, 11, 1), date(2026, 11, 30), 1, 1) == date(2026, 11, 30)
    # From 12 Nov (19 days left), twice: 21st and 30th.
    assert schedule.nth_due_day(date(2026, 11, 12), date(2026, 11, 30), 1, 2) == date(2026, 11, 21)
    assert schedule.nth_due_day(date(2026, 11, 12), date(2026, 11, 30), 2, 2) == date(2026, 11, 30)


def test_class_on_a_day_from_the_changes():
    changes = [schedule.ClassChange(date(2026, 11, 12), 3, 1), schedule.ClassChange(date(2026, 12, 5), 1, 2)]
    assert schedule.class_on(2, changes, date(2026, 11, 11)) == (3, None)
    assert schedule.class_on(2, changes, date(2026, 11, 12)) == (1, date(2026, 11, 12))
    assert schedule.class_on(2, changes, date(2026, 12, 31)) == (2, date(2026, 12, 5))


def _household(world, number, level=3):
    household = registry.create_household(
        registry.HouseholdValues(
            household_number=number, visit_class=level, building_id=world.building_a.id, unit="1", room="201"
        ),
        world.grid_a,
    )
    household.created_at = datetime(2025, 1, 1)
    return household


def _visit(world, household, day, kind="routine", staff="worker_a"):
    return services.record_visit(
        household,
        services.VisitValues(visited_on=day, visit_type=kind, visitor_ids=[world.staff[staff].id], found="见到户主"),
    )


def _change_class(household, level, day):
    """A correction of the class, dated `day`, as the household form records it."""
    registry.update_household(
        household,
        registry.HouseholdValues(
            household_number=household.household_number,
            household_type=household.household_type,
            visit_class=level,
            building_id=household.building_id,
            unit=household.unit,
            room=household.room,
        ),
    )
    event = (
        db.session.query(PopulationEvent)
        .filter_by(household_id=household.id, kind="corrected")
        .order_by(PopulationEvent.id.desc())
        .first()
    )
    event.occurred_on = day
    db.session.flush()


def _status(household, today=TODAY):
    found = schedule.statuses([household], today)
    return found[0] if found else None


def test_class_three_household_second_visit_due_at_quarter_end(app, world):
    with write_transactions():
        household = _household(world, "S1")
        _visit(world, household, date(2026, 10, 10))
        status = _status(household)
    assert (status.level, status.done, status.required) == (3, 1, 2)
    assert status.due_by == date(2026, 12, 31) and status.state == "due"
    assert status.last_visit == date(2026, 10, 10)


def test_unvisited_class_three_household_is_overdue_after_mid_quarter(app, world):
    with write_transactions():
        household = _household(world, "S2")
        status = _status(household)
    assert status.due_by == date(2026, 11, 15) and status.state == "overdue"
    assert _status(household, date(2026, 11, 15)).state == "due"


def test_raised_to_class_one_mid_month_spreads_from_the_change(app, world):
    with write_transactions():
        household = _household(world, "S3")
        _visit(world, household, date(2026, 10, 10))
        _change_class(household, 1, date(2026, 11, 12))
        status = _status(household)
        # Class 一 (twice a month) from 12 Nov: the first visit by 21 Nov, missed on the 22nd.
        assert (status.level, status.period_start, status.spread_from) == (1, date(2026, 11, 1), date(2026, 11, 12))
        assert (status.done, status.due_by, status.state) == (0, date(2026, 11, 21), "overdue")
        # The day before the change the class 三 rule applied: one of two visits made, next by 31 Dec.
        before = _status(household, date(2026, 11, 11))
        assert (before.level, before.done, before.due_by, before.state) == (3, 1, date(2026, 12, 31), "due")
        _visit(world, household, date(2026, 11, 20))
        after_visit = _status(household)
    assert (after_visit.done, after_visit.due_by, after_visit.state) == (1, date(2026, 11, 30), "due")


def test_lowered_to_class_three_keeps_the_quarter_visits(app, world):
    with write_transactions():
        household = _household(world, "S4", level=1)
        _visit(world, household, date(2026, 10, 5))
        _visit(world, household, date(2026, 10, 20))
        _change_class(household, 3, date(2026, 11, 12))
        status = _status(household)
    # Every visit of the quarter counts, whatever the class was: 2 of 2, nothing due.
    assert (status.level, status.done, status.state, status.due_by) == (3, 2, "done", None)


def test_household_registered_mid_period(app, world):
    with write_transactions():
        household = _household(world, "S5", level=2)
        household.created_at = datetime(2026, 11, 10, 2, 0)  # 10 Nov in Beijing
        status = _status(household)
    # Class 二 once a month, spread from 10 Nov (21 days): due by 30 Nov.
    assert (status.spread_from, status.due_by, status.state) == (date(2026, 11, 10), date(2026, 11, 30), "due")


def test_route_order_is_building_unit_room(app, world):
    from app.org.models import Building

    with write_transactions():
        b10 = Building(community=world.community_a, grid=world.grid_a, number="10号楼", address="东关路10号")
        b2 = Building(community=world.community_a, grid=world.grid_a, number="2号楼", address="东关路2号")
        db.session.add_all([b10, b2])
        db.session.flush()
        made = []
        for number, building, unit, room in (
            ("R1", b10, "1", "101"),
            ("R2", b2, "2", "101"),
            ("R3", b2, "1", "1201"),
            ("R4", b2, "1", "301"),
        ):
            h = registry.create_household(
                registry.HouseholdValues(household_number=number, building_id=building.id, unit=unit, room=room),
                world.grid_a,
            )
            h.created_at = datetime(2025, 1, 1)
            made.append(h)
        rural = registry.create_household(
            registry.HouseholdValues(household_number="R5", address_text="东关村3组"), world.grid_a
        )
        rural.created_at = datetime(2025, 1, 1)
        order = [s.household.household_number for s in schedule.due_for_route(made + [rural], TODAY, 14)]
    assert order == ["R4", "R3", "R2", "R1", "R5"]
