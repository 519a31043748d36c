"""supervision: tasks may be withdrawn, targets reported on behalf, inspections
linked to a registered shop or organisation

Existing tasks stay in force (withdrawn_at empty), existing reports are the
targets' own (reported_on_behalf false), and existing inspection points keep their
free text (no place linked).

Revision ID: 8e3f5a1c7d42
Revises: 7c1e4a9b2d30
Create Date: 2026-12-06 01:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8e3f5a1c7d42'
down_revision = '7c1e4a9b2d30'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('assigned_task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawn_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_by_name', sa.String(length=64), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('withdrawal_reason', sa.Text(), nullable=False, server_default=''))
        batch_op.create_foreign_key(batch_op.f('fk_assigned_task_withdrawn_by_id_user_account'), 'user_account',
                                    ['withdrawn_by_id'], ['id'])
    with op.batch_alter_table('task_target', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reported_on_behalf', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('reported_by_name', sa.String(length=64), nullable=False, server_default=''))
    with op.batch_alter_table('inspection', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shop_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('organisation_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_inspection_shop_id'), ['shop_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_inspection_shop_id_shop'), 'shop', ['shop_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_inspection_organisation_id_organisation'), 'organisation',
                                    ['organisation_id'], ['id'])


def downgrade():
    # The place's name stays in inspection.point, so unlinking loses no text.
    with op.batch_alter_table('inspection', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_inspection_organisation_id_organisation'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_inspection_shop_id_shop'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_inspection_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_inspection_shop_id'))
        batch_op.drop_column('organisation_id')
        batch_op.drop_column('shop_id')
    with op.batch_alter_table('task_target', schema=None) as batch_op:
        batch_op.drop_column('reported_by_name')
        batch_op.drop_column('reported_on_behalf')
    with op.batch_alter_table('assigned_task', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_assigned_task_withdrawn_by_id_user_account'), type_='foreignkey')
        batch_op.drop_column('withdrawal_reason')
        batch_op.drop_column('withdrawn_by_name')
        batch_op.drop_column('withdrawn_by_id')
        batch_op.drop_column('withdrawn_at')
