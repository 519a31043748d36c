"""field records entered offline carry entered_at

A nullable `entered_at` on visit, patrol, patrol_finding, opinion_entry, matter and
chief_report: when the record was entered on a phone without signal, if it waited
there (docs/phone.md, "No signal, no loss"); the record's created time stays when it
arrived. Records saved before, and every record sent at once, have none. Columns are
added and dropped in place (recreate="never"): copying the matter table on SQLite
fails on the foreign keys that point at it.

Revision ID: 999c93c9066d
Revises: fade62a0e6f3
Create Date: 2026-12-07 12:47:47.120855

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "999c93c9066d"
down_revision = "fade62a0e6f3"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("chief_report", recreate="never") as batch_op:
        batch_op.add_column(sa.Column("entered_at", sa.DateTime(), nullable=True))

    with op.batch_alter_table("matter", recreate="never") as batch_op:
        batch_op.add_column(sa.Column("entered_at", sa.DateTime(), nullable=True))

    with op.batch_alter_table("opinion_entry", recreate="never") as batch_op:
        batch_op.add_column(sa.Column("entered_at", sa.DateTime(), nullable=True))

    with op.batch_alter_table("patrol", recreate="never") as batch_op:
        batch_op.add_column(sa.Column("entered_at", sa.DateTime(), nullable=True))

    with op.batch_alter_table("patrol_finding", recreate="never") as batch_op:
        batch_op.add_column(sa.Column("entered_at", sa.DateTime(), nullable=True))

    with op.batch_alter_table("visit", recreate="never") as batch_op:
        batch_op.add_column(sa.Column("entered_at", sa.DateTime(), nullable=True))



def downgrade():
    with op.batch_alter_table("visit", recreate="never") as batch_op:
        batch_op.drop_column("entered_at")

    with op.batch_alter_table("patrol_finding", recreate="never") as batch_op:
        batch_op.drop_column("entered_at")

    with op.batch_alter_table("patrol", recreate="never") as batch_op:
        batch_op.drop_column("entered_at")

    with op.batch_alter_table("opinion_entry", recreate="never") as batch_op:
        batch_op.drop_column("entered_at")

    with op.batch_alter_table("matter", recreate="never") as batch_op:
        batch_op.drop_column("entered_at")

    with op.batch_alter_table("chief_report", recreate="never") as batch_op:
        batch_op.drop_column("entered_at")

