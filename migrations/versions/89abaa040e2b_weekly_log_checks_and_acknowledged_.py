"""The community's weekly check of each grid's 民情日志 (空岗 weeks criticised), and the
grid chief's acknowledgement of the Monday/Thursday reports. Existing reports stay
unacknowledged.

Revision ID: 89abaa040e2b
Revises: 07fb083877ef
Create Date: 2026-12-07 22:15:57.855840

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '89abaa040e2b'
down_revision = '07fb083877ef'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('opinion_log_check',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('week_start', sa.Date(), nullable=False),
    sa.Column('entries', sa.Integer(), nullable=False),
    sa.Column('result', sa.String(length=16), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('checked_on', sa.Date(), nullable=False),
    sa.Column('checked_by_id', sa.Integer(), nullable=True),
    sa.Column('checked_by_name', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['checked_by_id'], ['user_account.id'], name=op.f('fk_opinion_log_check_checked_by_id_user_account')),
    sa.ForeignKeyConstraint(['grid_id'], ['division.id'], name=op.f('fk_opinion_log_check_grid_id_division')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opinion_log_check')),
    sa.UniqueConstraint('grid_id', 'week_start', name=op.f('uq_opinion_log_check_grid_id'))
    )
    with op.batch_alter_table('opinion_log_check', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opinion_log_check_grid_id'), ['grid_id'], unique=False)

    with op.batch_alter_table('chief_report', schema=None) as batch_op:
        batch_op.add_column(sa.Column('acknowledged_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('acknowledged_by_name', sa.String(length=64), nullable=False, server_default=''))



def downgrade():
    with op.batch_alter_table('chief_report', schema=None) as batch_op:
        batch_op.drop_column('acknowledged_by_name')
        batch_op.drop_column('acknowledged_at')

    with op.batch_alter_table('opinion_log_check', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opinion_log_check_grid_id'))

    op.drop_table('opinion_log_check')
