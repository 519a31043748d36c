"""The phone's position (app/core/location.py): all four values or none, in range,
not in the future beyond the clock skew; how a record's page writes it; and the
revision that added the columns keeps the records already there (both engines)."""

from datetime import datetime

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select

from app.core import location
from app.core.timeutil import utcnow
from app.extensions import db
from app.matters.models import Matter
from app.patrols.models import Patrol, PatrolFinding
from app.visits.models import Visit

NOW = datetime(2026, 11, 20, 2, 32)  # 10:32 in Shanghai
REVISION = "f9716c029c8e"


def test_none_sent_is_no_position():
    assert location.parse("", "", "", "", now=NOW) is None
    assert location.parse(None, None, None, None, now=NOW) is None
    assert location.parse(" ", "", "\t", "", now=NOW) is None


def test_a_full_position_is_read_in_utc():
    position = location.parse("34.2658", "108.9541", "12", "2026-11-20T02:31:40.123Z", now=NOW)
    assert position == location.Position(34.2658, 108.9541, 12.0, datetime(2026, 11, 20, 2, 31, 40))
    with_offset = location.parse("34.2658", "108.9541", "12", "2026-11-20T10:31:40+08:00", now=NOW)
    assert with_offset is not None and with_offset.located_at == datetime(2026, 11, 20, 2, 31, 40)
    assert location.parse("-90", "-180", "0", "2026-11-20T02:00:00", now=NOW) is not None
    assert location.parse("90", "180", "0", "2026-11-20T02:00:00", now=NOW) is not None


@pytest.mark.parametrize(
    "values",
    [
        ("34.2658", "", "12", "2026-11-20T02:31:40Z"),  # partial
        ("34.2658", "108.9541", "12", ""),
        ("", "108.9541", "", ""),
        ("北纬34", "108.9541", "12", "2026-11-20T02:31:40Z"),  # garbled
        ("34.2658", "108.9541", "12", "yesterday"),
        ("90.01", "108.9541", "12", "2026-11-20T02:31:40Z"),  # out of range
        ("34.2658", "-180.5", "12", "2026-11-20T02:31:40Z"),
        ("34.2658", "108.9541", "-1", "2026-11-20T02:31:40Z"),
        ("nan", "108.9541", "12", "2026-11-20T02:31:40Z"),
        ("34.2658", "108.9541", "inf", "2026-11-20T02:31:40Z"),
    ],
)
def test_a_partial_garbled_or_out_of_range_position_is_refused(values):
    with pytest.raises(ValueError, match="位置数据不完整或有误"):
        location.parse(*values, now=NOW)


def test_a_position_from_the_future_is_refused_beyond_the_clock_skew():
    assert location.parse("34.2658", "108.9541", "12", "2026-11-20T02:36:00Z", now=NOW) is not None
    with pytest.raises(ValueError, match="位置的记录时间晚于现在"):
        location.parse("34.2658", "108.9541", "12", "2026-11-20T02:38:00Z", now=NOW)


def test_the_page_writes_the_position_with_its_accuracy_and_time(app):
    class Record:
        latitude, longitude, accuracy_m = 34.26581234, 108.95409876, 12.4
        located_at = utcnow().replace(second=0, microsecond=0)

    with app.test_request_context():
        text = location.describe(Record)
        assert text.startswith("34.2658, 108.9541（±12 米，") and text.endswith(" 记录）")
        assert len(text.split("，")[1].split(" ")[0]) == 5  # today: HH:mm
        Record.located_at = datetime(2026, 1, 2, 2, 32)
        assert location.describe(Record) == "34.2658, 108.9541（±12 米，2026-01-02 10:32 记录）"
        Record.latitude = None
        assert location.describe(Record) == ""


def test_the_revision_keeps_the_records_and_can_be_undone(app, world):
    """Down to the revision before and up again on a copy of the test county: every
    patrol, finding, visit and matter stays, a matter's public coordinates too, and
    none has a position."""
    models = (Patrol, PatrolFinding, Visit, Matter)
    matter = world.records["a"]["matter"]
    matter.latitude, matter.longitude = 34.2655, 108.9542
    db.session.commit()
    matter_id = matter.id
    counts = {m: db.session.scalar(select(func.count()).select_from(m)) for m in models}
    assert all(counts.values())
    db.session.remove()
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config()
        from alembic.script import ScriptDirectory

        previous = ScriptDirectory.from_config(config).get_revision(REVISION).down_revision
        downgrade(revision=previous)
        upgrade(revision="head")  # and the revisions after it, which the models know
        db.session.remove()
    assert {m: db.session.scalar(select(func.count()).select_from(m)) for m in models} == counts
    assert db.session.scalar(select(func.count()).select_from(Visit).where(Visit.latitude.is_not(None))) == 0
    assert db.session.scalar(select(func.count()).select_from(Patrol).where(Patrol.end_located_at.is_not(None))) == 0
    kept = db.session.get(Matter, matter_id)
    assert (kept.latitude, kept.longitude, kept.accuracy_m, kept.located_at) == (34.2655, 108.9542, None, None)
