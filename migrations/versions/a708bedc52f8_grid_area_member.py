"""A grid's 片区 moves from division.area_id to a table of its own (grid_area_member),
so that division and grid_area do not refer to each other (the SQLite→PostgreSQL copy
orders tables by their foreign keys). The grids' areas are copied over.

Revision ID: a708bedc52f8
Revises: 0da669944616
Create Date: 2026-12-08 01:59:06.245204

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a708bedc52f8'
down_revision = '0da669944616'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('grid_area_member',
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['grid_area.id'], name=op.f('fk_grid_area_member_area_id_grid_area')),
    sa.ForeignKeyConstraint(['grid_id'], ['division.id'], name=op.f('fk_grid_area_member_grid_id_division')),
    sa.PrimaryKeyConstraint('grid_id', name=op.f('pk_grid_area_member'))
    )
    with op.batch_alter_table('grid_area_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grid_area_member_area_id'), ['area_id'], unique=False)
    op.execute(
        "INSERT INTO grid_area_member (grid_id, area_id) SELECT id, area_id FROM division WHERE area_id IS NOT NULL"
    )

    with op.batch_alter_table('division', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_division_area_id'))
        batch_op.drop_constraint(batch_op.f('fk_division_area_id_grid_area'), type_='foreignkey')
        batch_op.drop_column('area_id')


def downgrade():
    with op.batch_alter_table('division', schema=None) as batch_op:
        batch_op.add_column(sa.Column('area_id', sa.INTEGER(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_division_area_id_grid_area'), 'grid_area', ['area_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_division_area_id'), ['area_id'], unique=False)
    op.execute(
        "UPDATE division SET area_id = (SELECT area_id FROM grid_area_member WHERE grid_id = division.id)"
    )

    with op.batch_alter_table('grid_area_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grid_area_member_area_id'))

    op.drop_table('grid_area_member')