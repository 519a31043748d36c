"""PostgreSQL's search indexes (SQLite has its FTS5 tables since b7c3e1f20a54): a GIN
index over each name's characters, so that a two-character name is narrowed to the
residents holding both characters before ILIKE matches the run (pg_trgm cannot: a
trigram needs three characters), and B-tree indexes over the reversed ID and phone
numbers, so that "ends with these digits" is a range look-up; for the household and
building numbers and addresses, a pg_trgm GIN index each (ILIKE of three characters or
more) and a characters index for shorter searches (app/registry/search/index.py).
pg_trgm is a trusted extension: the database's owner may create it. Nothing on SQLite.

Also the foreign key from a household's head to the resident, which the first
register revision declared with use_alter and which PostgreSQL databases therefore
never got (SQLite has it): added where it is missing; a head that names no resident
stops the upgrade with the households named.

Revision ID: 3280a3bf29ce
Revises: 002363221a38
Create Date: 2026-12-07 09:40:12.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "3280a3bf29ce"
down_revision = "002363221a38"
branch_labels = None
depends_on = None

# Copied, not imported: a migration must not change when the code does.
TEXT_COLUMNS = (
    ("household", "household_number"),
    ("household", "address_text"),
    ("building", "number"),
    ("building", "address"),
)


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE INDEX ix_resident_name_chars ON resident USING gin (string_to_array(lower(name), NULL))")
    op.execute("CREATE INDEX ix_resident_id_tail ON resident (reverse(id_number) text_pattern_ops)")
    op.execute("CREATE INDEX ix_resident_phone_tail ON resident (reverse(phone) text_pattern_ops)")
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table, column in TEXT_COLUMNS:
        op.execute(f"CREATE INDEX ix_{table}_{column}_trgm ON {table} USING gin ({column} gin_trgm_ops)")
        op.execute(
            f"CREATE INDEX ix_{table}_{column}_chars ON {table} USING gin (string_to_array(lower({column}), NULL))"
        )
    _add_missing_head_key()


def _add_missing_head_key():
    bind = op.get_bind()
    keys = sa.inspect(bind).get_foreign_keys("household")
    if any(key["constrained_columns"] == ["head_id"] for key in keys):
        return
    orphans = bind.execute(
        sa.text(
            "SELECT household_number FROM household WHERE head_id IS NOT NULL "
            "AND head_id NOT IN (SELECT id FROM resident) LIMIT 20"
        )
    ).all()
    if orphans:
        raise RuntimeError(f"households whose head is no resident; correct them and upgrade again: {orphans}")
    op.create_foreign_key("fk_household_head_id_resident", "household", "resident", ["head_id"], ["id"])


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in TEXT_COLUMNS:
        for kind in ("trgm", "chars"):
            op.execute(f"DROP INDEX IF EXISTS ix_{table}_{column}_{kind}")
    for name in ("ix_resident_phone_tail", "ix_resident_id_tail", "ix_resident_name_chars"):
        op.execute(f"DROP INDEX IF EXISTS {name}")
