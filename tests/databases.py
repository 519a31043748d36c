"""The database engine the suite runs on: SQLite files by default; a PostgreSQL server
when GRIDBOOK_TEST_DATABASE_URL names one (postgresql+psycopg://user@host:port/dbname,
the maintenance database to connect to; `scripts/test.sh` starts a throwaway cluster
and runs the whole suite on both).

Databases are named by URL. A *template* is built once — the migrated schema, the
test county — and each test gets a copy under its own URL: a copied file for SQLite,
`CREATE DATABASE … TEMPLATE …` on PostgreSQL."""

from __future__ import annotations

import itertools
import os
import shutil
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

SERVER_URL = os.environ.get("GRIDBOOK_TEST_DATABASE_URL", "")
ON_POSTGRESQL = SERVER_URL.startswith("postgresql")
ENGINE_NAME = "postgresql" if ON_POSTGRESQL else "sqlite"
_scratch_numbers = itertools.count()


def database_url(folder: Path, name: str) -> str:
    """The URL of a database called `name`: a file in `folder` (SQLite), or a database
    of that name on the server, prefixed with this process's id so that test processes
    never share one."""
    if not ON_POSTGRESQL:
        return f"sqlite:///{folder / (name + '.sqlite3')}"
    return make_url(SERVER_URL).set(database=f"{name}_{os.getpid()}"[:63]).render_as_string(hide_password=False)


def scratch_url(folder: Path) -> str:
    """A new database URL for one test's own app."""
    return database_url(folder, f"t{next(_scratch_numbers)}")


def server_template_url(name: str) -> str:
    """The URL of a template database on the server, shared by every test process
    (built under `building_lock`; SQLite's templates are files in the cache)."""
    return make_url(SERVER_URL).set(database=name[:63]).render_as_string(hide_password=False)


def exists(url: str) -> bool:
    if not ON_POSTGRESQL:
        return Path(make_url(url).database).exists()
    with _server() as connection:
        return connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": _name(url)}) == 1


def copy(template: str, target: str) -> None:
    """Make `target` a fresh copy of `template` (whatever `target` held is gone)."""
    if not ON_POSTGRESQL:
        path = Path(make_url(target).database)
        path.parent.mkdir(parents=True, exist_ok=True)
        for leftover in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            leftover.unlink(missing_ok=True)
        shutil.copy(make_url(template).database, path)
        return
    with _server() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{_name(target)}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{_name(target)}" TEMPLATE "{_name(template)}"'))


def create_empty(url: str) -> None:
    if ON_POSTGRESQL:
        with _server() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{_name(url)}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{_name(url)}"'))


class building_lock:
    """Held while one test process builds a shared template: the others wait, then
    find it built. (SQLite's templates are moved into place whole instead.)"""

    def __enter__(self):
        if ON_POSTGRESQL:
            self._engine = create_engine(SERVER_URL, isolation_level="AUTOCOMMIT")
            self._connection = self._engine.connect()
            self._connection.execute(text("SELECT pg_advisory_lock(4711)"))
        return self

    def __exit__(self, *exc):
        if ON_POSTGRESQL:
            self._connection.execute(text("SELECT pg_advisory_unlock(4711)"))
            self._connection.close()
            self._engine.dispose()


def everything_stored(connection) -> str:
    """Every row of every table as text: to check that a secret is stored nowhere."""
    if not ON_POSTGRESQL:
        return "\n".join(connection.connection.dbapi_connection.iterdump())
    rows = []
    for name in inspect(connection).get_table_names():
        rows.extend(repr(tuple(row)) for row in connection.execute(text(f'SELECT * FROM "{name}"')))
    return "\n".join(rows)


def _name(url: str) -> str:
    return make_url(url).database


class _server:
    """An autocommit connection to the server's maintenance database (CREATE DATABASE
    cannot run in a transaction)."""

    def __enter__(self):
        self._engine = create_engine(SERVER_URL, isolation_level="AUTOCOMMIT")
        self._connection = self._engine.connect()
        return self._connection

    def __exit__(self, *exc):
        self._connection.close()
        self._engine.dispose()
