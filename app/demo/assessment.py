"""Demo assessment data around the demo grid: a yellow card to the grid and a red one
to its worker last month, the station's satisfaction surveys of the last ended
half-year for the community's grids (one under 80 %) and a few public answers this
half-year — so the boards, their breakdowns and the survey page have something to show."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.assessment import services, surveys
from app.assessment.models import SurveyResponse
from app.auth.models import User
from app.core.timeutil import local_today, utcnow
from app.extensions import db
from app.org.models import Division

# (satisfied, basically, dissatisfied) of 50 respondents, grid by grid.
SURVEY_COUNTS = [(38, 8, 4), (30, 9, 11), (35, 10, 5), (41, 6, 3)]


def load_demo_assessment(grid: Division) -> int:
    """Seed around `grid` (the demo grid worker's). Returns the number of records added."""
    today = local_today()
    users = {u.username: u for u in db.session.scalars(select(User).where(User.username.in_(("town", "station"))))}
    town, station = users.get("town"), users.get("station")
    count = 0
    last_month = today.replace(day=1) - timedelta(days=1)
    if town is not None:
        services.issue_card(
            grid,
            services.CardValues(grid.id, None, "yellow", last_month.replace(day=10), "民情日志连续两周未及时整理上报"),
            town,
            today,
        )
        workers = services.workers_of(grid, last_month)
        if workers:
            services.issue_card(
                grid,
                services.CardValues(
                    grid.id, workers[0].id, "red", last_month.replace(day=20), "督查时网格员空岗，电话无人接听"
                ),
                town,
                today,
            )
        count += 1 + bool(workers)
    year, half = surveys.half_of(today)
    ended = (year, 1) if half == 2 else (year - 1, 2)
    grids = list(
        db.session.scalars(
            select(Division)
            .where(Division.parent_id == grid.parent_id, Division.level == "grid")
            .order_by(Division.code)
        )
    )
    if station is not None:
        for neighbour, (satisfied, basically, dissatisfied) in zip(grids, SURVEY_COUNTS):
            surveys.save_station_survey(
                neighbour,
                surveys.SurveyValues(
                    *ended, satisfied + basically + dissatisfied, satisfied, basically, dissatisfied, "入户问卷"
                ),
                station,
                today,
            )
            count += 1
    now = utcnow()
    for index, answer in enumerate(("satisfied", "satisfied", "basically", "dissatisfied", "satisfied")):
        db.session.add(
            SurveyResponse(
                grid_id=grid.id, year=year, half=half, answer=answer, created_at=now - timedelta(days=index + 1)
            )
        )
        count += 1
    db.session.flush()
    return count
