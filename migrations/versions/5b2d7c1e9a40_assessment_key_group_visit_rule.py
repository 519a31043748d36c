"""assessment: the key-group visit rule (重点人群每季度走访不少于3家, 002 篇八)

Revision ID: 5b2d7c1e9a40
Revises: e4fbe9aba14f
Create Date: 2026-11-22 06:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '5b2d7c1e9a40'
down_revision = 'e4fbe9aba14f'
branch_labels = None
depends_on = None

rules = sa.table('scoring_rule', sa.column('code', sa.String), sa.column('name', sa.String),
                 sa.column('basis', sa.String), sa.column('points', sa.Integer),
                 sa.column('cap_month', sa.Integer), sa.column('cap_year', sa.Integer),
                 sa.column('applies_to_grid', sa.Boolean), sa.column('applies_to_worker', sa.Boolean),
                 sa.column('is_enabled', sa.Boolean), sa.column('sort_order', sa.Integer))


def upgrade():
    op.bulk_insert(rules, [dict(code="key_group_visits_short", name="重点人群季度走访未达标",
                                basis="002 篇八：每季度对重点人群入户走访不少于3家", points=-3,
                                cap_month=None, cap_year=None, applies_to_grid=True, applies_to_worker=True,
                                is_enabled=True, sort_order=8)])


def downgrade():
    op.execute(rules.delete().where(rules.c.code == "key_group_visits_short"))
