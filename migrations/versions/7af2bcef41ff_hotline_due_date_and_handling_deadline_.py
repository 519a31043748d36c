"""hotline due date and handling-deadline index

matter.hotline_due_at keeps the 12345 hotline's own limit (办结时限) of an imported
work order. The index on matter (grid_id, handle_due_at) lets the indicators find
each grid's matters "due in a period" without scanning every matter (an index on
handle_due_at alone lost to ix_matter_grid_id in SQLite's plans). Both are
additive: SQLite adds the column and the index in place (no table rebuild).

Revision ID: 7af2bcef41ff
Revises: cd91ed113145
Create Date: 2026-11-22 03:13:04.844769

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7af2bcef41ff'
down_revision = 'cd91ed113145'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('matter', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hotline_due_at', sa.DateTime(), nullable=True))
        batch_op.create_index('ix_matter_grid_handle_due', ['grid_id', 'handle_due_at'], unique=False)


def downgrade():
    with op.batch_alter_table('matter', schema=None) as batch_op:
        batch_op.drop_index('ix_matter_grid_handle_due')
        batch_op.drop_column('hotline_due_at')
