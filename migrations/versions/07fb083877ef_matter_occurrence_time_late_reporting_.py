"""A matter's occurrence time (发生时间) and whether it was reported late (迟报), and
when its owner last chased (催办) the department or town holding it past its deadline.
Existing matters keep both empty: their occurrence was never asked.

Revision ID: 07fb083877ef
Revises: d19af9deeb86
Create Date: 2026-12-07 22:05:48.806779

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '07fb083877ef'
down_revision = 'd19af9deeb86'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('matter', schema=None) as batch_op:
        batch_op.add_column(sa.Column('occurred_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('reported_late', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('chased_at', sa.DateTime(), nullable=True))



def downgrade():
    with op.batch_alter_table('matter', schema=None) as batch_op:
        batch_op.drop_column('chased_at')
        batch_op.drop_column('reported_late')
        batch_op.drop_column('occurred_at')

