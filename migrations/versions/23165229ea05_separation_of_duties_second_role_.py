"""separation of duties: second role, pending accounts, system settings

三员分立: user_account.role may be empty (an account the system administrator created
and the security administrator has not yet authorised), second_role holds a second
administrator duty where the county allows one; system_setting keeps the settings
changed while running. Existing accounts keep their roles; the county administrator
no longer manages accounts or reads the audit log, so after this upgrade run
`flask accounts create-administrators` once (docs/features.md, "Separation of duties").

Revision ID: 23165229ea05
Revises: b11bd2792134
Create Date: 2026-12-07 01:06:07.337704

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '23165229ea05'
down_revision = 'b11bd2792134'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('system_setting',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('value', sa.String(length=64), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['changed_by_id'], ['user_account.id'],
                            name=op.f('fk_system_setting_changed_by_id_user_account')),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_system_setting'))
    )
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('second_role', sa.String(length=32), nullable=True))
        batch_op.alter_column('role', existing_type=sa.String(length=32), nullable=True)


def downgrade():
    accounts = sa.table('user_account', sa.column('role', sa.String(32)), sa.column('is_enabled', sa.Boolean()))
    # An account still waiting for its role cannot sign in either way: keep it disabled.
    op.execute(accounts.update().where(accounts.c.role.is_(None)).values(role='leader', is_enabled=False))
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.alter_column('role', existing_type=sa.String(length=32), nullable=False)
        batch_op.drop_column('second_role')
    op.drop_table('system_setting')
