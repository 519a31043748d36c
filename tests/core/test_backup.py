"""`flask backup` and `flask restore`, on the engine the suite runs on: a backup taken
while writers keep saving restores into a fresh instance with every row and file the
moment of the backup had; a damaged or wrongly keyed archive is refused and changes
nothing; old archives beyond --keep go; encrypted archives are unreadable without the
key."""

from __future__ import annotations

import io
import os
import tarfile
import threading
from pathlib import Path

from sqlalchemy import inspect, select, text

from app.auth.models import AuditEvent
from app.core import backup as backups
from app.core.database import write_transactions
from app.extensions import db
from tests.conftest import fresh, make_app


def _rows() -> dict[str, set[tuple]]:
    """Every row of every table, as tuples of text."""
    found = {}
    for table in inspect(db.engine).get_table_names():
        rows = db.session.execute(text(f'SELECT * FROM "{table}"'))
        found[table] = {tuple(str(value) for value in row) for row in rows}
    db.session.rollback()
    return found


def _tests_by_writer() -> dict[str, list[int]]:
    """The writers' audit entries: ids per writer, in order."""
    found: dict[str, list[int]] = {}
    rows = db.session.execute(
        select(AuditEvent.actor_name, AuditEvent.id).where(AuditEvent.action == "test").order_by(AuditEvent.id)
    )
    for name, event_id in rows:
        found.setdefault(name, []).append(event_id)
    db.session.rollback()
    return found


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _only_archive(folder: Path) -> Path:
    (archive,) = backups.archives(folder)
    return archive


def test_a_backup_taken_under_write_load_restores_every_row_and_file(app, world, runner, tmp_path, migrated_database):
    uploads = Path(app.config["UPLOAD_FOLDER"])
    (uploads / "photos").mkdir(parents=True, exist_ok=True)
    (uploads / "photos" / "井盖.jpg").write_bytes(os.urandom(20_000))
    stop, writing, errors = threading.Event(), threading.Event(), []

    def writer(number):
        with app.app_context(), write_transactions():
            try:
                while not stop.is_set():
                    db.session.add(AuditEvent(action="test", actor_name=f"w{number}", summary="写入"))
                    db.session.commit()
                    writing.set()
            except Exception as error:
                errors.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    try:
        assert writing.wait(10)
        result = runner.invoke(args=["backup", "--to", str(tmp_path / "backups")])
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert result.exit_code == 0, result.output
    assert errors == []  # the writers never failed while the backup ran
    fresh()
    source, source_files = _rows(), _files(uploads)
    source_tests = _tests_by_writer()

    fresh_app = make_app(tmp_path / "fresh", migrated_database)
    with fresh_app.app_context():
        result = fresh_app.test_cli_runner().invoke(args=["restore", str(_only_archive(tmp_path / "backups")), "--yes"])
        assert result.exit_code == 0, result.output
        restored = _rows()
        restored_tests = _tests_by_writer()
        restored_files = _files(Path(fresh_app.config["UPLOAD_FOLDER"]))
        db.engine.dispose()
    # Every row is the source's row; apart from the writers' audit entries (some
    # came after the backup's moment) the tables are the same, row for row.
    for table, rows in restored.items():
        assert rows <= source[table], table
        if table != "audit_event":
            assert rows == source[table], table
    # The moment is one moment: each writer saved one entry after another, so what
    # was restored of each writer is exactly its entries up to the last one restored.
    for name, ids in restored_tests.items():
        assert ids == [i for i in source_tests[name] if i <= ids[-1]], name
    # The writers were writing before the backup began and after its moment.
    assert 0 < sum(map(len, restored_tests.values())) < sum(map(len, source_tests.values()))
    assert restored_files == source_files


def test_a_damaged_or_wrongly_keyed_backup_is_refused_and_changes_nothing(app, world, runner, tmp_path):
    key = tmp_path / "backup.key"
    assert runner.invoke(args=["backup", "--make-key", str(key)]).exit_code == 0
    assert runner.invoke(args=["backup", "--to", str(tmp_path / "b"), "--key", str(key)]).exit_code == 0
    archive = _only_archive(tmp_path / "b")
    assert archive.name.endswith(".tar.gz.enc")
    assert not tarfile.is_tarfile(archive)  # nothing readable without the key
    before = db.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()))
    db.session.rollback()

    no_key = runner.invoke(args=["restore", str(archive), "--yes"])
    assert no_key.exit_code != 0 and "这个备份是加密的" in no_key.output
    other_key = tmp_path / "other.key"
    runner.invoke(args=["backup", "--make-key", str(other_key)])
    wrong = runner.invoke(args=["restore", str(archive), "--key", str(other_key), "--yes"])
    assert wrong.exit_code != 0 and "密钥不对" in wrong.output

    # A plain archive with one byte of the database changed.
    assert runner.invoke(args=["backup", "--to", str(tmp_path / "c")]).exit_code == 0
    plain = _only_archive(tmp_path / "c")
    damaged = tmp_path / "damaged" / plain.name
    damaged.parent.mkdir()
    with tarfile.open(plain) as source, tarfile.open(damaged, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name.startswith("database."):
                data = data[:-100] + bytes([data[-100] ^ 0xFF]) + data[-99:]
            member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    refused = runner.invoke(args=["restore", str(damaged), "--yes"])
    assert refused.exit_code != 0 and "备份已损坏" in refused.output and "数据没有改动" in refused.output
    fresh()
    assert db.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc())) == before


def test_only_the_newest_archives_are_kept(app, runner, tmp_path):
    folder = tmp_path / "b"
    folder.mkdir()
    for old in ("gridbook-20260101-020000.tar.gz", "gridbook-20260102-020000.tar.gz"):
        (folder / old).write_bytes(b"old")
    result = runner.invoke(args=["backup", "--to", str(folder), "--keep", "2"])
    assert result.exit_code == 0 and "gridbook-20260101-020000.tar.gz" in result.output
    names = [p.name for p in backups.archives(folder)]
    assert len(names) == 2 and names[0] == "gridbook-20260102-020000.tar.gz"
