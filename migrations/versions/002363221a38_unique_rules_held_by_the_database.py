"""Three rules the services checked by reading first, now also held by the database,
so that two saves at the same moment on PostgreSQL cannot both pass them: one active
child of a name under a division, one active listing of a resident per key-person
category, one 十户联防 group of a name per grid. The loser's uniqueness error is turned
into the rule's own message (app/core/conflicts.py).

Rows that already break a rule (possible only where PostgreSQL let two saves race)
stop the upgrade with the rows named, for a person to settle: nothing is changed or
deleted here.

Revision ID: 002363221a38
Revises: e93061c377de
Create Date: 2026-12-07 09:18:13.561153

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "002363221a38"
down_revision = "e93061c377de"
branch_labels = None
depends_on = None


DUPLICATES = {
    "division": "SELECT parent_id, name FROM division WHERE status = 'active' GROUP BY parent_id, name HAVING count(*) > 1",
    "key_person": (
        "SELECT resident_id, category_id FROM key_person WHERE status = 'active' "
        "GROUP BY resident_id, category_id HAVING count(*) > 1"
    ),
    "joint_defence_group": "SELECT grid_id, name FROM joint_defence_group GROUP BY grid_id, name HAVING count(*) > 1",
}


def _refuse_duplicates():
    connection = op.get_bind()
    found = {table: connection.execute(sa.text(query)).all() for table, query in DUPLICATES.items()}
    found = {table: rows for table, rows in found.items() if rows}
    if found:
        listed = "; ".join(f"{table}: {[tuple(row) for row in rows][:20]}" for table, rows in found.items())
        raise RuntimeError(
            "These rows break a rule this upgrade makes the database hold; settle them "
            f"(retire or rename one of each pair) and upgrade again: {listed}"
        )


def upgrade():
    _refuse_duplicates()
    with op.batch_alter_table("division", schema=None) as batch_op:
        batch_op.create_index(
            "uq_division_active_name",
            ["parent_id", "name"],
            unique=True,
            sqlite_where=sa.text("status = 'active'"),
            postgresql_where=sa.text("status = 'active'"),
        )

    with op.batch_alter_table("joint_defence_group", schema=None) as batch_op:
        batch_op.create_index("uq_joint_defence_group_grid_name", ["grid_id", "name"], unique=True)

    with op.batch_alter_table("key_person", schema=None) as batch_op:
        batch_op.create_index(
            "uq_key_person_active",
            ["resident_id", "category_id"],
            unique=True,
            sqlite_where=sa.text("status = 'active'"),
            postgresql_where=sa.text("status = 'active'"),
        )


def downgrade():
    with op.batch_alter_table("key_person", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_key_person_active",
            sqlite_where=sa.text("status = 'active'"),
            postgresql_where=sa.text("status = 'active'"),
        )

    with op.batch_alter_table("joint_defence_group", schema=None) as batch_op:
        batch_op.drop_index("uq_joint_defence_group_grid_name")

    with op.batch_alter_table("division", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_division_active_name",
            sqlite_where=sa.text("status = 'active'"),
            postgresql_where=sa.text("status = 'active'"),
        )
