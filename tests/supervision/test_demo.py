"""flask seed-demo also seeds the admission list, meetings, a training, tasks (one
outside the list, with its approval) and an inspection with overdue problems."""

from sqlalchemy import func, select

from app.core.timeutil import local_today
from app.extensions import db
from app.supervision import inspections, tasks
from app.supervision.models import AdmittedItem, AssignedTask, Meeting, Training


def test_seed_demo_seeds_supervision(app, runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    db.session.rollback()
    assert db.session.scalar(select(func.count(AdmittedItem.id))) >= 8
    assert db.session.scalar(select(func.count(Meeting.id))) == 2
    assert db.session.scalar(select(func.count(Training.id))) == 1
    sources = sorted(db.session.scalars(select(AssignedTask.source)))
    assert sources == ["admitted", "approved", "meeting", "meeting"]
    today = local_today()
    assert len(list(db.session.scalars(tasks.overdue_targets(today)))) == 2
    assert len(list(db.session.scalars(inspections.overdue_rectifications(today)))) == 1
