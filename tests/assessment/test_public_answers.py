"""Public satisfaction answers: shown apart from the station's survey, and counted in
the official 满意率 (its 通报批评 flag and bonus points) only once the half-year holds
PUBLIC_SURVEY_MIN_ANSWERS (30) of them — three anonymous clicks cannot mark a grid."""

from __future__ import annotations

import re

import pytest

from app.assessment import surveys
from app.core.database import write_transactions
from app.core.timeutil import local_today
from app.extensions import db
from tests.conftest import fresh
from tests.web import form_on, press, visible_text

TOO_FEW = "样本不足（3 份，不足 30 份），不计入满意率"


@pytest.fixture
def station_survey(world):
    """The station's survey of 东关一网格 this half-year: 46 of 50 satisfied (92.0 %)."""
    year, half = surveys.half_of(local_today())
    with write_transactions():
        surveys.save_station_survey(
            world.grid_a, surveys.SurveyValues(year, half, 50, 46, 0, 4), world.users["station_a"], local_today()
        )
        db.session.commit()
    return year, half


def answer(web, grid, choice: str, times: int) -> None:
    """满意度评价 on the grid's public page, `times` times."""
    for _i in range(times):
        page = web.get(f"/public/grids/{grid.code}/").click(description="评价本网格的服务")
        form = form_on(page)
        form["answer"] = choice
        assert press(form, "提交").status_int == 303


def test_three_public_answers_neither_change_the_rate_nor_flag_the_grid(web, web_as, world, station_survey):
    answer(web, world.grid_a, "dissatisfied", 3)  # three clicks within a minute
    station = web_as("station_a")
    page = visible_text(station.get(f"/assessment/surveys/?year={local_today().year}"))
    # The station's 92.0 % stands, with its bonus; the public answers are listed apart.
    assert re.search(r"东关一网格 .*?50 人 .*?3 份 · 0\.0% " + re.escape(TOO_FEW) + r" 92\.0% 加分", page)
    assert "通报批评" not in page.split("登记调查结果")[1]
    assert "半年内达到 30 份才与工作站登记的结果合并计入满意率" in page
    board = visible_text(station.get(f"/assessment/?period={local_today().year}"))
    assert "满意率 92.0%" not in board and "通报批评" not in board.split("点击得分")[1]
    assert "网上评价 3 份（满意及基本满意 0.0%）：" + TOO_FEW in board


def test_three_public_answers_alone_give_no_rate(web, world):
    """A grid without the station's survey: three answers are no 满意率 at all."""
    answer(web, world.grid_b, "dissatisfied", 3)
    year, half = surveys.half_of(local_today())
    fresh()
    tally = surveys.tallies([world.grid_b.id], year, half)[world.grid_b.id]
    assert tally.rate is None and not tally.criticised
    assert (tally.public.total, str(tally.public.rate)) == (3, "0.0")


def test_thirty_public_answers_count_towards_the_rate_and_its_flag(app, web, web_as, world, station_survey):
    app.config["PUBLIC_SURVEY_RESPONSES_PER_HOUR"] = 100  # thirty residents, not one robot
    answer(web, world.grid_a, "dissatisfied", 30)
    station = web_as("station_a")
    page = visible_text(station.get(f"/assessment/surveys/?year={local_today().year}"))
    # 46 satisfied of 50 + 30 dissatisfied: 46 of 80, 57.5 %.
    assert re.search(r"东关一网格 .*?50 人 .*?30 份 · 0\.0% 已计入满意率 57\.5% 通报批评", page)
    board = visible_text(station.get(f"/assessment/?period={local_today().year}"))
    year, half = station_survey
    assert f"{year}年{surveys.half_label(half)}满意率 57.5%，通报批评" in board
    assert "网上评价 30 份（满意及基本满意 0.0%）：已计入满意率" in board


def test_the_minimum_is_a_setting(app, web, world, station_survey):
    app.config["PUBLIC_SURVEY_MIN_ANSWERS"] = 3
    answer(web, world.grid_a, "dissatisfied", 3)
    year, half = station_survey
    fresh()
    tally = surveys.tallies([world.grid_a.id], year, half)[world.grid_a.id]
    # 46 of 53.
    assert (tally.total, str(tally.rate), tally.public.counted) == (53, "86.8", True)
