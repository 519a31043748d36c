"""Numbers handed out one after another — a matter's 20261122-0007 — correct however
many requests ask at once, on SQLite and PostgreSQL alike.

A counter is a row (name, scope) → last value, advanced by one INSERT … ON CONFLICT DO
UPDATE … RETURNING: the database increments the row and locks it until the asking
transaction ends, so a second request waits and gets the next number, and a
transaction that rolls back gives its number back (the numbers stay gap-free). Taking
the largest number in use and adding one is right only while one writer at a time is
admitted (SQLite); on PostgreSQL two reporters got the same number."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class Counter(db.Model):  # type: ignore[name-defined]
    __tablename__ = "counter"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    # What the numbering restarts with: the local day (YYYYMMDD) for matter numbers.
    scope: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int]


def next_value(name: str, scope: str) -> int:
    """The counter's next value, taken in the caller's transaction."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(Counter)
        .values(name=name, scope=scope, value=1)
        .on_conflict_do_update(index_elements=["name", "scope"], set_={"value": Counter.value + 1})
        .returning(Counter.value)
    )
    value = db.session.scalar(statement)
    assert value is not None
    return value
