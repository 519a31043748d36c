"""Points of responsibility (责任点位: roads, greens, lamps, billboards, markets … of a
grid, each with its responsible unit and person) and their monthly supervisions.

Revision ID: 6f0a77b42f19
Revises: d1917bc6b9fc
Create Date: 2026-12-07 22:54:45.470983

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6f0a77b42f19'
down_revision = 'd1917bc6b9fc'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('responsibility_point',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('responsible_unit', sa.String(length=100), nullable=False),
    sa.Column('responsible_person', sa.String(length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['grid_id'], ['division.id'], name=op.f('fk_responsibility_point_grid_id_division')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_responsibility_point'))
    )
    with op.batch_alter_table('responsibility_point', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_responsibility_point_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index('uq_responsibility_point_grid_name', ['grid_id', 'name'], unique=True)

    op.create_table('point_supervision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('point_id', sa.Integer(), nullable=False),
    sa.Column('supervised_on', sa.Date(), nullable=False),
    sa.Column('supervisors', sa.String(length=200), nullable=False),
    sa.Column('found_problem', sa.Boolean(), nullable=False),
    sa.Column('finding', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_name', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['point_id'], ['responsibility_point.id'], name=op.f('fk_point_supervision_point_id_responsibility_point')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_point_supervision_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_point_supervision'))
    )
    with op.batch_alter_table('point_supervision', schema=None) as batch_op:
        batch_op.create_index('ix_point_supervision_point_day', ['point_id', 'supervised_on'], unique=False)



def downgrade():
    with op.batch_alter_table('point_supervision', schema=None) as batch_op:
        batch_op.drop_index('ix_point_supervision_point_day')

    op.drop_table('point_supervision')
    with op.batch_alter_table('responsibility_point', schema=None) as batch_op:
        batch_op.drop_index('uq_responsibility_point_grid_name')
        batch_op.drop_index(batch_op.f('ix_responsibility_point_grid_id'))

    op.drop_table('responsibility_point')
