"""A 核实 visit's verdict on the grid's records (信息准确 / 需更正, with what) and when the
grid marked it corrected; existing visits have none.

Revision ID: f6a7fc7bb612
Revises: 986879c32c87
Create Date: 2026-12-08 00:27:52.188579

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f6a7fc7bb612'
down_revision = '986879c32c87'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('record_check', sa.String(length=16), server_default='', nullable=False))
        batch_op.add_column(sa.Column('correction', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('corrected_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('corrected_by_name', sa.String(length=64), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.drop_column('corrected_by_name')
        batch_op.drop_column('corrected_on')
        batch_op.drop_column('correction')
        batch_op.drop_column('record_check')
