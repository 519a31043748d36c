"""The database set-up: SQLite's foreign keys, WAL and writers that queue instead of
failing; on both engines concurrent writers that all count, and PostgreSQL's sequences."""

import pytest
from sqlalchemy import func, inspect, select, text

from app.auth.models import AuditEvent
from app.core.database import write_transactions
from app.extensions import db
from tests.conftest import at_once, fresh, login
from tests.databases import ON_POSTGRESQL


@pytest.mark.sqlite_only
def test_foreign_keys_wal_and_full_synchronous_are_on(app):
    assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    # FULL (2): an acknowledged save is on the disk, whatever the power does next.
    assert db.session.execute(text("PRAGMA synchronous")).scalar() == 2


@pytest.mark.sqlite_only
def test_a_mistyped_synchronous_setting_stops_the_start(tmp_path):
    from app import create_app

    with pytest.raises(ValueError, match="SQLITE_SYNCHRONOUS"):
        create_app({"TESTING": True, "SECRET_KEY": "t", "SQLITE_SYNCHRONOUS": "FAST"}, instance_path=str(tmp_path))


def test_concurrent_read_then_write_transactions_do_not_fail(app):
    """8 threads × 25 transactions that read, then write: none may hit SQLITE_BUSY."""
    errors = []

    def writer(number):
        with app.app_context(), write_transactions():
            try:
                for _ in range(25):
                    count = db.session.scalar(select(func.count(AuditEvent.id)))
                    db.session.add(AuditEvent(action="test", actor_name=f"w{number}", summary=str(count)))
                    db.session.commit()
            except Exception as error:
                errors.append(repr(error))
            finally:
                db.session.remove()

    at_once([lambda n=n: writer(n) for n in range(8)])
    assert errors == []
    fresh()
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "test")) == 200


def test_concurrent_failed_logins_all_count(app, world):
    """Failed logins read the account, then write the failure count: from 5 browsers
    at once, every failure is counted and the account locks."""
    statuses = []

    def attempt():
        client = app.test_client()
        statuses.append(login(client, "worker_b", "wrong-pass-1").status_code)

    at_once([attempt] * 5)
    assert statuses == [200] * 5
    fresh()
    assert world.users["worker_b"].locked_until is not None


@pytest.mark.skipif(not ON_POSTGRESQL, reason="SQLite takes the next id from the table")
def test_every_sequence_is_past_the_ids_the_migrations_inserted(app, world):
    behind = []
    inspector = inspect(db.engine)
    for table in inspector.get_table_names():
        if "id" not in {column["name"] for column in inspector.get_columns(table)}:
            continue
        sequence = db.session.scalar(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": f'"{table}"'})
        if sequence is None:
            continue
        largest = db.session.scalar(text(f'SELECT MAX(id) FROM "{table}"'))
        following = db.session.scalar(text("SELECT nextval(:s)"), {"s": sequence})
        if largest is not None and following <= largest:
            behind.append((table, largest, following))
    assert behind == []
