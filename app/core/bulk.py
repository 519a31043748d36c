"""Bulk writes whose work is done before the write lock.

On SQLite one writer holds the database at a time, so a large write (an import of
tens of thousands of rows) stops every other save for as long as it runs. Most of
that time is Python, not SQLite: SQLAlchemy turns each row's dict into the engine's
values (dates to text, JSON to text, parameter order) row by row. `PreparedRows`
does all of that first, while others still save, and keeps rows ready for the
driver's executemany; inside the write transaction only ids are filled in and the
rows are handed over.

A row that refers to a row not yet written (a new household's head, a new
resident's membership) holds a `NewId`: the n-th id to be allocated for that table
(app.core.database.allocate_ids) when the write begins."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

from sqlalchemy import Insert, Integer, Table, Update, bindparam, insert, update
from sqlalchemy.orm import Session


@dataclass(frozen=True, slots=True)
class NewId:
    """The id the `index`-th new row of `table` gets when the write allocates them."""

    table: str
    index: int


class PreparedRows:
    """One INSERT or UPDATE and its rows, bound for the session's engine ahead of the
    write. `rows` are dicts of `columns`; values may be NewId.

    Inserts go as multi-row statements (as many rows as the engine takes, like
    SQLAlchemy's own "insertmanyvalues"): one statement per row would cost SQLite far
    more, since the search index (FTS5) a resident's insert feeds writes out its
    pending terms at the end of every statement. Updates go one row per statement,
    all in one executemany."""

    def __init__(
        self,
        session: Session,
        table: Table,
        columns: Sequence[str],
        rows: Iterable[Mapping],
        *,
        update_by: str | None = None,
    ):
        self.dialect = session.get_bind().dialect
        self.table, self.update_by = table, update_by
        # Columns left out take their Python-side default (onupdate for an update),
        # worked out once here: the compiler would otherwise add binds of its own.
        defaults = {}
        for column in table.columns:
            default: Any = column.default if update_by is None else column.onupdate
            if column.key in columns or default is None:
                continue
            if default.is_scalar:
                defaults[column.key] = default.arg
            elif default.is_callable:
                defaults[column.key] = default.arg(None)
        if defaults:
            columns = [*columns, *defaults]
            rows = ({**row, **defaults} for row in rows)
        if update_by is None:
            limit = self.dialect.insertmanyvalues_max_parameters // len(columns)
            per_statement = max(1, min(self.dialect.insertmanyvalues_page_size, limit))
        else:
            per_statement = 1
        # The columns in the order the statement binds them, so that a statement's
        # values are its rows' values one after another.
        self.columns = list(columns)
        self.columns = self._statement(1)[2]
        processors = [table.c[c].type.dialect_impl(self.dialect).bind_processor(self.dialect) for c in self.columns]
        # A new row's id can only stand where an integer goes (a key or a reference).
        may_refer = [i for i, c in enumerate(self.columns) if isinstance(table.c[c].type, Integer)]
        values: list[list] = []
        for row in rows:
            values.append(
                [
                    row[c] if process is None else process(row[c])
                    for c, process in zip(self.columns, processors, strict=True)
                ]
            )
        self.count = len(values)
        width = len(self.columns)
        # (statement, bind names in the driver's order, [values of each execution],
        # [where each execution's NewIds stand])
        self.groups: list[tuple[str, list[str], list[list], list[list[int]]]] = []
        full = len(values) - len(values) % per_statement
        for size, part in ((per_statement, values[:full]), (len(values) - full, values[full:])):
            if not part:
                continue
            sql, names, _ = self._statement(size)
            executions, waiting = [], []
            for start in range(0, len(part), size):
                rows_here = part[start : start + size]
                executions.append(list(chain.from_iterable(rows_here)))
                waiting.append(
                    [
                        offset * width + i
                        for offset, row in enumerate(rows_here)
                        for i in may_refer
                        if isinstance(row[i], NewId)
                    ]
                )
            self.groups.append((sql, names, executions, waiting))

    def _statement(self, rows: int) -> tuple[str, list[str], list[str]]:
        """The statement for `rows` rows, its bind names in the driver's order, and
        the columns of one row in that order."""
        table, columns = self.table, self.columns
        statement: Insert | Update
        if self.update_by is None:
            # Bind names of their own: a column named like a bind SQLAlchemy makes would clash.
            statement = insert(table).values(
                [{c: bindparam(f"r{row}_{c}", type_=table.c[c].type) for c in columns} for row in range(rows)]
            )
            column_of = {f"r{row}_{c}": c for row in range(rows) for c in columns}
        else:
            key = self.update_by
            statement = (
                update(table)
                .where(table.c[key] == bindparam("k_key", type_=table.c[key].type))
                .values({c: bindparam(f"v_{c}", type_=table.c[c].type) for c in columns if c != key})
            )
            column_of = {f"v_{c}": c for c in columns if c != key} | {"k_key": key}
        compiled = statement.compile(dialect=self.dialect)
        # Positional drivers (sqlite3) take values in the statement's order; named
        # ones (psycopg) take a dict, in whatever order.
        names = list(compiled.positiontup or ()) if compiled.positional else list(column_of)
        per_row = len(names) // rows
        return compiled.string, names, [column_of[name] for name in names[:per_row]]

    def __len__(self) -> int:
        return self.count

    def execute(self, session: Session, ids: Mapping[str, Sequence[int]]) -> None:
        """Write the rows (once) in the session's transaction; `ids` by table name, as allocated."""
        connection = session.connection()
        positional = self.dialect.positional
        for sql, names, executions, waiting in self.groups:
            parameters = []
            for values, new in zip(executions, waiting, strict=True):
                for i in new:
                    values[i] = ids[values[i].table][values[i].index]
                parameters.append(tuple(values) if positional else dict(zip(names, values, strict=True)))
            connection.exec_driver_sql(sql, parameters)
