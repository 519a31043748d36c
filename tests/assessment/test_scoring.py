"""Each scoring rule against hand-computed fixtures (tests/assessment/records.py),
caps, the board totals of two grids and two workers, and the threshold flags."""

from datetime import date

import pytest
from sqlalchemy import select

from app.assessment import scoring, services, surveys
from app.assessment.models import ScoringRule
from app.extensions import db
from tests.assessment.records import NOW, TODAY, build_march

MARCH = scoring.Period(2026, 3)


def lines_of(row):
    return {line.rule.code: line for line in row.lines}


def points_of(row):
    return {code: line.points for code, line in lines_of(row).items() if line.entries}


@pytest.fixture()
def march(world):
    return build_march(world)


def grid_rows(world, period=MARCH, grids=None):
    rows = scoring.grid_board(grids or [world.grid_a, world.grid_b], period, TODAY, NOW)
    return {row.subject.name: row for row in rows}


def worker_rows(world, period=MARCH):
    rows = scoring.worker_board([world.grid_a, world.grid_b], period, TODAY, NOW)
    return {row.subject.name: row for row in rows}


def test_each_rule_on_its_own_for_grid_a(world, march):
    row = grid_rows(world)["东关一网格"]
    assert points_of(row) == {
        "report_missing": -2,
        "report_late": -1,
        "matter_overdue": -4,
        "matter_urged": -1,
        "patrol_week_short": -2,
        "task_target_late": -3,
        "rectification_late": -3,
        "card_yellow": -5,
        "key_group_visits_short": -3,
    }
    lines = lines_of(row)
    assert [e.occurrence.day for e in lines["report_missing"].entries] == [date(2026, 3, 5)]
    assert [e.occurrence.day for e in lines["report_late"].entries] == [date(2026, 3, 12)]
    assert [e.occurrence.day for e in lines["patrol_week_short"].entries] == [date(2026, 3, 15)]
    assert len(lines["matter_overdue"].entries) == 2
    assert [e.occurrence.label for e in lines["key_group_visits_short"].entries] == [
        "2026-Q1 重点人群走访 0 户，应 1 户"
    ]


def test_grid_and_worker_totals_and_flags(world, march):
    grids = grid_rows(world)
    assert grids["东关一网格"].score == 76 and grids["东关一网格"].flag_label == "通报批评"
    assert grids["滨河一网格"].score == 100 and grids["滨河一网格"].flag is None
    workers = worker_rows(world)
    assert set(workers) == {"员工worker_a", "员工worker_b"}  # the grid chief is not a grid worker
    worker_a = workers["员工worker_a"]
    assert points_of(worker_a)["card_red"] == -10 and points_of(worker_a)["card_yellow"] == -5
    # 66 is under 70, but 培训 and 辞退 judge a year: a month shows 通报批评 only.
    assert worker_a.score == 66 and worker_a.flag_label == "通报批评"
    assert workers["员工worker_b"].score == 100


def test_cards_count_only_for_whom_they_were_issued(world, march):
    grid_cards = [e.occurrence.label for e in lines_of(grid_rows(world)["东关一网格"])["card_yellow"].entries]
    worker_cards = [e.occurrence.label for e in lines_of(worker_rows(world)["员工worker_a"])["card_yellow"].entries]
    assert grid_cards == ["2026-03-11 台账不全"]
    assert worker_cards == ["2026-03-25 迟到"]


def test_key_group_quota_counts_only_ended_quarters(world, march):
    # April's board: Q2 has not ended on 10 April, so nothing yet.
    april = grid_rows(world, period=scoring.Period(2026, 4))
    assert "key_group_visits_short" not in points_of(april["东关一网格"])


def test_monthly_cap_keeps_later_occurrences_at_zero(world):
    # No report at all in March in grid A2: 9 report days × −2 = −18, capped at 10.
    row = grid_rows(world, grids=[world.grid_a2])["东关二网格"]
    line = lines_of(row)["report_missing"]
    assert len(line.entries) == 9 and line.points == -10 and line.capped
    assert [e.points for e in line.entries] == [-2] * 5 + [0] * 4
    assert row.score == 90


def test_annual_board_uses_the_yearly_cap(world):
    # From 1 January to 9 April 2026 grid A2 missed well over 20 report days: −40 at most.
    row = grid_rows(world, period=scoring.Period(2026), grids=[world.grid_a2])["东关二网格"]
    line = lines_of(row)["report_missing"]
    assert len(line.entries) > 20 and line.points == -40 and line.capped
    assert row.score == 60 and row.flag_label == "培训"


def test_edited_rule_points_and_disabled_rule(world, march):
    rule = db.session.scalar(select(ScoringRule).where(ScoringRule.code == "matter_overdue"))
    services.update_rule(rule, services.RuleValues(-5, None, None, True, True, True), world.users["admin"])
    red = db.session.scalar(select(ScoringRule).where(ScoringRule.code == "card_red"))
    services.update_rule(red, services.RuleValues(-10, None, None, True, True, False), world.users["admin"])
    db.session.commit()
    assert points_of(grid_rows(world)["东关一网格"])["matter_overdue"] == -10
    assert "card_red" not in points_of(worker_rows(world)["员工worker_a"])


def test_rule_edit_refusals(world):
    rule = db.session.scalar(select(ScoringRule).where(ScoringRule.code == "matter_overdue"))
    with pytest.raises(services.RuleError) as refused:
        services.update_rule(rule, services.RuleValues(0, None, None, True, True, True), world.users["admin"])
    assert refused.value.field == "points"
    with pytest.raises(services.RuleError):
        services.update_rule(rule, services.RuleValues(-2, -1, None, True, True, True), world.users["admin"])


def test_worker_assigned_after_the_occurrence_is_not_charged(world, march):
    from app.org.models import StaffAssignment, StaffMember, StaffRole

    newcomer = StaffMember(home_division=world.community_a, name="新网格员", phone="")
    db.session.add(newcomer)
    db.session.add(
        StaffAssignment(
            staff=newcomer, division=world.grid_a, role=StaffRole.PART_TIME_WORKER.value, start_date=date(2026, 3, 18)
        )
    )
    db.session.commit()
    row = worker_rows(world)["新网格员"]
    # Only what fell due from 18 March: the overdue matter reported on 17 March is not theirs,
    # the task target due 20 March is; patrols: weeks ending 22 and 29 March, none made.
    points = points_of(row)
    assert "report_missing" not in points and "matter_overdue" not in points
    assert points["task_target_late"] == -3
    assert [e.occurrence.day for e in lines_of(row)["patrol_week_short"].entries] == [
        date(2026, 3, 22),
        date(2026, 3, 29),
    ]


def test_satisfaction_bonus_and_criticised_flag(world):
    station = world.users["station_a"]
    surveys.save_station_survey(world.grid_a, surveys.SurveyValues(2026, 1, 50, 40, 6, 4), station, TODAY)
    surveys.save_station_survey(world.grid_a2, surveys.SurveyValues(2026, 1, 50, 30, 9, 11), station, TODAY)
    db.session.commit()
    tallies = surveys.tallies([world.grid_a.id, world.grid_a2.id], 2026, 1)
    assert str(tallies[world.grid_a.id].rate) == "92.0" and tallies[world.grid_a.id].earns_bonus
    assert str(tallies[world.grid_a2.id].rate) == "78.0" and tallies[world.grid_a2.id].criticised
    june = grid_rows(world, period=scoring.Period(2026, 6), grids=[world.grid_a, world.grid_a2])
    assert points_of(june["东关一网格"]).get("satisfaction_bonus") == 3
    assert "satisfaction_bonus" not in points_of(june["东关二网格"])
    assert june["东关二网格"].survey_flags == ["2026年上半年满意率 78.0%"] and june["东关一网格"].survey_flags == []
    # The bonus belongs to June: May's board has none.
    may = grid_rows(world, period=scoring.Period(2026, 5), grids=[world.grid_a])
    assert "satisfaction_bonus" not in points_of(may["东关一网格"])


def test_station_survey_counts_must_add_up(world):
    with pytest.raises(services.RuleError) as refused:
        surveys.save_station_survey(
            world.grid_a, surveys.SurveyValues(2026, 1, 50, 40, 6, 3), world.users["station_a"], TODAY
        )
    assert refused.value.field == "respondents"


def test_period_parsing():
    today = date(2026, 11, 22)
    assert scoring.Period.parse("2026-03", today) == scoring.Period(2026, 3)
    assert scoring.Period.parse("2025", today) == scoring.Period(2025)
    assert scoring.Period.parse("nonsense", today) == scoring.Period(2026, 10)
    assert scoring.Period.parse("", date(2026, 1, 5)) == scoring.Period(2025, 12)


def test_scored_survey_weighs_with_public_answers(app, world):
    from decimal import Decimal

    from app.assessment.models import SurveyResponse

    app.config["PUBLIC_SURVEY_MIN_ANSWERS"] = 10  # ten answers are enough to count here
    surveys.save_station_survey(
        world.grid_a, surveys.SurveyValues(2026, 1, 40, 0, 0, 0, score=Decimal("75")), world.users["station_a"], TODAY
    )
    for answer in ("satisfied",) * 10:
        db.session.add(SurveyResponse(grid_id=world.grid_a.id, year=2026, half=1, answer=answer))
    db.session.commit()
    tally = surveys.tallies([world.grid_a.id], 2026, 1)[world.grid_a.id]
    # 40 × 75% = 30 satisfied-equivalent, plus 10 satisfied, out of 50: 80.0%.
    assert (tally.total, str(tally.rate), tally.criticised) == (50, "80.0", False)
    with pytest.raises(services.RuleError) as refused:
        surveys.save_station_survey(
            world.grid_a2,
            surveys.SurveyValues(2026, 1, 40, 5, 0, 0, score=Decimal("75")),
            world.users["station_a"],
            TODAY,
        )
    assert refused.value.field == "score"


def test_report_slots_of_many_grids_match_report_punctuality(world, march):
    from app.assessment.computations import Context, _punctuality
    from app.patrols import compliance

    context = Context(date(2026, 3, 1), date(2026, 3, 31), TODAY, NOW)
    together = _punctuality([world.grid_a.id, world.grid_b.id], context)
    for grid in (world.grid_a, world.grid_b):
        alone = compliance.report_punctuality(grid.id, context.first, context.last, now=NOW)
        assert [(s.report_day, s.status) for s in together[grid.id]] == [(s.report_day, s.status) for s in alone]
    assert [s.status for s in together[world.grid_a.id]].count("missing") == 1


def test_a_patrol_week_counts_in_the_month_of_its_sunday(on_2026_11_20, world):
    # The week of 26 October – 1 November runs into November: November's board judges it.
    from datetime import datetime, time

    from app.patrols import services as patrol_services

    worker = world.staff["worker_a"]
    for day in (date(2026, 10, 27), date(2026, 11, 1)):
        patrol_services.record_patrol(
            patrol_services.PatrolValues(
                grid=world.grid_a,
                staff_id=worker.id,
                patrol_date=day,
                start_time=time(9, 0),
                end_time=time(10, 0),
                route="东关路",
            ),
            world.users["worker_a"],
        )
    db.session.commit()
    today, now = date(2026, 11, 22), datetime(2026, 11, 22, 2, 0)

    def patrol_entries(period):
        row = scoring.grid_board([world.grid_a], period, today, now)[0]
        return lines_of(row)["patrol_week_short"].entries

    # October judges the weeks ending on its Sundays 4, 11, 18 and 25 (no patrols in them).
    assert [e.occurrence.day for e in patrol_entries(scoring.Period(2026, 10))] == [
        date(2026, 10, 4),
        date(2026, 10, 11),
        date(2026, 10, 18),
        date(2026, 10, 25),
    ]
    # November: Sundays 1, 8 and 15; the week ending today, Sunday 22, is not over yet.
    november = patrol_entries(scoring.Period(2026, 11))
    assert [e.occurrence.day for e in november] == [date(2026, 11, 1), date(2026, 11, 8), date(2026, 11, 15)]
    first = november[0].occurrence
    assert str(first.label) == "员工worker_a 2026-10-26 至 2026-11-01 巡查 2 次，应 3 次"
    assert (first.endpoint, first.values, first.staff_id) == (
        "patrols.patrol_compliance",
        {"division_id": world.grid_a.id, "week": "2026-10-26"},
        worker.id,
    )


def test_a_report_slot_across_a_month_end_counts_in_the_month_it_began(world):
    # Spring Festival 2025 (28 January – 4 February): Thu 30 January and Mon 3 February
    # both fall due on Wed 5 February, one slot named 30 January. Reported on 5 February
    # at 10:00: on time for January; February has no slot of 3 February to miss.
    from datetime import datetime

    from app.assessment.computations import Context, _punctuality
    from app.patrols import services as patrol_services

    report = patrol_services.record_chief_report(
        world.grid_a, date(2025, 2, 3), [], "本期无一般信息", world.users["worker_a"], now=datetime(2025, 2, 5, 2, 0)
    )
    assert report.report_day == date(2025, 1, 30)
    db.session.commit()
    after = datetime(2025, 3, 10, 2, 0)
    january = _punctuality([world.grid_a.id], Context(date(2025, 1, 1), date(2025, 1, 31), after.date(), after))
    february = _punctuality([world.grid_a.id], Context(date(2025, 2, 1), date(2025, 2, 28), after.date(), after))
    assert (date(2025, 1, 30), "on_time") in [(s.report_day, s.status) for s in january[world.grid_a.id]]
    february_days = [s.report_day for s in february[world.grid_a.id]]
    assert date(2025, 2, 3) not in february_days and february_days[0] == date(2025, 2, 6)


def _in_use_from(day):
    from app.core import settings

    settings.change("ASSESSMENT_IN_USE_FROM", day, None)
    db.session.commit()


def test_the_in_use_date_starts_the_boards(world, march):
    """In use from 1 March 2026: February is not assessed at all; the 2026 annual board
    (judged on 1 April, so no April slot or week is due) is March's occurrences less
    what began before 1 March — the Q1 key-group quarter (−3) and the week of 23
    February–1 March, which was not short anyway. Grid A: 76 + 3 = 79 (通报批评);
    worker_a: 66 + 3 = 69, under 70 on a year's board: 培训."""
    from datetime import datetime

    _in_use_from(date(2026, 3, 1))
    assert scoring.Period(2026, 2).counted_from(date(2026, 3, 1)) is None
    february = scoring.grid_board([world.grid_a], scoring.Period(2026, 2), date(2026, 4, 1), datetime(2026, 4, 1, 2))
    assert february[0].score == 100 and not [line for line in february[0].lines if line.entries]
    year = scoring.Period(2026)
    on_april_1 = (date(2026, 4, 1), datetime(2026, 4, 1, 2))
    grid_a = scoring.grid_board([world.grid_a], year, *on_april_1)[0]
    assert "key_group_visits_short" not in points_of(grid_a)
    assert grid_a.score == 79 and grid_a.flag_label == "通报批评"
    worker_a = {r.subject.name: r for r in scoring.worker_board([world.grid_a], year, *on_april_1)}["员工worker_a"]
    assert worker_a.score == 69 and worker_a.flag_label == "培训"
    # Without the in-use date, January and February's missing reports count too.
    _in_use_from(None)
    assert scoring.grid_board([world.grid_a], year, *on_april_1)[0].score < 79


def test_yearly_flags_only_on_the_annual_board(app):
    from app.assessment import reference

    assert reference.flag_for(55, yearly=False) == "criticised"
    assert reference.flag_for(55, yearly=True) == "dismiss"
    assert reference.flag_for(65, yearly=True) == "retrain"
    assert reference.flag_for(80, yearly=True) is None
