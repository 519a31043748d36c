"""The binder agrees with itself: each grid's registered households and residents (the
same as form 1) beside the profile's estimates, labelled; the meetings and trainings
of the period in a section of their own."""

import datetime as dt
from decimal import Decimal

import pytest

from app.core.database import write_transactions
from app.extensions import db
from app.org.models import GridProfile
from app.printing.binder import build_binder
from app.supervision.models import Meeting, MeetingDecision, Training
from tests.printing.helpers import squeezed

pytestmark = pytest.mark.slow
START, END = dt.date(2026, 10, 1), dt.date(2026, 10, 31)


def test_registered_counts_beside_labelled_estimates_and_the_periods_meetings(app, world):
    with write_transactions():
        profile = db.session.get(GridProfile, world.grid_a.current_profile.id)
        profile.households_estimate, profile.population_estimate = 737, 2013
        meeting = Meeting(
            division_id=world.community_a.id, kind="regular", held_on=dt.date(2026, 10, 9), host="员工chief_a"
        )
        meeting.attendees.append(world.staff["worker_a"])
        meeting.decisions.append(MeetingDecision(position=1, text="本周完成出租房屋复核"))
        db.session.add(meeting)
        training = Training(
            division_id=world.grid_a.id,
            held_on=dt.date(2026, 10, 15),
            topic="矛盾纠纷排查化解培训",
            trainer="司法所李所长",
            hours=Decimal("2.0"),
        )
        training.attendees.append(world.staff["worker_a"])
        db.session.add(training)
        db.session.add(
            Training(
                division_id=world.grid_b.id,
                held_on=dt.date(2026, 10, 16),
                topic="另一网格的培训",
                trainer="某",
                hours=1,
            )
        )
        db.session.commit()
    result = build_binder(world.grid_a, START, END, world.users["worker_a"])
    text = squeezed(result.pdf)
    # Registered (1 household, 1 resident in grid A: form 1) and estimated, labelled.
    assert "在册" in text and "估计" in text and "737" in text and "2013" in text
    assert "与表1的数字相同" in text
    assert "会议和培训记录" in text
    assert "本周完成出租房屋复核" in text and "员工worker_a" in text and "例会" in text
    assert "矛盾纠纷排查化解培训" in text and "司法所李所长" in text
    assert "另一网格的培训" not in text
    assert "会议和培训记录" in [s.title for s in result.sections]
