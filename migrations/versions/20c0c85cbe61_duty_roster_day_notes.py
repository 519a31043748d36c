"""duty rosters: a day's note belongs to the roster (duty_roster.day_notes), not to
each shift, so that a note on a day with nobody of the station on duty — such as
"节假日值班见镇安排" — is kept

The notes already saved (each shift of a day carried the day's note) move to the
roster; duty_shift.note goes. Downgrade puts each day's note back on its shifts
(a note on a day without shifts is lost, as it was before).

Revision ID: 20c0c85cbe61
Revises: 019ccf858bbb
Create Date: 2026-12-07 09:00:00

"""
import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '20c0c85cbe61'
down_revision = '019ccf858bbb'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('duty_roster', schema=None) as batch_op:
        batch_op.add_column(sa.Column('day_notes', sa.JSON(), nullable=False, server_default='{}'))
    connection = op.get_bind()
    notes: dict[int, dict[str, str]] = {}
    for roster_id, day, note in connection.execute(sa.text(
            "SELECT roster_id, day, note FROM duty_shift WHERE note != '' ORDER BY roster_id, day, id")):
        notes.setdefault(roster_id, {}).setdefault(str(day), note)
    for roster_id, day_notes in notes.items():
        connection.execute(sa.text("UPDATE duty_roster SET day_notes = :notes WHERE id = :id"),
                           {"notes": json.dumps(day_notes, ensure_ascii=False), "id": roster_id})
    with op.batch_alter_table('duty_shift', schema=None) as batch_op:
        batch_op.drop_column('note')


def downgrade():
    with op.batch_alter_table('duty_shift', schema=None) as batch_op:
        batch_op.add_column(sa.Column('note', sa.String(length=100), nullable=False, server_default=''))
    connection = op.get_bind()
    for roster_id, day_notes in connection.execute(sa.text("SELECT id, day_notes FROM duty_roster")).all():
        for day, note in json.loads(day_notes or "{}").items():
            connection.execute(sa.text("UPDATE duty_shift SET note = :note WHERE roster_id = :id AND day = :day"),
                               {"note": note[:100], "id": roster_id, "day": day})
    # Not a batch (copy-and-rename) of duty_roster: dropping the old table would
    # delete every shift through ON DELETE CASCADE. SQLite drops the column in place.
    op.execute("ALTER TABLE duty_roster DROP COLUMN day_notes")
