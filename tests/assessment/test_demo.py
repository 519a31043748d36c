"""flask seed-demo also seeds cards, the last half-year's station surveys and a few
public answers, so the assessment pages have something to show."""

from sqlalchemy import func, select

from app.assessment import surveys
from app.assessment.models import SatisfactionSurvey, SurveyResponse, WarningCard
from app.core.timeutil import local_today
from app.extensions import db


def test_seed_demo_seeds_assessment(app, runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    db.session.rollback()
    assert sorted(db.session.scalars(select(WarningCard.colour))) == ["red", "yellow"]
    survey_grids = list(db.session.scalars(select(SatisfactionSurvey.grid_id)))
    assert len(survey_grids) >= 2
    year, half = surveys.half_of(local_today())
    ended = (year, 1) if half == 2 else (year - 1, 2)
    tallies = surveys.tallies(survey_grids, *ended)
    assert any(t.criticised for t in tallies.values()) and any(not t.criticised for t in tallies.values())
    assert db.session.scalar(select(func.count(SurveyResponse.id))) == 5
