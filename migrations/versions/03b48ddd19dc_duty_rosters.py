"""duty rosters: duty_roster (a community's roster for a week or a month) and
duty_shift (who is on duty on which day)

Revision ID: 03b48ddd19dc
Revises: 7af2bcef41ff
Create Date: 2026-11-22 04:14:26.440021

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '03b48ddd19dc'
down_revision = '7af2bcef41ff'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('duty_roster',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('period_kind', sa.String(length=8), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['division.id'], name=op.f('fk_duty_roster_community_id_division')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_duty_roster_updated_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_duty_roster')),
    sa.UniqueConstraint('community_id', 'period_kind', 'period_start', name=op.f('uq_duty_roster_community_id'))
    )
    with op.batch_alter_table('duty_roster', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_duty_roster_community_id'), ['community_id'], unique=False)

    op.create_table('duty_shift',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('roster_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['roster_id'], ['duty_roster.id'], name=op.f('fk_duty_shift_roster_id_duty_roster'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_member.id'], name=op.f('fk_duty_shift_staff_id_staff_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_duty_shift')),
    sa.UniqueConstraint('roster_id', 'day', 'staff_id', name=op.f('uq_duty_shift_roster_id'))
    )
    with op.batch_alter_table('duty_shift', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_duty_shift_roster_id'), ['roster_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_duty_shift_staff_id'), ['staff_id'], unique=False)



def downgrade():
    with op.batch_alter_table('duty_shift', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_duty_shift_staff_id'))
        batch_op.drop_index(batch_op.f('ix_duty_shift_roster_id'))

    op.drop_table('duty_shift')
    with op.batch_alter_table('duty_roster', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_duty_roster_community_id'))

    op.drop_table('duty_roster')
