"""A community's own work-manual pages (楼栋长职责, 文明卫生公约 …): manual_page gains
the community they belong to (empty: the county's page, as every page so far).

Revision ID: d19af9deeb86
Revises: 1be350e93102
Create Date: 2026-12-07 21:56:10.928035

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd19af9deeb86'
down_revision = '1be350e93102'
branch_labels = None
depends_on = None


def upgrade():
    # On SQLite the batch copies the table; migrations/env.py turns foreign keys off
    # meanwhile, so the copy does not take the pages' history with it (ON DELETE CASCADE).
    with op.batch_alter_table('manual_page', schema=None) as batch_op:
        batch_op.add_column(sa.Column('division_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_manual_page_division_id'), ['division_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_manual_page_division_id_division'), 'division', ['division_id'], ['id'])


def downgrade():
    # A community's pages have no place in the older schema (they would become every
    # community's): they go, with their history. The county's pages stay.
    op.execute("DELETE FROM manual_page_version WHERE page_id IN (SELECT id FROM manual_page WHERE division_id IS NOT NULL)")
    op.execute("DELETE FROM manual_page WHERE division_id IS NOT NULL")
    with op.batch_alter_table('manual_page', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_manual_page_division_id_division'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_manual_page_division_id'))
        batch_op.drop_column('division_id')
