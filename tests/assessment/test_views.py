"""The assessment pages: boards and breakdowns (links go to the records), scope,
the rules page (administrators only), cards, station surveys and the public form."""

import re
from datetime import date
from io import BytesIO

import openpyxl
import pytest
from sqlalchemy import func, select

from app.assessment.models import SatisfactionSurvey, ScoringRule, SurveyResponse, WarningCard
from app.auth.models import AuditEvent
from app.core.timeutil import local_today
from app.extensions import db
from app.org.models import StaffAssignment, StaffMember, StaffRole
from tests.assessment.records import build_march
from tests.conftest import fresh, text_of
from tests.web import choose, forge, form_on, options, press, visible_text


@pytest.fixture()
def march(world):
    return build_march(world)


def test_board_ranks_grids_with_scores_and_flags(client_as, world, march):
    page = text_of(client_as("admin").get("/assessment/?period=2026-03"))
    assert re.search(r"滨河社区 · 滨河一网格 0 0 100", page)
    assert re.search(r"东关社区 · 东关一网格 -24 0 76 通报批评", page)
    assert "通报批评 1 个" in page and "培训" not in page.split("点击得分")[1]
    town = text_of(client_as("town_a").get("/assessment/?period=2026-03"))
    assert "东关一网格" in town and "李家一网格" in town and "滨河一网格" not in town


def test_worker_board_and_flag(client_as, world, march):
    page = text_of(client_as("admin").get("/assessment/?period=2026-03&kind=worker"))
    assert re.search(r"员工worker_a 东关一网格 -34 0 66 通报批评", page)
    assert "员工chief_a" not in page


def test_breakdown_links_go_to_the_records(client_as, world, march):
    client = client_as("worker_a")
    response = client.get(f"/assessment/grids/{world.grid_a.id}?period=2026-03")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "得分 76" in text_of(response)
    links = set(re.findall(r'<td><a href="([^"]+)">', html))
    expected = {
        f"/matters/{march['matter'].id}",
        f"/task-targets/{march['target'].id}",
        f"/inspections/{march['inspection'].id}",
        f"/assessment/cards/{march['cards'][0].id}",
    }
    assert expected <= links
    assert any(link.startswith("/opinions/reports/") for link in links)  # the late report
    missing = next(link for link in links if link.startswith("/opinions/reports?"))
    assert "week=2026-03-05" in missing
    reports_page = text_of(client.get(missing.replace("&amp;", "&")))
    assert "2026-03-05" in reports_page and "未报告" in reports_page
    assert any(link.startswith("/patrols/compliance?") and "week=2026-03-09" in link for link in links)
    for link in links:
        assert client.get(link.replace("&amp;", "&")).status_code == 200, link


def test_worker_breakdown_shows_own_cards(client_as, world, march):
    page = text_of(client_as("worker_a").get(f"/assessment/workers/{world.staff['worker_a'].id}?period=2026-03"))
    assert "得分 66" in page and "红牌警告" in page and "空岗" in page


def test_scope_of_breakdowns(client_as, world, march):
    worker = client_as("worker_a")
    assert worker.get(f"/assessment/grids/{world.grid_b.id}?period=2026-03").status_code == 404
    assert worker.get(f"/assessment/grids/{world.community_a.id}").status_code == 404
    assert worker.get(f"/assessment/workers/{world.staff['worker_b'].id}").status_code == 404
    fresh()  # the refusals above were logged: a write after this test's read began
    colleague = StaffMember(home_division=world.community_a, name="同事网格员", phone="")
    db.session.add(colleague)
    db.session.add(
        StaffAssignment(
            staff=colleague, division=world.grid_a, role=StaffRole.PART_TIME_WORKER.value, start_date=date(2026, 1, 1)
        )
    )
    db.session.commit()
    assert worker.get(f"/assessment/workers/{colleague.id}?period=2026-03").status_code == 404
    own_board = text_of(worker.get("/assessment/?period=2026-03&kind=worker"))
    assert "员工worker_a" in own_board and "同事网格员" not in own_board
    grid_board = text_of(worker.get("/assessment/?period=2026-03"))
    assert "东关一网格" in grid_board and "滨河一网格" not in grid_board
    station = client_as("station_a")
    assert station.get(f"/assessment/workers/{colleague.id}?period=2026-03").status_code == 200
    assert "同事网格员" in text_of(station.get("/assessment/?period=2026-03&kind=worker"))
    assert station.get(f"/assessment/grids/{world.grid_b.id}").status_code == 404
    assert client_as("dept").get("/assessment/").status_code == 403


def test_export_is_the_board_and_audited(client_as, world, march):
    response = client_as("admin").get("/assessment/board.xlsx?period=2026-03")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(BytesIO(response.data)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    grid_a = next(r for r in rows if r[1] == "东关社区 · 东关一网格")
    assert grid_a[5] == 76 and grid_a[6] == "通报批评"
    fresh()
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "assessment_exported")) == 1


# --- The rules page ---------------------------------------------------------------------


def _rule(code):
    fresh()
    return db.session.scalar(select(ScoringRule).where(ScoringRule.code == code))


def test_rules_page_is_for_county_administrators_only(client_as, world):
    assert client_as("admin").get("/assessment/rules").status_code == 200
    for username in ("town_a", "station_a", "worker_a", "leader_a"):
        assert client_as(username).get("/assessment/rules").status_code == 404, username
    assert client_as("dept").get("/assessment/rules").status_code == 403  # no grid work at all


def test_a_forged_rule_change_by_anyone_but_an_administrator_is_404(web_as, world):
    """No page offers these roles the rules form: a hand-built post is refused."""
    rule = _rule("card_red")
    for username in ("town_a", "worker_a"):
        web = web_as(username)
        response = forge(web, "/assessment/rules", {"code": "card_red", f"rule{rule.id}-points": "-1"})
        assert response.status_int == 404, username
    assert _rule("card_red").points == rule.points


def _rule_form(page, code):
    """The row of one rule: its inputs sit in the table cells, tied to the row's form."""
    return form_on(page, form_id=f"form-{code}")


def test_rule_edit_saved_audited_and_errors_kept(web_as, world):
    web = web_as("admin")
    rule = _rule("matter_overdue")
    prefix = f"rule{rule.id}-"
    page = web.get("/assessment/").click(description="评分规则")
    form = _rule_form(page, "matter_overdue")
    assert form[prefix + "points"].value == "-2" and form[prefix + "applies_to_worker"].checked
    form[prefix + "points"] = "-4"
    form[prefix + "cap_month"] = "12"
    form[prefix + "cap_year"] = ""
    form[prefix + "applies_to_worker"] = False
    response = press(form, "保存")
    assert response.status_int == 303
    assert "已保存" in visible_text(response.follow())
    rule = _rule("matter_overdue")
    assert (rule.points, rule.cap_month, rule.cap_year, rule.applies_to_worker) == (-4, 12, None, False)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "scoring_rule_updated"))
    assert event.detail["points"] == [-2, -4]
    form = _rule_form(web.get("/assessment/rules"), "matter_overdue")
    form[prefix + "points"] = "abc"
    form[prefix + "cap_month"] = "7"
    response = press(form, "保存", status=400)
    assert "不是有效的整数。" in visible_text(response)
    assert _rule_form(response, "matter_overdue")[prefix + "cap_month"].value == "7"
    form = _rule_form(response, "matter_overdue")
    form[prefix + "points"] = "0"
    response = press(form, "保存", status=400)
    assert "分值不能为 0" in visible_text(response)
    assert _rule("matter_overdue").points == -4


# --- Cards ------------------------------------------------------------------------------


def _card_form(web, grid_name):
    """发黄牌/红牌 from the cards list, the grid chosen and its workers listed."""
    page = web.get("/assessment/cards/").click(description="发黄牌/红牌")
    form = form_on(page)
    choose(form, "grid_id", grid_name)
    listed = press(form, "列出该网格的网格员")
    assert listed.status_int == 200
    return form_on(listed)


def test_town_staff_issue_a_card_to_a_worker(web_as, client_as, world):
    web = web_as("town_a")
    form = _card_form(web, "东关一网格")
    assert [label for _value, label in options(form, "staff_id")] == ["整个网格", "员工worker_a"]
    choose(form, "staff_id", "员工worker_a")
    form["colour"] = "red"
    form["reason"] = "连续两周未巡查"
    response = press(form, "发出")
    assert response.status_int == 303
    assert "已发出红牌" in visible_text(response.follow())
    fresh()
    card = db.session.scalar(select(WarningCard).where(WarningCard.reason == "连续两周未巡查"))
    assert card.staff_id == world.staff["worker_a"].id and card.issuer_name == "town_a"
    assert card.grid_id == world.grid_a.id and card.issued_on == local_today()
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "warning_card_issued")) is not None
    assert "连续两周未巡查" in text_of(client_as("worker_a").get(f"/assessment/cards/{card.id}"))


def test_card_form_errors_in_chinese_keep_input(web_as, world):
    web = web_as("town_a")
    form = _card_form(web, "东关一网格")
    form["colour"] = "yellow"
    form["issued_on"] = "2026-11-20"
    response = press(form, "发出", status=400)
    assert "请写明原因。" in visible_text(response)
    assert form_on(response)["issued_on"].value == "2026-11-20"
    # The worker listed for today, the day then moved back to before they joined the grid.
    form = _card_form(web, "东关一网格")
    choose(form, "staff_id", "员工worker_a")
    form["colour"] = "yellow"
    form["issued_on"] = "2023-12-01"
    form["reason"] = "入职前的事"
    response = press(form, "发出", status=400)
    assert "该网格员当天不在这个网格。" in visible_text(response)
    assert form_on(response)["reason"].value == "入职前的事"
    fresh()
    assert db.session.scalar(select(func.count(WarningCard.id)).where(WarningCard.reason == "入职前的事")) == 0


def test_a_forged_card_for_another_towns_worker_is_refused(web_as, world):
    """Grid B's worker is never offered for 东关一网格: a tampered staff id."""
    web = web_as("town_a")
    response = forge(
        web,
        "/assessment/cards/new",
        {
            "grid_id": world.grid_a.id,
            "staff_id": world.staff["worker_b"].id,
            "colour": "yellow",
            "issued_on": "2026-11-20",
            "reason": "不在本网格",
        },
    )
    assert response.status_int == 400 and "该网格员当天不在这个网格。" in visible_text(response)


def test_only_town_and_county_issue_cards(client_as, world):
    for username in ("station_a", "worker_a", "leader_a"):
        assert client_as(username).get("/assessment/cards/new").status_code == 403, username


def test_worker_sees_grid_cards_and_own_not_colleagues(client_as, world):
    colleague = StaffMember(home_division=world.community_a, name="同事网格员", phone="")
    db.session.add(colleague)
    db.session.add(
        StaffAssignment(
            staff=colleague, division=world.grid_a, role=StaffRole.PART_TIME_WORKER.value, start_date=date(2024, 1, 1)
        )
    )
    db.session.flush()  # the colleague's id
    card = WarningCard(
        grid_id=world.grid_a.id, staff_id=colleague.id, colour="red", issued_on=date(2026, 11, 1), reason="同事的红牌"
    )
    db.session.add(card)
    db.session.commit()
    worker = client_as("worker_a")
    assert "同事的红牌" not in text_of(worker.get("/assessment/cards/"))
    assert worker.get(f"/assessment/cards/{card.id}").status_code == 404
    assert "同事的红牌" in text_of(client_as("station_a").get("/assessment/cards/"))


# --- Surveys ----------------------------------------------------------------------------


def _survey_form(web, grid_name, **typed):
    """登记调查结果 from the surveys page: the grid and half-year chosen, the tally typed."""
    page = web.get("/assessment/surveys/").click(description="登记调查结果")
    form = form_on(page)
    choose(form, "grid_id", grid_name)
    form["year"] = "2026"
    choose(form, "half", "上半年")
    for name, value in typed.items():
        form[name] = value
    return form


def test_station_enters_a_survey(web_as, world):
    web = web_as("station_a")
    form = _survey_form(
        web, "东关一网格", respondents="50", satisfied="30", basically="9", dissatisfied="11", note="入户问卷"
    )
    response = press(form, "保存")
    assert response.status_int == 303
    fresh()
    survey = db.session.scalar(select(SatisfactionSurvey).where(SatisfactionSurvey.note == "入户问卷"))
    assert (survey.grid_id, survey.year, survey.half, survey.respondents) == (world.grid_a.id, 2026, 1, 50)
    page = visible_text(response.follow())
    assert "已保存东关一网格 2026年上半年的满意度调查。" in page and "78.0% 通报批评" in page
    board = visible_text(web.get("/assessment/?period=2026"))
    assert "2026年上半年满意率 78.0%，通报批评" in board
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "survey_recorded")) is not None


def test_station_survey_errors_in_chinese_keep_input(web_as, world):
    web = web_as("station_a")
    form = _survey_form(web, "东关一网格", respondents="50", satisfied="30", basically="9", dissatisfied="10")
    response = press(form, "保存", status=400)
    assert "满意、基本满意、不满意人数之和应等于受访人数（现为 49）。" in visible_text(response)
    form = form_on(response)
    assert form["respondents"].value == "50"
    form["satisfied"] = "三十"
    response = press(form, "保存", status=400)
    assert "不是有效的整数。" in visible_text(response)
    fresh()
    assert db.session.scalar(select(func.count(SatisfactionSurvey.id)).where(SatisfactionSurvey.year == 2026)) == 0


def test_station_enters_a_scored_survey(web_as, world):
    web = web_as("station_a")
    response = press(_survey_form(web, "东关二网格", respondents="30", score="76.5"), "保存")
    assert response.status_int == 303
    page = visible_text(response.follow())
    assert "30 人 76.5 分" in page and "76.5% 通报批评" in page
    form = _survey_form(web, "东关二网格", respondents="30", score="120")
    response = press(form, "保存", status=400)
    assert "得分应在 0 到 100 之间。" in visible_text(response)
    assert form_on(response)["score"].value == "120"


def test_survey_entry_roles_and_scope(client_as, world):
    assert client_as("worker_a").get("/assessment/surveys/new").status_code == 403
    survey_b = world.records["b"]["survey"]
    assert client_as("station_a").get(f"/assessment/surveys/{survey_b.id}/edit").status_code == 404


def test_a_forged_survey_for_another_stations_grid_is_refused(web_as, world):
    """滨河一网格 is not among the station's grids: a grid id the page never offered."""
    response = forge(
        web_as("station_a"),
        "/assessment/surveys/new",
        {
            "grid_id": world.grid_b.id,
            "year": "2024",
            "half": "1",
            "respondents": "1",
            "satisfied": "1",
            "basically": "0",
            "dissatisfied": "0",
        },
    )
    assert response.status_int == 400 and "请从列表中选择。" in visible_text(response)
    fresh()
    assert (
        db.session.scalar(
            select(func.count(SatisfactionSurvey.id)).where(SatisfactionSurvey.grid_id == world.grid_b.id)
        )
        == 1
    )


# --- The public form --------------------------------------------------------------------


def _answer(web, grid, answer=None, **kwargs):
    """满意度评价 from the grid's public page, one answer ticked (or none)."""
    page = web.get(f"/public/grids/{grid.code}/").click(description="评价本网格的服务")
    form = form_on(page)
    if answer is not None:
        form["answer"] = answer
    return press(form, "提交", **kwargs)


def test_public_answer_counted_and_throttled(web, world):
    for _i in range(3):
        response = _answer(web, world.grid_a, "satisfied")
        assert response.status_int == 303
        assert "谢谢您的评价，已记录。" in visible_text(response.follow())
    throttled = _answer(web, world.grid_a, "dissatisfied", status=429)
    assert "提交过于频繁" in visible_text(throttled)
    fresh()
    answers = list(db.session.scalars(select(SurveyResponse)))
    assert [a.answer for a in answers] == ["satisfied"] * 3
    assert all(a.grid_id == world.grid_a.id and len(a.submitter_fingerprint) == 64 for a in answers)


def test_public_honeypot_and_missing_answer(web, world):
    # A form-filling robot fills the field hidden from people.
    form = form_on(web.get(f"/public/grids/{world.grid_a.code}/survey"))
    form["answer"] = "satisfied"
    form["website"] = "x"
    assert press(form, "提交", status=400).status_int == 400
    response = _answer(web, world.grid_a, status=400)
    assert "请选择满意程度。" in visible_text(response)
    assert web.get(f"/public/grids/{world.community_a.code}/survey", expect_errors=True).status_int == 404
    fresh()
    assert db.session.scalar(select(func.count(SurveyResponse.id))) == 0


def test_public_answers_are_kept_apart_from_the_station_tally(web, world):
    """Two answers are listed, not counted (fewer than PUBLIC_SURVEY_MIN_ANSWERS;
    tests/assessment/test_public_answers.py)."""
    from app.assessment import surveys

    for answer in ("satisfied", "dissatisfied"):
        assert _answer(web, world.grid_b, answer).status_int == 303
    fresh()
    year, half = surveys.half_of(local_today())
    tally = surveys.tallies([world.grid_b.id], year, half)[world.grid_b.id]
    assert (tally.total, tally.rate, tally.public_answers, str(tally.public.rate)) == (0, None, 2, "50.0")


def test_an_expired_public_page_is_refused_with_a_message(web, world):
    """The session ended between opening the form and sending it: the CSRF check refuses
    it, and the page says so."""
    form = form_on(web.get(f"/public/grids/{world.grid_a.code}/survey"))
    form["answer"] = "satisfied"
    web.reset()
    refused = press(form, "提交", status=400)
    assert "页面已过期" in visible_text(refused)
    fresh()
    assert db.session.scalar(select(func.count(SurveyResponse.id))) == 0


@pytest.mark.parametrize("period", ["0000", "-001", "0000-05"])
def test_a_period_outside_the_calendar_falls_back_to_last_month(client_as, world, period):
    # "0000" passed as a year and date(0, 1, 1) raised: a 500 instead of the default board.
    response = client_as("admin").get(f"/assessment/?period={period}")
    assert response.status_code == 200


def test_a_forged_card_for_another_towns_grid_is_refused_not_given_to_the_first_grid(web_as, world):
    """滨河一网格 is never offered to 城关镇: a grid id written into the post by hand."""
    # The grid posted was out of scope and the card silently went to the first grid of the town.
    response = forge(
        web_as("town_a"),
        "/assessment/cards/new",
        {
            "grid_id": world.grid_b.id,
            "staff_id": 0,
            "colour": "yellow",
            "issued_on": "2026-11-20",
            "reason": "滨河一网格台账不全",
        },
    )
    assert response.status_int == 400
    assert "请从列表中选择。" in visible_text(response) and "滨河一网格台账不全" in visible_text(response)
    fresh()
    assert db.session.scalar(select(func.count(WarningCard.id)).where(WarningCard.reason == "滨河一网格台账不全")) == 0
