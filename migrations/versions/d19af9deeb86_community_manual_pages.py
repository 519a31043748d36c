"""A community's own work-manual pages (楼栋长职责, 文明卫生公约 …): manual_page gains
the community they belong to (empty: the county's page, as every page so far).

Revision ID: d19af9deeb86
Revises: 1be350e93102
Create Date: 2026-12-07 21:56:10.928035

"""
from contextlib import contextmanager

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd19af9deeb86'
down_revision = '1be350e93102'
branch_labels = None
depends_on = None


def upgrade():
    with _versions_kept():
        with op.batch_alter_table('manual_page', schema=None) as batch_op:
            batch_op.add_column(sa.Column('division_id', sa.Integer(), nullable=True))
            batch_op.create_index(batch_op.f('ix_manual_page_division_id'), ['division_id'], unique=False)
            batch_op.create_foreign_key(
                batch_op.f('fk_manual_page_division_id_division'), 'division', ['division_id'], ['id']
            )


def downgrade():
    # A community's pages have no place in the older schema (they would become every
    # community's): they go, with their history. The county's pages stay.
    op.execute("DELETE FROM manual_page_version WHERE page_id IN (SELECT id FROM manual_page WHERE division_id IS NOT NULL)")
    op.execute("DELETE FROM manual_page WHERE division_id IS NOT NULL")
    with _versions_kept():
        with op.batch_alter_table('manual_page', schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f('fk_manual_page_division_id_division'), type_='foreignkey')
            batch_op.drop_index(batch_op.f('ix_manual_page_division_id'))
            batch_op.drop_column('division_id')


@contextmanager
def _versions_kept():
    """SQLite changes a table's foreign keys by copying the table and dropping the old
    one — and that drop deletes the rows of manual_page_version pointing at it (ON
    DELETE CASCADE): every page's history. Keep them aside and put them back."""
    if op.get_bind().dialect.name != "sqlite":
        yield
        return
    op.execute("CREATE TEMPORARY TABLE kept_manual_versions AS SELECT * FROM manual_page_version")
    yield
    op.execute("DELETE FROM manual_page_version")
    op.execute("INSERT INTO manual_page_version SELECT * FROM kept_manual_versions")
    op.execute("DROP TABLE kept_manual_versions")
