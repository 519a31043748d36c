"""handover (交接): a grid worker's or chief's assignment handed to a successor, with the
pack as printed for signing (bytes and SHA-256). A new table: nothing existing changes.

Revision ID: 9ae5f3d6aeb9
Revises: bb140126ba0e
Create Date: 2026-12-07 04:51:03.711348

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9ae5f3d6aeb9'
down_revision = 'bb140126ba0e'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('handover',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('leaver_id', sa.Integer(), nullable=False),
    sa.Column('successor_id', sa.Integer(), nullable=False),
    sa.Column('handed_over_on', sa.Date(), nullable=False),
    sa.Column('account_action', sa.String(length=16), nullable=False),
    sa.Column('key_persons_moved', sa.Integer(), nullable=False),
    sa.Column('pack_sha256', sa.String(length=64), nullable=False),
    sa.Column('pack_pdf', sa.LargeBinary(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['assignment_id'], ['staff_assignment.id'], name=op.f('fk_handover_assignment_id_staff_assignment')),
    sa.ForeignKeyConstraint(['grid_id'], ['division.id'], name=op.f('fk_handover_grid_id_division')),
    sa.ForeignKeyConstraint(['leaver_id'], ['staff_member.id'], name=op.f('fk_handover_leaver_id_staff_member')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_handover_recorded_by_id_user_account')),
    sa.ForeignKeyConstraint(['successor_id'], ['staff_member.id'], name=op.f('fk_handover_successor_id_staff_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handover')),
    sa.UniqueConstraint('assignment_id', name=op.f('uq_handover_assignment_id'))
    )
    with op.batch_alter_table('handover', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_handover_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_handover_leaver_id'), ['leaver_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_handover_successor_id'), ['successor_id'], unique=False)



def downgrade():
    with op.batch_alter_table('handover', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_handover_successor_id'))
        batch_op.drop_index(batch_op.f('ix_handover_leaver_id'))
        batch_op.drop_index(batch_op.f('ix_handover_grid_id'))

    op.drop_table('handover')
