"""A matter, a patrol finding or an inspection may name the grid's point of
responsibility (责任点位) it concerns; existing rows name none.

Revision ID: 986879c32c87
Revises: 6f0a77b42f19
Create Date: 2026-12-08 00:21:12.352441

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '986879c32c87'
down_revision = '6f0a77b42f19'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('inspection', schema=None) as batch_op:
        batch_op.add_column(sa.Column('responsibility_point_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_inspection_responsibility_point_id'), ['responsibility_point_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_inspection_responsibility_point_id_responsibility_point'), 'responsibility_point', ['responsibility_point_id'], ['id'])

    with op.batch_alter_table('matter', schema=None) as batch_op:
        batch_op.add_column(sa.Column('point_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_matter_point_id'), ['point_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_matter_point_id_responsibility_point'), 'responsibility_point', ['point_id'], ['id'])

    with op.batch_alter_table('patrol_finding', schema=None) as batch_op:
        batch_op.add_column(sa.Column('point_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_patrol_finding_point_id'), ['point_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_patrol_finding_point_id_responsibility_point'), 'responsibility_point', ['point_id'], ['id'])


def downgrade():
    with op.batch_alter_table('patrol_finding', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_patrol_finding_point_id_responsibility_point'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_patrol_finding_point_id'))
        batch_op.drop_column('point_id')

    with op.batch_alter_table('matter', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_matter_point_id_responsibility_point'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_matter_point_id'))
        batch_op.drop_column('point_id')

    with op.batch_alter_table('inspection', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_inspection_responsibility_point_id_responsibility_point'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_inspection_responsibility_point_id'))
        batch_op.drop_column('responsibility_point_id')
