"""assessment: a warning card may be withdrawn (撤销) with who, when and why

Existing cards stay in force (withdrawn_at empty).

Revision ID: 7c1e4a9b2d30
Revises: 6a5c2a281561
Create Date: 2026-12-06 00:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c1e4a9b2d30'
down_revision = '6a5c2a281561'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('warning_card', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawn_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_by_name', sa.String(length=64), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('withdrawal_reason', sa.Text(), nullable=False, server_default=''))
        batch_op.create_foreign_key(batch_op.f('fk_warning_card_withdrawn_by_id_user_account'), 'user_account',
                                    ['withdrawn_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('warning_card', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_warning_card_withdrawn_by_id_user_account'), type_='foreignkey')
        batch_op.drop_column('withdrawal_reason')
        batch_op.drop_column('withdrawn_by_name')
        batch_op.drop_column('withdrawn_by_id')
        batch_op.drop_column('withdrawn_at')
