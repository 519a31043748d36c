"""Engine set-up. This is the only module that knows it may be talking to SQLite.

SQLite gets: foreign keys on, the WAL journal, synchronous=FULL (SQLITE_SYNCHRONOUS:
every commit is on the disk before the save is acknowledged, so a power cut loses no
acknowledged save; its cost is measured by bench/durability.py), a busy timeout, and
write transactions that start with BEGIN IMMEDIATE. A deferred transaction that reads
and then writes fails at once with SQLITE_BUSY when another writer got in between
(busy_timeout does not cover that case); taking the write lock at BEGIN makes
concurrent writers wait their turn instead. Reads keep plain deferred BEGIN so
they never queue behind writers.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from contextvars import ContextVar

from sqlalchemy import Integer, Table, event, func, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

_write_transaction: ContextVar[bool] = ContextVar("gridbook_write_transaction", default=False)

BUSY_TIMEOUT_MS = 15000


def mark_write_transaction(value: bool = True):
    """Declare that transactions begun from now on in this context will write."""
    return _write_transaction.set(value)


def reset_write_transaction(token) -> None:
    _write_transaction.reset(token)


@contextlib.contextmanager
def read_transactions():
    """Run a block with plain BEGIN even inside a saving request: a long check that
    writes nothing (an import's thousands of rows) must not hold SQLite's write lock
    while it reads, or every other save waits for it."""
    token = mark_write_transaction(False)
    try:
        yield
    finally:
        reset_write_transaction(token)


@contextlib.contextmanager
def write_transactions():
    """Run a block (a CLI command, a background job) with BEGIN IMMEDIATE."""
    token = mark_write_transaction(True)
    try:
        yield
    finally:
        reset_write_transaction(token)


SYNCHRONOUS_LEVELS = ("OFF", "NORMAL", "FULL", "EXTRA")


def configure_engine(engine: Engine, synchronous: str = "FULL") -> None:
    if engine.dialect.name != "sqlite":
        return
    synchronous = synchronous.upper()
    if synchronous not in SYNCHRONOUS_LEVELS:
        raise ValueError(f"SQLITE_SYNCHRONOUS must be one of {', '.join(SYNCHRONOUS_LEVELS)}, not {synchronous!r}")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute(f"PRAGMA synchronous = {synchronous}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        if _write_transaction.get():
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")


def advance_sequences(executor: Session | Connection, tables: Iterable[Table] | None = None) -> None:
    """PostgreSQL: move each integer id's sequence past the largest id in its table
    (every table unless named), after rows were inserted with their ids given (a bulk
    load, a copy): otherwise the next row the app adds takes an id in use. A sequence
    already past is left alone. Nothing on SQLite, whose next id is always the largest
    plus one. Note that setval is not undone by a rollback."""
    dialect = executor.dialect if isinstance(executor, Connection) else executor.get_bind().dialect
    if dialect.name != "postgresql":
        return
    if tables is None:
        from app.extensions import db

        tables = db.metadata.sorted_tables
    for table in tables:
        for column in table.primary_key.columns:
            if not isinstance(column.type, Integer):
                continue
            sequence = executor.scalar(
                text("SELECT pg_get_serial_sequence(:table, :column)"),
                {"table": f'"{table.name}"', "column": column.name},
            )
            if sequence is None:
                continue
            largest = executor.scalar(select(func.max(column))) or 0
            last, called = executor.execute(text(f"SELECT last_value, is_called FROM {sequence}")).one()
            if (last + 1 if called else last) <= largest:
                executor.execute(text("SELECT setval(:s, :v, false)"), {"s": sequence, "v": largest + 1})


def allocate_ids(session: Session, table: Table, count: int) -> list[int]:
    """`count` ids for new rows of `table`, ascending, that no other writer will take:
    for a bulk write that gives its rows their ids so the rows that refer to them can be
    prepared beforehand. PostgreSQL draws them from the table's sequence (at any time);
    SQLite takes the next ones after the largest in use, which holds only inside the
    write transaction that inserts them (BEGIN IMMEDIATE: no one else can insert
    meanwhile), so call it there."""
    if count <= 0:
        return []
    (column,) = table.primary_key.columns
    if session.get_bind().dialect.name == "postgresql":
        drawn = session.scalars(
            text("SELECT nextval(pg_get_serial_sequence(:table, :column)) FROM generate_series(1, :count)"),
            {"table": f'"{table.name}"', "column": column.name, "count": count},
        )
        return sorted(drawn)
    largest = session.scalar(select(func.max(column))) or 0
    if table.dialect_options["sqlite"]["autoincrement"]:
        # AUTOINCREMENT never reuses the id of a deleted last row: it keeps the highest.
        used = session.scalar(text("SELECT seq FROM sqlite_sequence WHERE name = :t"), {"t": table.name}) or 0
        largest = max(largest, used)
    return list(range(largest + 1, largest + 1 + count))


def refresh_query_statistics(session) -> None:
    """Let SQLite's planner know the tables' sizes and value spreads (ANALYZE), so a
    search matching a few people starts from the index that finds them instead of
    walking a county-wide list in order. Sampled (analysis_limit), so it takes well
    under a second at county size; run at start-up and after bulk loads."""
    if session.get_bind().dialect.name != "sqlite":
        return
    session.execute(text("PRAGMA analysis_limit = 1000"))
    session.execute(text("ANALYZE"))
