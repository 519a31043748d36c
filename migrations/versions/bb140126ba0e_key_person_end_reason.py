"""key_person.end_reason: why a listing ended (解除列管 with a reason, or the resident's
death or moving away, which now end their listings); existing rows get ''.

Revision ID: bb140126ba0e
Revises: 23165229ea05
Create Date: 2026-12-07 04:33:38.080218

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "bb140126ba0e"
down_revision = "23165229ea05"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("key_person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("end_reason", sa.String(length=200), server_default="", nullable=False))


def downgrade():
    with op.batch_alter_table("key_person", schema=None) as batch_op:
        batch_op.drop_column("end_reason")
