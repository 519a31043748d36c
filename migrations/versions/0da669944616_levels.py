"""Levels of grids and grid chiefs (002 篇九, 篇四): 片区 (grid_area) grouping a
community's grids, a grid's area, and a staff post held at an area. Existing grids
are in no area; existing posts stay where they are.

Revision ID: 0da669944616
Revises: 4ceea5b5a224
Create Date: 2026-12-08 00:49:38.643240

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0da669944616'
down_revision = '4ceea5b5a224'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('grid_area',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['division.id'], name=op.f('fk_grid_area_community_id_division')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grid_area')),
    sa.UniqueConstraint('community_id', 'name', name=op.f('uq_grid_area_community_id'))
    )
    with op.batch_alter_table('grid_area', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grid_area_community_id'), ['community_id'], unique=False)

    with op.batch_alter_table('division', schema=None) as batch_op:
        batch_op.add_column(sa.Column('area_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_division_area_id'), ['area_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_division_area_id_grid_area'), 'grid_area', ['area_id'], ['id'])

    with op.batch_alter_table('staff_assignment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('area_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_staff_assignment_area_id'), ['area_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_staff_assignment_area_id_grid_area'), 'grid_area', ['area_id'], ['id'])


def downgrade():
    with op.batch_alter_table('staff_assignment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_staff_assignment_area_id_grid_area'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_staff_assignment_area_id'))
        batch_op.drop_column('area_id')

    with op.batch_alter_table('division', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_division_area_id_grid_area'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_division_area_id'))
        batch_op.drop_column('area_id')

    with op.batch_alter_table('grid_area', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grid_area_community_id'))

    op.drop_table('grid_area')