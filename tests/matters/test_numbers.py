"""Matter numbers (20261122-0007) from the day's counter: unique and gap-free with many
reporters at once, on SQLite and PostgreSQL, and continuing a day's numbering from the
matters that were there before the counter was."""

from collections import Counter

from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from app.core.database import write_transactions
from app.core.timeutil import to_local, utcnow
from app.extensions import db
from app.matters import reporting
from app.matters.models import Matter
from app.org.models import Division
from tests.conftest import at_once, fresh

REPORTERS = 8
EACH = 5


def _report(world, description):
    return reporting.report(reporting.MatterValues(class_code="city", description=description, grid=world.grid_a))


def _todays_numbers():
    prefix = to_local(utcnow()).strftime("%Y%m%d") + "-"
    return sorted(db.session.scalars(select(Matter.number).where(Matter.number.startswith(prefix))))


def test_simultaneous_reporters_get_unique_gap_free_numbers(app, world):
    grid_id = world.grid_a.id
    errors = []

    def reporter(number):
        with app.app_context(), write_transactions():
            try:
                grid = db.session.get(Division, grid_id)
                for round_ in range(EACH):
                    reporting.report(
                        reporting.MatterValues(class_code="city", description=f"路灯不亮{number}-{round_}", grid=grid)
                    )
                    db.session.commit()
            except Exception as error:
                errors.append(repr(error))
                db.session.rollback()
            finally:
                db.session.remove()

    at_once([lambda n=n: reporter(n) for n in range(REPORTERS)])
    assert errors == []
    fresh()
    numbers = _todays_numbers()
    sequences = [int(number.rsplit("-", 1)[1]) for number in numbers]
    assert len(numbers) >= REPORTERS * EACH
    assert Counter(numbers).most_common(1)[0][1] == 1  # no number twice
    assert sequences == list(range(1, len(sequences) + 1))  # none skipped


def test_a_rolled_back_report_gives_its_number_back(app, world):
    with write_transactions():
        first = _report(world, "井盖缺失").number
        db.session.commit()
    with write_transactions():
        _report(world, "写到一半的事件")
        db.session.rollback()
    with write_transactions():
        second = _report(world, "路面塌陷").number
        db.session.commit()
    assert int(second.rsplit("-", 1)[1]) == int(first.rsplit("-", 1)[1]) + 1


def test_the_upgrade_continues_each_days_numbering_from_its_matters(app, world):
    grid_id = world.grid_a.id
    with write_transactions():
        number = _report(world, "井盖缺失").number
        db.session.commit()
    db.session.remove()
    downgrade(revision="d41e7a9c2b60")  # before the counter: the matter is there, no counter row
    upgrade()
    with write_transactions():
        grid = db.session.get(Division, grid_id)
        following = reporting.report(
            reporting.MatterValues(class_code="city", description="路面塌陷", grid=grid)
        ).number
        db.session.commit()
    assert int(following.rsplit("-", 1)[1]) == int(number.rsplit("-", 1)[1]) + 1
