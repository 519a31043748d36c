"""Backups a county can rely on, and putting one back (`flask backup`, `flask restore`).

A backup is one archive, `gridbook-YYYYMMDD-HHMMSS.tar.gz` (`.tar.gz.enc` when
encrypted), holding:

- the database as of one moment, taken while the app serves and writes: SQLite's
  `VACUUM INTO` (one read transaction: a consistent copy however busy the writers;
  its `.backup` restarts whenever a page changes and never finished on a busy county
  database), PostgreSQL's `pg_dump` (a snapshot of its own);
- the uploaded files (photos, attachments), copied after the database, so every file
  a saved record names is there;
- the instance folder's own files (config.py, the secret key) — without them sessions,
  one-time links and the app's settings would not survive a move;
- manifest.json: when, which engine, the schema's migration revision, and each file's
  SHA-256.

The data is personal (ID numbers, key persons): with a key file (`flask backup
--make-key`) the archive is encrypted (Fernet: AES-128-CBC with an HMAC, from the
`cryptography` package); keep the key apart from the backups. Old archives beyond
`--keep` are removed, oldest first.

Restoring checks before it changes anything: the archive opens (and decrypts), every
file matches the manifest's SHA-256, the revision is one this code knows, and an
SQLite database passes `PRAGMA integrity_check`. Only then the database is replaced
(and upgraded to the code's revision), the upload folder is replaced — the one it
replaces kept beside it — and missing instance files are put back. Run it with the
server stopped."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import text
from sqlalchemy.engine import make_url

from app.core.timeutil import to_local, utcnow
from app.extensions import db

FORMAT = 1
PREFIX = "gridbook-"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
# Instance files that are not the database, the uploads or something made again.
KEPT_INSTANCE_FILES = ("config.py", "secret_key")


class BackupError(Exception):
    """A backup that cannot be made or put back; the message says why, in Chinese."""


@dataclass
class BackupReport:
    path: Path
    size: int
    files: int
    removed: list[Path]


def make_key(path: Path) -> None:
    from cryptography.fernet import Fernet

    if path.exists():
        raise BackupError(_("密钥文件已存在，不会覆盖：%(path)s", path=path))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(Fernet.generate_key())


def _engine_name() -> str:
    return db.engine.dialect.name


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _libpq_url() -> str:
    """The database URL as pg_dump and pg_restore take it (no SQLAlchemy driver)."""
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _postgresql_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
            if (folder / name).exists():
                return str(folder / name)
        raise BackupError(_("找不到 %(tool)s：请安装 postgresql-client。", tool=name))
    return found


def _current_revision() -> str | None:
    try:
        return db.session.scalar(text("SELECT version_num FROM alembic_version"))
    finally:
        db.session.rollback()


def _copy_database(target: Path) -> None:
    if _engine_name() == "sqlite":
        # VACUUM cannot run inside a transaction, and SQLAlchemy begins one on every
        # connection: the driver's own connection (autocommit, app/core/database.py).
        connection = db.engine.raw_connection()
        try:
            driver = connection.driver_connection
            assert driver is not None  # (a live connection from the pool)
            driver.execute("VACUUM INTO ?", (str(target),))
        finally:
            connection.close()
        return
    subprocess.run(
        [_postgresql_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={target}", _libpq_url()],
        check=True,
        capture_output=True,
    )


def create_backup(folder: Path, keep: int, key_file: Path | None = None, now: datetime | None = None) -> BackupReport:
    """Write a backup archive into `folder` and keep the newest `keep` archives there."""
    moment = to_local(now or utcnow())
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    engine = _engine_name()
    if engine not in DATABASE_FILES:
        raise BackupError(_("不支持备份这种数据库：%(engine)s", engine=engine))
    with tempfile.TemporaryDirectory(dir=folder, prefix=".making-") as scratch:
        staging = Path(scratch) / "staging"
        staging.mkdir()
        database_file = staging / DATABASE_FILES[engine]
        revision = _current_revision()
        _copy_database(database_file)
        uploads = Path(current_app.config["UPLOAD_FOLDER"])
        if uploads.is_dir():
            shutil.copytree(uploads, staging / "uploads", symlinks=False)
        instance = Path(current_app.instance_path)
        for name in KEPT_INSTANCE_FILES:
            if (instance / name).is_file():
                (staging / "instance").mkdir(exist_ok=True)
                shutil.copy2(instance / name, staging / "instance" / name)
        files = {
            path.relative_to(staging).as_posix(): _sha256(path) for path in sorted(staging.rglob("*")) if path.is_file()
        }
        manifest = {
            "format": FORMAT,
            "created_at": moment.isoformat(timespec="seconds"),
            "engine": engine,
            "revision": revision,
            "files": files,
        }
        (staging / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
        archive = Path(scratch) / "archive.tar.gz"
        with tarfile.open(archive, "w:gz") as tar:
            tar.add(staging / "manifest.json", arcname="manifest.json")
            for name in files:
                tar.add(staging / name, arcname=name)
        name = f"{PREFIX}{moment:%Y%m%d-%H%M%S}.tar.gz"
        if key_file is not None:
            archive = _encrypt(archive, key_file)
            name += ".enc"
        target = folder / name
        os.chmod(archive, 0o600)
        os.replace(archive, target)
    removed = _prune(folder, keep)
    return BackupReport(target, target.stat().st_size, len(files), removed)


def _fernet(key_file: Path):
    from cryptography.fernet import Fernet

    try:
        return Fernet(key_file.read_bytes().strip())
    except (OSError, ValueError) as error:
        raise BackupError(_("密钥文件无法使用：%(path)s", path=key_file)) from error


def _encrypt(archive: Path, key_file: Path) -> Path:
    encrypted = archive.with_name(archive.name + ".enc")
    encrypted.write_bytes(_fernet(key_file).encrypt(archive.read_bytes()))
    archive.unlink()
    return encrypted


def archives(folder: Path) -> list[Path]:
    """The backups in a folder, oldest first (their names sort by time)."""
    return sorted(p for p in folder.glob(f"{PREFIX}*.tar.gz*") if p.is_file())


def _prune(folder: Path, keep: int) -> list[Path]:
    found = archives(folder)
    removed = found[: max(0, len(found) - max(keep, 1))]
    for path in removed:
        path.unlink()
    return removed


def check_backup(archive: Path, into: Path, key_file: Path | None = None) -> dict:
    """Unpack `archive` into `into` and check it; returns its manifest. BackupError
    says what is wrong."""
    try:
        data = archive.read_bytes()
    except OSError as error:
        raise BackupError(_("无法读取备份文件：%(path)s", path=archive)) from error
    if archive.name.endswith(".enc"):
        if key_file is None:
            raise BackupError(_("这个备份是加密的，请用 --key 指定密钥文件。"))
        from cryptography.fernet import InvalidToken

        try:
            data = _fernet(key_file).decrypt(data)
        except InvalidToken as error:
            raise BackupError(_("无法解密：密钥不对，或备份已损坏。")) from error
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            tar.extractall(into, filter="data")
        manifest = json.loads((into / "manifest.json").read_text())
    except (tarfile.TarError, OSError, EOFError, ValueError) as error:
        raise BackupError(_("备份已损坏，无法打开。")) from error
    if manifest.get("format") != FORMAT:
        raise BackupError(_("备份的格式不认识。"))
    for name, digest in manifest["files"].items():
        path = into / name
        if not path.is_file() or _sha256(path) != digest:
            raise BackupError(_("备份已损坏：%(name)s 与清单不符。", name=name))
    _check_revision(manifest.get("revision"))
    if manifest["engine"] == "sqlite":
        _check_sqlite(into / DATABASE_FILES["sqlite"])
    return manifest


def _check_revision(revision: str | None) -> None:
    from alembic.script import ScriptDirectory

    config = current_app.extensions["migrate"].migrate.get_config()
    try:
        known = revision is not None and ScriptDirectory.from_config(config).get_revision(revision) is not None
    except Exception:  # alembic raises its own errors for unknown revisions
        known = False
    if not known:
        raise BackupError(
            _("备份的数据库版本（%(revision)s）比这套程序新或无法识别：请先升级程序再恢复。", revision=revision)
        )


def _check_sqlite(path: Path) -> None:
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = connection.execute("PRAGMA integrity_check").fetchone()
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(_("备份中的数据库已损坏。")) from error
    if result is None or result[0] != "ok":
        raise BackupError(_("备份中的数据库已损坏。"))


def restore_backup(archive: Path, key_file: Path | None = None) -> dict:
    """Check `archive`, then put it in place of this instance's data. Returns the
    manifest. The server must be stopped."""
    instance = Path(current_app.instance_path)
    with tempfile.TemporaryDirectory(dir=instance, prefix=".restoring-") as scratch:
        unpacked = Path(scratch)
        manifest = check_backup(archive, unpacked, key_file)
        engine = _engine_name()
        if manifest["engine"] != engine:
            raise BackupError(
                _(
                    "备份来自 %(theirs)s 数据库，本实例使用 %(ours)s：请用迁移命令，不要直接恢复。",
                    theirs=manifest["engine"],
                    ours=engine,
                )
            )
        _replace_database(unpacked / DATABASE_FILES[engine])
        _replace_uploads(unpacked / "uploads")
        for name in KEPT_INSTANCE_FILES:
            source = unpacked / "instance" / name
            if source.is_file() and not (instance / name).exists():
                shutil.copy2(source, instance / name)
                os.chmod(instance / name, 0o600)
    from flask_migrate import upgrade

    upgrade()  # a backup from an older release meets this code's schema
    return manifest


def _replace_database(source: Path) -> None:
    db.session.remove()
    db.engine.dispose()
    if _engine_name() == "sqlite":
        target = Path(make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).database or "")
        if not target.is_absolute():
            target = Path(current_app.instance_path) / target
        for leftover in (target.with_name(target.name + "-wal"), target.with_name(target.name + "-shm")):
            leftover.unlink(missing_ok=True)
        shutil.copyfile(source, target)
        return
    subprocess.run(
        [
            _postgresql_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            f"--dbname={_libpq_url()}",
            str(source),
        ],
        check=True,
        capture_output=True,
    )


def _replace_uploads(source: Path) -> None:
    target = Path(current_app.config["UPLOAD_FOLDER"])
    if target.exists() and any(target.iterdir()):
        aside = target.with_name(f"{target.name}.before-restore-{to_local(utcnow()):%Y%m%d-%H%M%S}")
        target.rename(aside)
    elif target.exists():
        target.rmdir()
    if source.is_dir():
        shutil.copytree(source, target)
    else:
        target.mkdir(mode=0o700)
