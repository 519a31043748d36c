"""Units are assessed too: partner units (结对共建单位, 物业公司) paired with grids and
their activities; manual deductions and bonuses (人工加减分) for grids, communities,
towns and departments; the scoring rules that apply them (人工加减分 on the grid
boards; 承办超期 and 返工 on the units' board).

Revision ID: 4ceea5b5a224
Revises: f6a7fc7bb612
Create Date: 2026-12-08 00:38:01.884306

"""
from alembic import op
import sqlalchemy as sa

rules = sa.table('scoring_rule', sa.column('code', sa.String), sa.column('name', sa.String),
                 sa.column('basis', sa.String), sa.column('points', sa.Integer),
                 sa.column('cap_month', sa.Integer), sa.column('cap_year', sa.Integer),
                 sa.column('applies_to_grid', sa.Boolean), sa.column('applies_to_worker', sa.Boolean),
                 sa.column('is_enabled', sa.Boolean), sa.column('sort_order', sa.Integer))
NEW_RULES = [
    # Each adjustment carries its own points; the rule's are not used.
    dict(code="manual_adjustment", name="人工加减分", basis="002 篇五：存在重大问题、隐患或解决不利的，每处扣分",
         points=0, cap_month=None, cap_year=None, applies_to_grid=True, applies_to_worker=False,
         is_enabled=True, sort_order=20),
    # The units' board: applies to neither grids nor workers.
    dict(code="unit_overdue", name="承办事件超期", basis="002 篇七、篇八：限期办结；003 五个到位",
         points=-2, cap_month=None, cap_year=40, applies_to_grid=False, applies_to_worker=False,
         is_enabled=True, sort_order=30),
    dict(code="unit_rework", name="承办事件返工", basis="002 篇七：办结不到位的返工",
         points=-1, cap_month=None, cap_year=20, applies_to_grid=False, applies_to_worker=False,
         is_enabled=True, sort_order=31),
]


# revision identifiers, used by Alembic.
revision = '4ceea5b5a224'
down_revision = 'f6a7fc7bb612'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('partner_unit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('contact_name', sa.String(length=32), nullable=False),
    sa.Column('contact_phone', sa.String(length=32), nullable=False),
    sa.Column('duties', sa.Text(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_unit'))
    )
    op.create_table('partner_unit_grid',
    sa.Column('partner_unit_id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['grid_id'], ['division.id'], name=op.f('fk_partner_unit_grid_grid_id_division')),
    sa.ForeignKeyConstraint(['partner_unit_id'], ['partner_unit.id'], name=op.f('fk_partner_unit_grid_partner_unit_id_partner_unit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('partner_unit_id', 'grid_id', name=op.f('pk_partner_unit_grid'))
    )
    with op.batch_alter_table('partner_unit_grid', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_unit_grid_grid_id'), ['grid_id'], unique=False)

    op.create_table('partner_activity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_unit_id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('participants', sa.String(length=200), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_name', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['grid_id'], ['division.id'], name=op.f('fk_partner_activity_grid_id_division')),
    sa.ForeignKeyConstraint(['partner_unit_id'], ['partner_unit.id'], name=op.f('fk_partner_activity_partner_unit_id_partner_unit')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_partner_activity_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_activity'))
    )
    with op.batch_alter_table('partner_activity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_activity_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index('ix_partner_activity_unit_day', ['partner_unit_id', 'held_on'], unique=False)

    op.create_table('score_adjustment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('division_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('basis', sa.Text(), nullable=False),
    sa.Column('matter_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_name', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
    sa.Column('withdrawn_by_name', sa.String(length=64), nullable=False),
    sa.Column('withdrawal_reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_score_adjustment_department_id_department')),
    sa.ForeignKeyConstraint(['division_id'], ['division.id'], name=op.f('fk_score_adjustment_division_id_division')),
    sa.ForeignKeyConstraint(['matter_id'], ['matter.id'], name=op.f('fk_score_adjustment_matter_id_matter')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_score_adjustment_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_score_adjustment'))
    )
    with op.batch_alter_table('score_adjustment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_score_adjustment_day'), ['day'], unique=False)
        batch_op.create_index(batch_op.f('ix_score_adjustment_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_score_adjustment_division_id'), ['division_id'], unique=False)
    op.bulk_insert(rules, NEW_RULES)


def downgrade():
    op.execute(rules.delete().where(rules.c.code.in_([r["code"] for r in NEW_RULES])))
    with op.batch_alter_table('score_adjustment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_score_adjustment_division_id'))
        batch_op.drop_index(batch_op.f('ix_score_adjustment_department_id'))
        batch_op.drop_index(batch_op.f('ix_score_adjustment_day'))

    op.drop_table('score_adjustment')
    with op.batch_alter_table('partner_activity', schema=None) as batch_op:
        batch_op.drop_index('ix_partner_activity_unit_day')
        batch_op.drop_index(batch_op.f('ix_partner_activity_grid_id'))

    op.drop_table('partner_activity')
    with op.batch_alter_table('partner_unit_grid', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_unit_grid_grid_id'))

    op.drop_table('partner_unit_grid')
    op.drop_table('partner_unit')