"""What 十户联防 groups do together (joint patrols, mutual help, alerts, meetings), on
record.

Revision ID: 5897e2b6dad2
Revises: 89abaa040e2b
Create Date: 2026-12-07 22:20:04.348975

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5897e2b6dad2'
down_revision = '89abaa040e2b'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('joint_defence_activity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('participants', sa.String(length=200), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_name', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['joint_defence_group.id'], name=op.f('fk_joint_defence_activity_group_id_joint_defence_group')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_joint_defence_activity_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_joint_defence_activity'))
    )
    with op.batch_alter_table('joint_defence_activity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_joint_defence_activity_group_id'), ['group_id'], unique=False)



def downgrade():
    with op.batch_alter_table('joint_defence_activity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_joint_defence_activity_group_id'))

    op.drop_table('joint_defence_activity')
