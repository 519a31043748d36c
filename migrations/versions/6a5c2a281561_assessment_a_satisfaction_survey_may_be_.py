"""assessment: a satisfaction survey may be entered as a score

Revision ID: 6a5c2a281561
Revises: 5b2d7c1e9a40
Create Date: 2026-11-22 06:28:50.102211

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6a5c2a281561'
down_revision = '5b2d7c1e9a40'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('satisfaction_survey', schema=None) as batch_op:
        batch_op.add_column(sa.Column('score', sa.Numeric(precision=4, scale=1), nullable=True))



def downgrade():
    with op.batch_alter_table('satisfaction_survey', schema=None) as batch_op:
        batch_op.drop_column('score')

