"""Moving a county from SQLite to PostgreSQL: `flask copy-to-postgresql TARGET_URL`.

A county starts on the embedded SQLite database and may outgrow one machine. This
copies the instance's database, row for row, into an empty PostgreSQL database; the
SQLite file is only read and stays as it was (the way back, should the move be called
off). The uploaded files (photos, attachments), the secret key and the rest of the
instance folder are not in the database: they stay where they are and the app keeps
using them once it points at PostgreSQL.

How, and why so:

- The source must be at this code's head revision (`flask db upgrade` first): the
  copy is made table by table from the models' metadata, which is the head's schema.
- The target must be empty: no tables at all, or a schema at the same revision that
  holds nothing but the reference rows migrations put in (a server started once
  against it). Anything else is refused: the copy replaces what is there.
- Everything on the target happens in one transaction on one connection — the
  migrations creating the schema (PostgreSQL's DDL is transactional), the removal of
  the reference rows they put in (the source's own, possibly edited, rows replace
  them), the rows, the sequences, the check of the row counts — so a failure anywhere
  leaves the target as it was: empty.
- The source is read in one read transaction: one moment of it, even if something
  were still writing (the server should be stopped: what is written after that
  moment is not copied).
- Tables go in foreign-key order (parents first). A table that refers to itself (a
  division's parent, a matter merged into another) is read parents first, by depth
  in its own tree, so every constraint holds at every row; PostgreSQL's constraints
  are not deferrable here.
- Rows are streamed in batches (a county holds some 200,000 residents) and inserted
  with executemany; a table holding files (a handover's signed PDF) in small ones.
- JSON columns are copied as their stored text: read decoded, SQL NULL and a JSON
  null would both come back as None and could not be told apart again.
- PostgreSQL's sequences are moved past the ids copied (app/core/database.py's
  advance_sequences, as after a bulk load): otherwise the first new row took id 1.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import click
from flask import current_app
from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    LargeBinary,
    Select,
    Table,
    Text,
    bindparam,
    cast,
    create_engine,
    func,
    inspect,
    literal,
    select,
    text,
    type_coerce,
)
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.pool import NullPool
from sqlalchemy.sql.elements import ColumnElement

from app.core.database import advance_sequences
from app.extensions import db

BATCH_ROWS = 2000
# A handover keeps the pack that was signed (a PDF) in its row.
FILE_BATCH_ROWS = 20
# The tables migrations fill with reference rows (matter types, time limits, visit
# classes, …): a target migrated but never used holds these and nothing else.
# tests/core/test_engine_move.py checks the list against a freshly migrated database.
REFERENCE_TABLES = frozenset(
    {
        "care_tag",
        "key_person_category",
        "manual_page",
        "matter_time_limit",
        "matter_type",
        "scoring_rule",
        "visit_class",
    }
)

Progress = Callable[[str], None]


class MoveError(Exception):
    """A copy refused or failed; the target is as it was. The message says why."""


@dataclass
class MoveReport:
    target: str  # the URL without its password
    revision: str
    migrated: bool  # the schema was created by this run (the target had no tables)
    rows: dict[str, int] = field(default_factory=dict)  # per table, in copying order
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def target_url(raw: str) -> URL:
    """The target's URL; a plain postgresql:// one gets the psycopg driver (the one
    requirements.txt installs)."""
    try:
        url = make_url(raw)
    except ArgumentError as error:
        # (not repeated: it may hold a password)
        raise MoveError("无法识别的数据库地址 / not a database URL") from error
    if url.get_backend_name() != "postgresql":
        raise MoveError(
            f"目标须是 PostgreSQL 数据库 / the target must be a PostgreSQL database "
            f"(postgresql://user:password@host/dbname), not {url.get_backend_name()}"
        )
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return url


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    config = current_app.extensions["migrate"].migrate.get_config()
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None  # (the migrations folder is part of the code)
    return head


def copying_order() -> list[Table]:
    """Every table of the models, each after the tables it refers to."""
    tables = list(db.metadata.sorted_tables)
    position = {table.name: number for number, table in enumerate(tables)}
    for table in tables:
        if len(_self_references(table)) > 1:
            raise MoveError(f"表 {table.name} 有多个指向自身的外键 / more than one self-reference in {table.name}")
        for key in table.foreign_keys:
            referred = key.column.table
            if referred is not table and position[referred.name] > position[table.name]:
                # Tables referring to each other in a ring (household.head_id is
                # use_alter, but resident does not refer back) would need their
                # constraints deferred; the schema has none, and this says so if one comes.
                raise MoveError(
                    f"外键成环，无法排序 / foreign keys form a cycle: {table.name}.{key.parent.name} → {referred.name}"
                )
    return tables


def _self_references(table: Table) -> list[ForeignKey]:
    return [key for key in table.foreign_keys if key.column.table is table]


def _source_columns(table: Table) -> list[ColumnElement[Any]]:
    """The table's columns as read from SQLite: JSON as its stored text."""
    return [
        type_coerce(column, Text).label(column.name) if isinstance(column.type, JSON) else column
        for column in table.columns
    ]


def _source_query(table: Table) -> Select[Any]:
    columns = _source_columns(table)
    references = _self_references(table)
    if not references:
        return select(*columns).order_by(*table.primary_key.columns)
    # Parents before children: each row's depth in the table's own tree (roots 0).
    parent, key = references[0].parent, references[0].column
    child = table.alias("child")
    roots = select(key.label("key"), literal(0).label("depth")).where(parent.is_(None))
    tree = roots.cte("tree", recursive=True)
    tree = tree.union_all(select(child.c[key.name], tree.c.depth + 1).join(tree, child.c[parent.name] == tree.c.key))
    return select(*columns).join(tree, key == tree.c.key).order_by(tree.c.depth, *table.primary_key.columns)


def _batch_rows(table: Table) -> int:
    if any(isinstance(column.type, LargeBinary) for column in table.columns):
        return FILE_BATCH_ROWS
    return BATCH_ROWS


def _count(connection: Connection, table: Table) -> int:
    return int(connection.scalar(select(func.count()).select_from(table)) or 0)


def _check_source(source: Connection, head: str) -> None:
    if db.engine.dialect.name != "sqlite":
        raise MoveError(
            f"本实例已使用 {db.engine.dialect.name}，不是 SQLite / this instance does not use SQLite: "
            f"to move a PostgreSQL database use pg_dump and pg_restore"
        )
    if "alembic_version" not in inspect(source).get_table_names():
        raise MoveError("本实例的数据库尚未建立 / this instance's database was never migrated: run `flask db upgrade`")
    revision = source.scalar(text("SELECT version_num FROM alembic_version"))
    if revision != head:
        raise MoveError(
            f"本实例的数据库版本是 {revision}，程序的是 {head}：请先运行 `flask db upgrade` / "
            f"the database is at revision {revision}, this code at {head}: run `flask db upgrade` first"
        )


def _check_target(target: Connection, tables: Sequence[Table], head: str) -> bool:
    """Refuse a target that holds anything; True when it has no tables at all (the
    schema is to be made), False when it is migrated to `head` and unused."""
    present = set(inspect(target).get_table_names())
    if not present:
        return True
    known = {table.name for table in tables} | {"alembic_version"}
    strangers = sorted(present - known)
    if strangers:
        raise MoveError(
            f"目标数据库不是空的，有不属于网格通的表 / the target database is not empty, it has tables "
            f"Gridbook does not know: {', '.join(strangers[:10])}"
        )
    revision = target.scalar(text("SELECT version_num FROM alembic_version")) if "alembic_version" in present else None
    if revision != head:
        raise MoveError(
            f"目标数据库不是空的，其版本是 {revision}，不是 {head} / the target database is not empty "
            f"(schema at revision {revision}, not {head}): give an empty database"
        )
    used = [
        table.name
        for table in tables
        if table.name not in REFERENCE_TABLES
        and table.name in present
        and target.scalar(select(literal(1)).select_from(table).limit(1)) is not None
    ]
    if used:
        raise MoveError(
            f"目标数据库不是空的，已有数据 / the target database is not empty, it holds data "
            f"({', '.join(used[:5])}{' …' if len(used) > 5 else ''}): give an empty database"
        )
    return False


def _migrate(target: Connection) -> None:
    """Alembic's upgrade to head on `target`, inside the transaction it is in (the
    migrations' env.py opens a connection of its own and commits it, which would
    leave a schema behind when the copy fails)."""
    from alembic.runtime.environment import EnvironmentContext
    from alembic.script import ScriptDirectory

    migrate = current_app.extensions["migrate"]
    config = migrate.migrate.get_config()
    script = ScriptDirectory.from_config(config)

    def steps(revision: Any, _context: Any) -> Any:
        return script._upgrade_revs("head", revision)  # what `alembic upgrade head` runs

    with EnvironmentContext(config, script, fn=steps, destination_rev="head") as environment:
        options = {name: value for name, value in migrate.configure_args.items() if name == "render_as_batch"}
        environment.configure(connection=target, target_metadata=db.metadata, **options)
        with environment.begin_transaction():  # (the caller's: alembic sees it is inside one)
            environment.run_migrations()


def _clear(target: Connection, tables: Sequence[Table]) -> None:
    """Remove the reference rows the migrations put in: the source's replace them."""
    for table in reversed(tables):
        target.execute(table.delete())


def _insert_statement(table: Table) -> Any:
    """INSERT with one parameter per column, by position; JSON cast from its text."""
    values: dict[Column[Any], Any] = {}
    for number, column in enumerate(table.columns):
        if isinstance(column.type, JSON):
            values[column] = cast(bindparam(f"p{number}", type_=Text), column.type)
        else:
            values[column] = bindparam(f"p{number}", type_=column.type)
    return table.insert().values(values)


def _batches(source: Connection, table: Table) -> Iterator[list[dict[str, Any]]]:
    size = _batch_rows(table)
    result = source.execute(_source_query(table), execution_options={"yield_per": size})
    for rows in result.partitions(size):
        yield [{f"p{number}": value for number, value in enumerate(row)} for row in rows]


def _copy_table(source: Connection, target: Connection, table: Table) -> int:
    statement = _insert_statement(table)
    copied = 0
    for batch in _batches(source, table):
        target.execute(statement, batch)
        copied += len(batch)
    return copied


def copy_to_postgresql(raw_url: str, progress: Progress | None = None) -> MoveReport:
    """Copy this instance's SQLite database into the empty PostgreSQL database at
    `raw_url`; MoveError when refused or failed (the target is then as it was)."""
    say = progress or (lambda _line: None)
    url = target_url(raw_url)
    shown = url.render_as_string(hide_password=True)
    head = head_revision()
    tables = copying_order()
    started = time.perf_counter()
    engine = create_engine(url, poolclass=NullPool)
    try:
        report = _copy(engine, tables, head, shown, say)
    except SQLAlchemyError as error:
        # The driver's message (authentication, a refused connection, a bad value)
        # says more than the statement SQLAlchemy wraps it in.
        raise MoveError(f"{type(error).__name__}: {getattr(error, 'orig', None) or error}") from error
    finally:
        engine.dispose()
    report.seconds = time.perf_counter() - started
    return report


def _copy(engine: Engine, tables: Sequence[Table], head: str, shown: str, say: Progress) -> MoveReport:
    with db.engine.connect() as source, source.begin():
        _check_source(source, head)
        expected = {table.name: _count(source, table) for table in tables}
        with engine.connect() as target, target.begin():
            migrated = _check_target(target, tables, head)
            if migrated:
                say(f"建立数据库结构 / creating the schema ({head}) …")
                _migrate(target)
            _clear(target, tables)
            report = MoveReport(shown, head, migrated)
            for table in tables:
                report.rows[table.name] = _copy_table(source, target, table)
                if report.rows[table.name]:
                    say(f"  {table.name:<28} {report.rows[table.name]:>10,}")
            found = {table.name: _count(target, table) for table in tables}
            wrong = [f"{name} {expected[name]}→{found[name]}" for name in expected if found[name] != expected[name]]
            if wrong:
                # A row the copy missed (a ring of self-references) or one added on
                # the way: a copy that is not whole is never committed.
                raise MoveError(f"行数不符 / row counts differ: {', '.join(wrong)}")
            advance_sequences(target, tables)  # last: a rollback would not undo it
    return report


@click.command("copy-to-postgresql")
@click.argument("target")
def copy_to_postgresql_command(target: str) -> None:
    """Copy this instance's SQLite database into an empty PostgreSQL database
    (TARGET: postgresql://user:password@host/dbname). Stop the server first."""
    try:
        report = copy_to_postgresql(target, progress=click.echo)
    except MoveError as error:
        raise click.ClickException(
            f"未复制，目标数据库没有改动 / nothing copied, the target is unchanged: {error}"
        ) from error
    click.echo(
        f"已复制 / copied: {len(report.rows)} 张表 tables, {report.total:,} 行 rows, "
        f"{report.seconds:.1f} s → {report.target}（行数逐表核对一致 / row counts checked table by table）"
    )
    click.echo(
        "上传的照片和文件仍在实例目录中，无需移动 / uploaded photos and files stay in the instance folder. "
        "下一步 / next: set GRIDBOOK_SQLALCHEMY_DATABASE_URI to the target and start the server; "
        "the SQLite file is left as it was (docs/deployment.md)."
    )
