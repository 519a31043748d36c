"""Visits to the organisations of a grid — party organisations and owners' committees
(业主委员会, a new organisation type) among them — recorded like household visits.

Revision ID: d1917bc6b9fc
Revises: 5897e2b6dad2
Create Date: 2026-12-07 22:49:34.858653

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd1917bc6b9fc'
down_revision = '5897e2b6dad2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('organisation_visit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('visited_on', sa.Date(), nullable=False),
    sa.Column('visitor_names', sa.String(length=200), nullable=False),
    sa.Column('found', sa.Text(), nullable=False),
    sa.Column('needs', sa.Text(), nullable=False),
    sa.Column('follow_up', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['grid_id'], ['division.id'], name=op.f('fk_organisation_visit_grid_id_division')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_organisation_visit_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_organisation_visit_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_visit'))
    )
    with op.batch_alter_table('organisation_visit', schema=None) as batch_op:
        batch_op.create_index('ix_organisation_visit_grid_day', ['grid_id', 'visited_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_organisation_visit_organisation_id'), ['organisation_id'], unique=False)



def downgrade():
    with op.batch_alter_table('organisation_visit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_visit_organisation_id'))
        batch_op.drop_index('ix_organisation_visit_grid_day')

    op.drop_table('organisation_visit')
