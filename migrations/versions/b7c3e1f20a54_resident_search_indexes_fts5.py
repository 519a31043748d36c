"""resident search indexes (SQLite FTS5): names by character, ID/phone numbers by trigram; no status index

Two contentless FTS5 tables hold only what search needs, keyed by resident.id,
and triggers on `resident` keep them right whoever writes the table. See
app/registry/search/index.py for how they are queried.

A later migration that rebuilds `resident` in batch mode (copy, drop, rename)
drops these triggers with the old table: it must create them again (a test
checks they exist at head). On other databases this migration does nothing.

Revision ID: b7c3e1f20a54
Revises: a40d241b0a45
Create Date: 2026-11-22 03:05:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b7c3e1f20a54'
down_revision = 'a40d241b0a45'
branch_labels = None
depends_on = None

# Characters of a name split by spaces, in plain SQL so that the triggers need no
# application function: the first 24 characters one by one (longer names keep
# the rest as one token). Deterministic, so a delete reproduces what was indexed.
SPLIT_CHARACTERS = 24


def _spaced(expression: str) -> str:
    parts = [f"substr({expression}, {i}, 1)" for i in range(1, SPLIT_CHARACTERS + 1)]
    parts.append(f"substr({expression}, {SPLIT_CHARACTERS + 1})")
    return "trim(" + " || ' ' || ".join(parts) + ")"


def _insert(row: str) -> list[str]:
    return [
        f"INSERT INTO resident_name_fts(rowid, name_chars) VALUES ({row}.id, {_spaced(row + '.name')});",
        f"INSERT INTO resident_number_fts(rowid, id_number, phone) "
        f"VALUES ({row}.id, coalesce({row}.id_number, ''), coalesce({row}.phone, ''));",
    ]


def _delete(row: str) -> list[str]:
    return [
        f"INSERT INTO resident_name_fts(resident_name_fts, rowid, name_chars) "
        f"VALUES ('delete', {row}.id, {_spaced(row + '.name')});",
        f"INSERT INTO resident_number_fts(resident_number_fts, rowid, id_number, phone) "
        f"VALUES ('delete', {row}.id, coalesce({row}.id_number, ''), coalesce({row}.phone, ''));",
    ]


TRIGGERS = {
    "resident_search_insert": ("AFTER INSERT ON resident", _insert("new")),
    "resident_search_delete": ("AFTER DELETE ON resident", _delete("old")),
    "resident_search_update": ("AFTER UPDATE OF name, id_number, phone ON resident",
                               _delete("old") + _insert("new")),
}


def upgrade():
    # The status index (three values) misleads the planner once statistics exist:
    # it chose "every active resident" over the name and search indexes.
    with op.batch_alter_table('resident', schema=None) as batch_op:
        batch_op.drop_index('ix_resident_status')
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("CREATE VIRTUAL TABLE resident_name_fts USING fts5(name_chars, content='', tokenize='unicode61')")
    op.execute("CREATE VIRTUAL TABLE resident_number_fts USING fts5(id_number, phone, content='', "
               "tokenize='trigram')")
    op.execute(f"INSERT INTO resident_name_fts(rowid, name_chars) SELECT id, {_spaced('name')} FROM resident")
    op.execute("INSERT INTO resident_number_fts(rowid, id_number, phone) "
               "SELECT id, coalesce(id_number, ''), coalesce(phone, '') FROM resident")
    for name, (when, statements) in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {when} BEGIN\n" + "\n".join(statements) + "\nEND")
    # Statistics let the planner start from the index when a search matches few
    # people instead of walking the list order; cheap with a sampling limit.
    op.execute("PRAGMA analysis_limit = 1000")
    op.execute("ANALYZE")


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for name in TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS resident_number_fts")
        op.execute("DROP TABLE IF EXISTS resident_name_fts")
    with op.batch_alter_table('resident', schema=None) as batch_op:
        batch_op.create_index('ix_resident_status', ['status'], unique=False)
