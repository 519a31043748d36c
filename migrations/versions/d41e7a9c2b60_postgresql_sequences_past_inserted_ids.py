"""PostgreSQL: every table's id sequence moved past the ids already in it. Earlier
migrations seeded reference rows with explicit ids (the matter types 1–71, …), which
PostgreSQL's sequences do not notice: the next insert took id 1 again and failed. Any
later migration that inserts explicit ids must call reset_sequences() too. SQLite
needs nothing (it takes the next id from the table).

Revision ID: d41e7a9c2b60
Revises: c2dd410cd5ac
Create Date: 2026-12-07 07:20:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d41e7a9c2b60"
down_revision = "c2dd410cd5ac"
branch_labels = None
depends_on = None


def reset_sequences(bind) -> None:
    if bind.dialect.name != "postgresql":
        return
    inspector = sa.inspect(bind)
    for table in inspector.get_table_names():
        if "id" not in {column["name"] for column in inspector.get_columns(table)}:
            continue
        sequence = bind.scalar(sa.text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": f'"{table}"'})
        if sequence is None:
            continue
        bind.execute(
            sa.text(f'SELECT setval(:s, COALESCE((SELECT MAX(id) FROM "{table}"), 0) + 1, false)'), {"s": sequence}
        )


def upgrade():
    reset_sequences(op.get_bind())


def downgrade():
    pass  # the sequences may stay where they are
