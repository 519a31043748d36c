"""patrol findings take photos

A new table, finding_photo: the photos a grid worker takes of a patrol finding (the
files under UPLOAD_FOLDER/findings/). Nothing existing changes.

Revision ID: fade62a0e6f3
Revises: f9716c029c8e
Create Date: 2026-12-07 12:30:43.822486

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "fade62a0e6f3"
down_revision = "f9716c029c8e"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "finding_photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("finding_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=40), nullable=False),
        sa.Column("thumbnail", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["finding_id"],
            ["patrol_finding.id"],
            name=op.f("fk_finding_photo_finding_id_patrol_finding"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finding_photo")),
    )
    with op.batch_alter_table("finding_photo", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_finding_photo_finding_id"), ["finding_id"], unique=False)


def downgrade():
    with op.batch_alter_table("finding_photo", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_finding_photo_finding_id"))

    op.drop_table("finding_photo")
