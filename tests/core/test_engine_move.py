"""`flask copy-to-postgresql`: an SQLite instance holding the test county, copied into
an empty PostgreSQL database, has every row there as it was, sequences past the ids
copied, and the app works on the copy; a target that holds anything is refused, and
a copy that fails half-way leaves the target empty.

Runs only when the suite runs against PostgreSQL (GRIDBOOK_TEST_DATABASE_URL,
tests/databases.py): the source is an SQLite file built here, the targets are
databases made on that server and dropped afterwards."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import JSON, Text, cast, create_engine, func, insert, inspect, null, select, text, update
from sqlalchemy.engine import Connection, make_url

from app import create_app
from app.adjustments.models import Handover
from app.auth.models import AuditEvent, KeptForm, User
from app.core import counters, engine_move
from app.core.database import write_transactions
from app.core.settings import SystemSetting
from app.extensions import db
from app.matters.models import HolidayDay, HolidayYear, Matter, MatterType
from app.org.models import StaffAssignment
from tests import databases
from tests.conftest import TEST_CONFIG, IsolatedClient, login
from tests.factories import build_world

pytestmark = pytest.mark.skipif(
    not databases.ON_POSTGRESQL, reason="copies into PostgreSQL: needs GRIDBOOK_TEST_DATABASE_URL"
)


def _app(url: str, folder: Path):
    app = create_app(
        {**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url, "UPLOAD_FOLDER": str(folder / "uploads")},
        instance_path=str(folder / "instance"),
    )
    app.test_client_class = IsolatedClient
    return app


def _extra_rows() -> None:
    """Rows the test county lacks but the copy must carry exactly: a JSON column's SQL
    NULL beside a JSON null, a matter merged into one with a larger id (its
    self-reference points forward), a signed PDF in a row, keys that are not serial
    ids, a reference row the county changed."""
    audit = AuditEvent.__table__
    db.session.execute(insert(audit).values(action="test", actor_name="cli", summary="", detail=null()))
    db.session.execute(insert(audit).values(action="test", actor_name="cli", summary="", detail=JSON.NULL))
    db.session.execute(
        insert(audit).values(action="test", actor_name="cli", summary="网格", detail={"人": ["甲", 1, None]})
    )
    first, last = db.session.execute(select(func.min(Matter.id), func.max(Matter.id))).one()
    assert first < last
    db.session.execute(update(Matter).where(Matter.id == first).values(merged_into_id=last))
    assignment = db.session.scalars(select(StaffAssignment).order_by(StaffAssignment.id)).first()
    db.session.add(
        Handover(
            grid_id=assignment.division_id,
            assignment_id=assignment.id,
            leaver_id=assignment.staff_id,
            successor_id=assignment.staff_id,
            handed_over_on=date(2026, 3, 2),
            pack_sha256="0" * 64,
            pack_pdf=bytes(range(256)) * 400,
        )
    )
    user = db.session.scalars(select(User).order_by(User.id)).first()
    db.session.add(KeptForm(user_id=user.id, action_path="/a", page_path="/b", fields=[["name", "张三"]]))
    db.session.add(HolidayYear(year=2031))
    db.session.add(HolidayDay(day=date(2031, 1, 1), name="元旦"))
    db.session.add(SystemSetting(name="LOCATE_DAILY_LIMIT", value="7"))
    db.session.execute(update(MatterType).where(MatterType.id == 1).values(name="本县改过的类别"))


@pytest.fixture(scope="module")
def sqlite_county(tmp_path_factory) -> tuple[Path, list[str]]:
    """An SQLite database migrated to the head with the test county in it (built once
    for the module) and the usernames of its accounts."""
    folder = tmp_path_factory.mktemp("sqlite-county")
    path = folder / "gridbook.sqlite3"
    app = _app(f"sqlite:///{path}", folder)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        with write_transactions():
            world = build_world()
            usernames = sorted(world.users)
            _extra_rows()
            db.session.commit()
        with db.engine.connect() as connection:  # everything in the file itself, none in the WAL
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        db.session.remove()
        db.engine.dispose()
    return path, usernames


@pytest.fixture()
def source(sqlite_county, tmp_path):
    """An app on this test's own copy of the SQLite county, its context pushed."""
    path = tmp_path / "source" / "gridbook.sqlite3"
    path.parent.mkdir()
    shutil.copy(sqlite_county[0], path)
    app = _app(f"sqlite:///{path}", path.parent)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture()
def target(tmp_path) -> Iterator[str]:
    """The URL of an empty database on the test server, dropped afterwards."""
    url = databases.scratch_url(tmp_path)
    databases.create_empty(url)
    yield url
    engine = create_engine(databases.SERVER_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    engine.dispose()


def _copy(app, url: str):
    return app.test_cli_runner().invoke(args=["copy-to-postgresql", url])


def _rows(connection: Connection, table) -> list[tuple]:
    """The table's rows in key order, each with its JSON columns' stored text too
    (read decoded, SQL NULL and a JSON null are both None)."""
    stored = [cast(column, Text) for column in table.columns if isinstance(column.type, JSON)]
    statement = select(table, *stored).order_by(*table.primary_key.columns)
    return [tuple(row) for row in connection.execute(statement)]


def _table_names(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return inspect(connection).get_table_names()
    finally:
        engine.dispose()


def test_every_row_is_copied_and_the_app_works_on_the_copy(source, target, sqlite_county, tmp_path, monkeypatch):
    # Small batches, so that tables span several and a self-reference crosses them.
    monkeypatch.setattr(engine_move, "BATCH_ROWS", 3)
    monkeypatch.setattr(engine_move, "FILE_BATCH_ROWS", 1)
    result = _copy(source, target)
    assert result.exit_code == 0, result.output
    assert "已复制" in result.output and "row counts checked" in result.output
    assert "uploaded photos and files stay in the instance folder" in result.output
    assert "postgres@" in result.output

    copy = create_engine(target)
    filled = 0
    try:
        with db.engine.connect() as original, copy.connect() as copied:
            for table in db.metadata.sorted_tables:
                rows = _rows(original, table)
                assert _rows(copied, table) == rows, table.name
                filled += bool(rows)
            assert copied.scalar(text("SELECT version_num FROM alembic_version")) == engine_move.head_revision()
            assert copied.scalar(select(MatterType.name).where(MatterType.id == 1)) == "本县改过的类别"
            audit = AuditEvent.__table__
            details = copied.scalars(
                select(cast(audit.c.detail, Text)).where(audit.c.action == "test").order_by(audit.c.id)
            ).all()
            assert details[:2] == [None, "null"] and json.loads(details[2]) == {"人": ["甲", 1, None]}
            # Every serial id's sequence gives an id past the ids copied.
            for table in db.metadata.sorted_tables:
                if "id" not in table.c:
                    continue
                sequence = copied.scalar(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": f'"{table.name}"'})
                if sequence is not None:
                    largest = copied.scalar(select(func.max(table.c.id))) or 0
                    assert copied.scalar(text("SELECT nextval(:s)"), {"s": sequence}) > largest, table.name
            counter_name, counter_scope, counter_value = copied.execute(select(counters.Counter.__table__)).first()
    finally:
        copy.dispose()
    assert filled >= 55  # the test county fills most tables

    # The app on the copy: signing in writes a session and an audit entry, the matter
    # numbering goes on from the source's counter.
    moved = _app(target, tmp_path / "moved")
    assert login(moved.test_client(), sqlite_county[1][0]).status_code == 302
    with moved.app_context():
        with write_transactions():
            assert counters.next_value(counter_name, counter_scope) == counter_value + 1
            db.session.add(AuditEvent(action="test", actor_name="cli"))
            db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "login"))
        db.session.remove()
        db.engine.dispose()


def test_a_target_that_holds_data_is_refused_and_left_alone(source, target):
    assert _copy(source, target).exit_code == 0
    copy = create_engine(target)
    with copy.connect() as connection:
        connection.execute(update(User).values(display_name="改过"))
        connection.commit()
    again = _copy(source, target)
    assert again.exit_code != 0
    assert "目标数据库不是空的" in again.output and "the target database is not empty" in again.output
    with copy.connect() as connection:
        assert set(connection.scalars(select(User.display_name))) == {"改过"}
    copy.dispose()


def test_a_copy_failing_half_way_leaves_the_target_empty(source, target, monkeypatch):
    from sqlalchemy.exc import OperationalError

    copied = engine_move._copy_table
    tables: list[str] = []

    def fails_after_the_first_table(source_connection, target_connection, table):
        if tables:
            raise OperationalError("INSERT …", {}, RuntimeError("server closed the connection unexpectedly"))
        tables.append(table.name)
        return copied(source_connection, target_connection, table)

    monkeypatch.setattr(engine_move, "_copy_table", fails_after_the_first_table)
    result = _copy(source, target)
    assert result.exit_code != 0 and tables
    assert "nothing copied, the target is unchanged" in result.output
    assert "server closed the connection unexpectedly" in result.output
    assert _table_names(target) == []  # not even the schema
    # …so the same target takes the copy once the trouble is over.
    monkeypatch.setattr(engine_move, "_copy_table", copied)
    assert _copy(source, target).exit_code == 0
    assert "user_account" in _table_names(target)


def test_a_migrated_but_unused_target_is_taken(source, target, migrated_database):
    databases.copy(migrated_database, target)  # what a server started on it once leaves
    result = _copy(source, target)
    assert result.exit_code == 0, result.output
    assert "creating the schema" not in result.output
    copy = create_engine(target)
    with copy.connect() as connection:
        # The county's own reference rows replaced the ones the migrations put in.
        assert connection.scalar(select(MatterType.name).where(MatterType.id == 1)) == "本县改过的类别"
        assert connection.scalar(select(func.count()).select_from(User)) > 0
    copy.dispose()


def test_a_source_behind_the_code_or_a_target_that_is_not_postgresql_is_refused(source, target, tmp_path):
    other = _copy(source, f"sqlite:///{tmp_path / 'other.sqlite3'}")
    assert other.exit_code != 0 and "the target must be a PostgreSQL database" in other.output

    from alembic.script import ScriptDirectory

    config = source.extensions["migrate"].migrate.get_config()
    previous = ScriptDirectory.from_config(config).get_revision(engine_move.head_revision()).down_revision
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": previous})
    behind = _copy(source, target)
    assert behind.exit_code != 0 and "run `flask db upgrade` first" in behind.output
    assert _table_names(target) == []


def test_the_reference_tables_are_what_migrations_fill(migrated_database):
    """A target migrated and never used holds rows only in REFERENCE_TABLES: a new
    migration seeding another table must add it there (or such targets are refused)."""
    engine = create_engine(migrated_database)
    with engine.connect() as connection:
        filled = {
            table.name
            for table in db.metadata.sorted_tables
            if connection.scalar(select(func.count()).select_from(table))
        }
    engine.dispose()
    assert filled == engine_move.REFERENCE_TABLES
