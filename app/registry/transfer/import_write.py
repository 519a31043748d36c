"""Writing a checked import (an app.registry.transfer.import_plan.Plan) in two steps,
so that other people's saves wait as little as possible on SQLite, which lets one
writer in at a time:

- `prepare_plan`, before the write lock: every row the import writes, already in the
  engine's values (app.core.bulk.PreparedRows): new residents and households,
  changes to existing ones, care tags, memberships and the population events in
  the order the rows made them. New rows are referred to by NewId.
- `write_prepared`, inside the write transaction: ids for the new residents and
  households (app.core.database.allocate_ids), then one executemany per kind of row,
  and the few small statements that depend on the register as it is (tags replaced,
  key-person listings following a resident into another grid).

The caller holds the transaction: all of it is kept or none."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import delete, update

from app.core.bulk import NewId, PreparedRows
from app.core.database import allocate_ids
from app.core.timeutil import utcnow
from app.extensions import db
from app.registry.keypersons.models import KeyPerson
from app.registry.people.models import Household, HouseholdMember, PopulationEvent, Resident, ResidentTag
from app.registry.transfer.import_plan import HOUSEHOLD_COLUMNS, RESIDENT_COLUMNS, Home, Person, Plan, chunks

RESIDENTS = Resident.__table__
HOUSEHOLDS = Household.__table__


@dataclass
class PreparedPlan:
    plan: Plan
    statements: list[PreparedRows] = field(default_factory=list)  # in the order they run
    retagged: list[int] = field(default_factory=list)  # residents whose tags are replaced
    moved: dict[int, list[int]] = field(default_factory=dict)  # grid → residents moved into it


def prepare_plan(plan: Plan) -> PreparedPlan:
    """Everything the write needs, worked out without writing (and without the lock)."""
    session = db.session
    now = utcnow()
    new_ids: dict[int, NewId] = {}
    for index, person in enumerate(plan.new_people):
        new_ids[id(person)] = NewId(RESIDENTS.name, index)
    for index, home in enumerate(plan.new_homes):
        new_ids[id(home)] = NewId(HOUSEHOLDS.name, index)

    def id_of(record: Person | Home | None):
        if record is None:
            return None
        return record.id if record.id is not None else new_ids[id(record)]

    prepared = PreparedPlan(plan)

    def add(table, columns, rows, **options) -> None:
        rows = list(rows)
        if rows:
            prepared.statements.append(PreparedRows(session, table, columns, rows, **options))

    resident_columns = ("id", *RESIDENT_COLUMNS, "created_at", "updated_at")
    add(
        RESIDENTS,
        resident_columns,
        ({**p.fields, "id": id_of(p), "created_at": now, "updated_at": now} for p in plan.new_people),
    )
    household_columns = ("id", *HOUSEHOLD_COLUMNS, "head_id", "created_at", "updated_at")
    add(
        HOUSEHOLDS,
        household_columns,
        (
            {**h.fields, "id": id_of(h), "head_id": id_of(h.head), "created_at": now, "updated_at": now}
            for h in plan.new_homes
        ),
    )
    add(
        RESIDENTS,
        ("id", *RESIDENT_COLUMNS, "updated_at"),
        ({**p.fields, "id": p.id, "updated_at": now} for p in plan.changed_people),
        update_by="id",
    )
    add(
        HOUSEHOLDS,
        ("id", *HOUSEHOLD_COLUMNS, "head_id", "updated_at"),
        ({**h.fields, "id": h.id, "head_id": id_of(h.head), "updated_at": now} for h in plan.changed_homes),
        update_by="id",
    )

    prepared.retagged = [p.id for p in plan.changed_people if p.tags_changed]
    add(
        ResidentTag.__table__,
        ("resident_id", "tag_id"),
        (
            {"resident_id": id_of(p), "tag_id": tag_id}
            for p in plan.new_people + [p for p in plan.changed_people if p.tags_changed]
            for tag_id in p.tags
        ),
    )
    add(
        HouseholdMember.__table__,
        ("household_id", "resident_id", "relation", "start_date"),
        (
            {
                "household_id": id_of(m.home),
                "resident_id": id_of(m.person),
                "relation": m.relation,
                "start_date": plan.today,
            }
            for m in plan.joins
        ),
    )
    # Who may see a key-person listing is decided by its grid: it follows the resident.
    moved = defaultdict(list)
    for person in plan.changed_people:
        if person.moved_from is not None:
            moved[person.fields["grid_id"]].append(person.id)
    prepared.moved = dict(moved)
    add(
        PopulationEvent.__table__,
        (
            "kind",
            "occurred_on",
            "grid_id",
            "household_id",
            "resident_id",
            "before",
            "after",
            "note",
            "recorded_by_id",
            "recorded_at",
        ),
        (
            {
                "kind": e["kind"],
                "occurred_on": plan.today,
                "grid_id": e["grid_id"],
                "household_id": id_of(e["household"]),
                "resident_id": id_of(e["resident"]),
                "before": e["before"],
                "after": e["after"],
                "note": "",
                "recorded_by_id": plan.user_id,
                "recorded_at": now,
            }
            for e in plan.events
        ),
    )
    return prepared


def write_prepared(prepared: PreparedPlan) -> None:
    """Write a prepared plan in the session's (write) transaction."""
    session = db.session
    plan = prepared.plan
    ids = {
        RESIDENTS.name: allocate_ids(session, RESIDENTS, len(plan.new_people)),
        HOUSEHOLDS.name: allocate_ids(session, HOUSEHOLDS, len(plan.new_homes)),
    }
    for chunk in chunks(prepared.retagged):
        session.execute(delete(ResidentTag).where(ResidentTag.resident_id.in_(chunk)))
    for statement in prepared.statements:
        statement.execute(session, ids)
    for grid_id, resident_ids in prepared.moved.items():
        for chunk in chunks(resident_ids):
            session.execute(
                update(KeyPerson)
                .where(KeyPerson.resident_id.in_(chunk), KeyPerson.status == "active")
                .values(grid_id=grid_id)
                .execution_options(synchronize_session=False)
            )
    for person, resident_id in zip(plan.new_people, ids[RESIDENTS.name], strict=True):
        person.id = resident_id
    for home, household_id in zip(plan.new_homes, ids[HOUSEHOLDS.name], strict=True):
        home.id = household_id
    # Objects the session already held do not know about the statements above.
    session.expire_all()


def write_plan(plan: Plan) -> None:
    """Prepare and write at once (the command line, where no one waits)."""
    write_prepared(prepare_plan(plan))
