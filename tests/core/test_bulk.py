"""Bulk writes prepared before the write lock (app.core.bulk), on both engines: rows
stored exactly as the ORM stores them, new ids that refer across tables, ids that no
later row takes, and updates."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, text

from app.core.bulk import NewId, PreparedRows
from app.core.database import allocate_ids, write_transactions
from app.extensions import db
from app.registry.people.models import Household, PopulationEvent, Resident
from tests.conftest import counting_statements

EVENTS = PopulationEvent.__table__
RESIDENTS = Resident.__table__
HOUSEHOLDS = Household.__table__


def stored(event_id: int) -> tuple:
    """An event's columns as the database holds them (dates and JSON as stored)."""
    return tuple(
        db.session.execute(
            text("SELECT kind, occurred_on, recorded_at, before, after, note FROM population_event WHERE id = :id"),
            {"id": event_id},
        ).one()
    )


def test_prepared_rows_are_stored_as_the_orm_stores_them(app, world):
    """Dates, times, JSON (a None included) and text: the same values in the same
    form, so that comparisons and ordering in SQL find bulk-written rows too."""
    values = {
        "kind": "registered",
        "occurred_on": dt.date(2026, 3, 5),
        "grid_id": world.grid_a.id,
        "household_id": None,
        "resident_id": None,
        "before": None,
        "after": {"name": "王芳", "tags": ["低保户"]},
        "note": "",
        "recorded_by_id": None,
        "recorded_at": dt.datetime(2026, 3, 5, 8, 0, 0),
    }
    with write_transactions():
        by_orm = PopulationEvent(**values)
        db.session.add(by_orm)
        db.session.flush()
        orm_id = by_orm.id
        (bulk_id,) = allocate_ids(db.session, EVENTS, 1)
        PreparedRows(db.session, EVENTS, ["id", *values], [{**values, "id": bulk_id}]).execute(db.session, {})
        db.session.commit()
    assert bulk_id > orm_id
    assert stored(bulk_id) == stored(orm_id)
    again = db.session.get(PopulationEvent, bulk_id)
    assert again.before is None and again.after == {"name": "王芳", "tags": ["低保户"]}


def test_new_rows_refer_to_each_other_across_statements_and_keep_their_ids(app, world):
    """2,500 residents (three statements) and a household headed by the last one:
    the head is the right person, and an ordinary save afterwards takes a new id
    (on PostgreSQL: the sequence has moved past the ids given)."""
    now = dt.datetime(2026, 3, 5, 8, 0, 0)
    people = [
        {
            "id": NewId(RESIDENTS.name, index),
            "grid_id": world.grid_a.id,
            "name": f"批量{index}",
            "name_pinyin": "",
            "name_initials": "",
            "id_type": "resident_id",
            "id_number": None,
            "ethnicity": "",
            "phone": "",
            "population_type": "registered",
            "registered_address": "",
            "current_address": "",
            "political_status": "masses",
            "workplace": "",
            "status": "active",
            "note": "",
            "created_at": now,
            "updated_at": now,
        }
        for index in range(2500)
    ]
    home = {
        "id": NewId(HOUSEHOLDS.name, 0),
        "grid_id": world.grid_a.id,
        "household_number": "BULK-1",
        "household_type": "permanent",
        "visit_class": 3,
        "address_text": "东关路1号",
        "note": "",
        "status": "active",
        "head_id": NewId(RESIDENTS.name, 2499),
        "created_at": now,
        "updated_at": now,
    }
    with write_transactions():
        residents = PreparedRows(db.session, RESIDENTS, list(people[0]), people)
        households = PreparedRows(db.session, HOUSEHOLDS, list(home), [home])
        ids = {
            RESIDENTS.name: allocate_ids(db.session, RESIDENTS, len(people)),
            HOUSEHOLDS.name: allocate_ids(db.session, HOUSEHOLDS, 1),
        }
        with counting_statements() as writing:
            residents.execute(db.session, ids)
            households.execute(db.session, ids)
        db.session.commit()
    # Two statements of 1,000 residents sent in one executemany, the last 500, the household.
    assert len(writing) == 3
    household = db.session.scalar(select(Household).where(Household.household_number == "BULK-1"))
    assert household.id == ids[HOUSEHOLDS.name][0]
    assert household.head.name == "批量2499"
    assert db.session.get(Resident, ids[RESIDENTS.name][0]).name == "批量0"
    with write_transactions():
        later = Resident(**{k: v for k, v in people[0].items() if k != "id"} | {"name": "后来者"})
        db.session.add(later)
        db.session.commit()
    assert later.id > max(ids[RESIDENTS.name])


def test_prepared_updates_change_only_the_rows_named(app, world):
    a, b = world.residents["a"], world.residents["b"]
    untouched_phone = b.phone
    with write_transactions():
        PreparedRows(
            db.session,
            RESIDENTS,
            ["id", "phone", "note"],
            [{"id": a.id, "phone": "13911112222", "note": "批量更新"}],
            update_by="id",
        ).execute(db.session, {})
        db.session.commit()
    db.session.expire_all()
    assert (a.phone, a.note) == ("13911112222", "批量更新")
    assert b.phone == untouched_phone
