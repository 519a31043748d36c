"""Writing a checked import (an app.registry.transfer.import_plan.Plan) with a handful of
bulk statements instead of a flush per row: new residents and households are
inserted with RETURNING (their ids, for what refers to them), changed ones updated
by primary key, then care tags, memberships, key-person listings that follow a
resident into another grid, and the population events in the order the rows made
them. Inserts go through the tables (Core), not the ORM: its bulk insert leaves
out None values, and rows of different shapes cannot share one statement. The
caller holds the transaction: all of it is kept or none."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import delete, insert, update

from app.core.timeutil import utcnow
from app.extensions import db
from app.registry.keypersons.models import KeyPerson
from app.registry.people.models import Household, HouseholdMember, PopulationEvent, Resident, ResidentTag
from app.registry.transfer.import_plan import HOUSEHOLD_COLUMNS, RESIDENT_COLUMNS, Plan, chunks


def write_plan(plan: Plan) -> None:
    now = utcnow()
    session = db.session
    if plan.new_people:
        ids = _insert_returning_ids(
            Resident,
            [
                {**{c: p.fields[c] for c in RESIDENT_COLUMNS}, "created_at": now, "updated_at": now}
                for p in plan.new_people
            ],
            RESIDENT_COLUMNS,
        )
        for person, resident_id in zip(plan.new_people, ids, strict=True):
            person.id = resident_id
    if plan.new_homes:
        ids = _insert_returning_ids(
            Household,
            [
                {
                    **{c: h.fields[c] for c in HOUSEHOLD_COLUMNS},
                    "head_id": h.head.id if h.head else None,
                    "created_at": now,
                    "updated_at": now,
                }
                for h in plan.new_homes
            ],
            ("grid_id", "household_number"),
        )
        for home, household_id in zip(plan.new_homes, ids, strict=True):
            home.id = household_id
    if plan.changed_people:
        session.execute(
            update(Resident),
            [
                {"id": p.id, **{c: p.fields[c] for c in RESIDENT_COLUMNS}, "updated_at": now}
                for p in plan.changed_people
            ],
        )
    if plan.changed_homes:
        session.execute(
            update(Household),
            [
                {
                    "id": h.id,
                    **{c: h.fields[c] for c in HOUSEHOLD_COLUMNS},
                    "head_id": h.head.id if h.head else None,
                    "updated_at": now,
                }
                for h in plan.changed_homes
            ],
        )

    retagged = [p.id for p in plan.changed_people if p.tags_changed]
    for chunk in chunks(retagged):
        session.execute(delete(ResidentTag).where(ResidentTag.resident_id.in_(chunk)))
    tags = [
        {"resident_id": p.id, "tag_id": tag_id}
        for p in plan.new_people + [p for p in plan.changed_people if p.tags_changed]
        for tag_id in p.tags
    ]
    if tags:
        session.execute(insert(ResidentTag.__table__), tags)

    if plan.joins:
        session.execute(
            insert(HouseholdMember.__table__),
            [
                {
                    "household_id": m.home.id,
                    "resident_id": m.person.id,
                    "relation": m.relation,
                    "start_date": plan.today,
                }
                for m in plan.joins
            ],
        )
    # Who may see a key-person listing is decided by its grid: it follows the resident.
    moved = defaultdict(list)
    for person in plan.changed_people:
        if person.moved_from is not None:
            moved[person.fields["grid_id"]].append(person.id)
    for grid_id, resident_ids in moved.items():
        for chunk in chunks(resident_ids):
            session.execute(
                update(KeyPerson)
                .where(KeyPerson.resident_id.in_(chunk), KeyPerson.status == "active")
                .values(grid_id=grid_id)
                .execution_options(synchronize_session=False)
            )

    if plan.events:
        session.execute(
            insert(PopulationEvent.__table__),
            [
                {
                    "kind": e["kind"],
                    "occurred_on": plan.today,
                    "grid_id": e["grid_id"],
                    "household_id": e["household"].id if e["household"] else None,
                    "resident_id": e["resident"].id if e["resident"] else None,
                    "before": e["before"],
                    "after": e["after"],
                    "note": "",
                    "recorded_by_id": plan.user_id,
                    "recorded_at": now,
                }
                for e in plan.events
            ],
        )
    # Objects the session already held do not know about the statements above.
    session.expire_all()


def _insert_returning_ids(model, rows: list[dict], key: tuple[str, ...]) -> list[int]:
    """Insert `rows` in multi-row batches; their new ids, in the order of `rows`.
    RETURNING promises no order, and asking SQLAlchemy to sort it (sort_by_parameter_order)
    sends SQLite one statement per row, so each returned row is matched back by the
    `key` columns it was written with. Rows with the same key are the same in every
    column written (`key` is all of them unless it is unique), so either id fits."""
    waiting = defaultdict(list)
    for index, row in enumerate(rows):
        waiting[tuple(row[c] for c in key)].append(index)
    ids: list[int | None] = [None] * len(rows)
    table = model.__table__
    statement = insert(table).returning(table.c.id, *[table.c[c] for c in key])
    for returned in db.session.execute(statement, rows):
        ids[waiting[tuple(returned[1:])].pop(0)] = returned[0]
    return ids
