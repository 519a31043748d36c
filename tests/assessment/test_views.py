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
from app.extensions import db
from app.org.models import StaffAssignment, StaffMember, StaffRole
from tests.assessment.records import build_march
from tests.conftest import fresh, text_of


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
    assert re.search(r"员工worker_a 东关一网格 -34 0 66 培训", page)
    assert "员工chief_a" not in page


def test_breakdown_links_go_to_the_records(client_as, world, march):
    client = client_as("worker_a")
    response = client.get(f"/assessment/grids/{world.grid_a.id}?period=2026-03")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "得分 76" in text_of(response)
    links = set(re.findall(r'<td><a href="([^"]+)">', html))
    expected = {f"/matters/{march['matter'].id}", f"/task-targets/{march['target'].id}",
                f"/inspections/{march['inspection'].id}", f"/assessment/cards/{march['cards'][0].id}"}
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
    colleague = StaffMember(home_division=world.community_a, name="同事网格员", phone="")
    db.session.add(colleague)
    db.session.add(StaffAssignment(staff=colleague, division=world.grid_a, role=StaffRole.PART_TIME_WORKER.value,
                                   start_date=date(2026, 1, 1)))
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
    rows = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
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
    for username in ("town_a", "station_a", "worker_a", "leader_a", "dept"):
        client = client_as(username)
        assert client.get("/assessment/rules").status_code == 404, username
        rule = _rule("card_red")
        assert client.post("/assessment/rules", data={"code": "card_red", f"rule{rule.id}-points": "-1"}
                           ).status_code == 404


def test_rule_edit_saved_audited_and_errors_kept(client_as, world):
    client = client_as("admin")
    rule = _rule("matter_overdue")
    prefix = f"rule{rule.id}-"
    response = client.post("/assessment/rules", data={"code": "matter_overdue", prefix + "points": "-4",
                                                      prefix + "cap_month": "12", prefix + "cap_year": "",
                                                      prefix + "applies_to_grid": "y", prefix + "is_enabled": "y"})
    assert response.status_code == 303
    rule = _rule("matter_overdue")
    assert (rule.points, rule.cap_month, rule.cap_year, rule.applies_to_worker) == (-4, 12, None, False)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "scoring_rule_updated"))
    assert event.detail["points"] == [-2, -4]
    response = client.post("/assessment/rules", data={"code": "matter_overdue", prefix + "points": "abc",
                                                      prefix + "cap_month": "7"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "不是有效的整数。" in text_of(response) and 'value="7"' in html
    response = client.post("/assessment/rules", data={"code": "matter_overdue", prefix + "points": "0"})
    assert response.status_code == 400 and "分值不能为 0" in text_of(response)


# --- Cards ------------------------------------------------------------------------------

def test_town_staff_issue_a_card_to_a_worker(client_as, world):
    client = client_as("town_a")
    response = client.post("/assessment/cards/new", data={
        "grid_id": world.grid_a.id, "staff_id": world.staff["worker_a"].id, "colour": "red",
        "issued_on": "2026-11-20", "reason": "连续两周未巡查"})
    assert response.status_code == 303
    fresh()
    card = db.session.scalar(select(WarningCard).where(WarningCard.reason == "连续两周未巡查"))
    assert card.staff_id == world.staff["worker_a"].id and card.issuer_name == "town_a"
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "warning_card_issued")) is not None
    assert "连续两周未巡查" in text_of(client_as("worker_a").get(f"/assessment/cards/{card.id}"))


def test_card_form_errors_in_chinese_keep_input(client_as, world):
    response = client_as("town_a").post("/assessment/cards/new", data={
        "grid_id": world.grid_a.id, "staff_id": 0, "colour": "yellow", "issued_on": "2026-11-20", "reason": ""})
    assert response.status_code == 400
    assert "请写明原因。" in text_of(response)
    assert 'value="2026-11-20"' in response.get_data(as_text=True)
    response = client_as("town_a").post("/assessment/cards/new", data={
        "grid_id": world.grid_a.id, "staff_id": world.staff["worker_b"].id, "colour": "yellow",
        "issued_on": "2026-11-20", "reason": "不在本网格"})
    assert response.status_code == 400 and "该网格员当天不在这个网格。" in text_of(response)


def test_only_town_and_county_issue_cards(client_as, world):
    for username in ("station_a", "worker_a", "leader_a"):
        assert client_as(username).get("/assessment/cards/new").status_code == 403, username


def test_worker_sees_grid_cards_and_own_not_colleagues(client_as, world):
    colleague = StaffMember(home_division=world.community_a, name="同事网格员", phone="")
    db.session.add(colleague)
    db.session.add(StaffAssignment(staff=colleague, division=world.grid_a, role=StaffRole.PART_TIME_WORKER.value,
                                   start_date=date(2024, 1, 1)))
    card = WarningCard(grid_id=world.grid_a.id, staff_id=colleague.id, colour="red", issued_on=date(2026, 11, 1),
                       reason="同事的红牌")
    db.session.add(card)
    db.session.commit()
    worker = client_as("worker_a")
    assert "同事的红牌" not in text_of(worker.get("/assessment/cards/"))
    assert worker.get(f"/assessment/cards/{card.id}").status_code == 404
    assert "同事的红牌" in text_of(client_as("station_a").get("/assessment/cards/"))


# --- Surveys ----------------------------------------------------------------------------

def test_station_enters_a_survey(client_as, world):
    client = client_as("station_a")
    data = {"grid_id": world.grid_a.id, "year": "2026", "half": "1", "respondents": "50", "satisfied": "30",
            "basically": "9", "dissatisfied": "11", "note": "入户问卷"}
    assert client.post("/assessment/surveys/new", data=data).status_code == 303
    fresh()
    survey = db.session.scalar(select(SatisfactionSurvey).where(SatisfactionSurvey.note == "入户问卷"))
    assert survey.respondents == 50
    page = text_of(client.get("/assessment/surveys/?year=2026"))
    assert "78.0% 通报批评" in page
    board = text_of(client.get("/assessment/?period=2026"))
    assert "2026年上半年满意率 78.0%，通报批评" in board
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "survey_recorded")) is not None


def test_station_survey_errors_in_chinese_keep_input(client_as, world):
    data = {"grid_id": world.grid_a.id, "year": "2026", "half": "1", "respondents": "50", "satisfied": "30",
            "basically": "9", "dissatisfied": "10"}
    response = client_as("station_a").post("/assessment/surveys/new", data=data)
    assert response.status_code == 400
    assert "满意、基本满意、不满意人数之和应等于受访人数（现为 49）。" in text_of(response)
    assert 'value="50"' in response.get_data(as_text=True)
    data["satisfied"] = "三十"
    response = client_as("station_a").post("/assessment/surveys/new", data=data)
    assert response.status_code == 400 and "不是有效的整数。" in text_of(response)
    fresh()
    assert db.session.scalar(select(func.count(SatisfactionSurvey.id)).where(SatisfactionSurvey.year == 2026)) == 0


def test_station_enters_a_scored_survey(client_as, world):
    client = client_as("station_a")
    data = {"grid_id": world.grid_a2.id, "year": "2026", "half": "1", "respondents": "30", "score": "76.5"}
    assert client.post("/assessment/surveys/new", data=data).status_code == 303
    page = text_of(client.get("/assessment/surveys/?year=2026"))
    assert "30 人 76.5 分" in page and "76.5% 通报批评" in page
    data["score"] = "120"
    response = client.post("/assessment/surveys/new", data=data)
    assert response.status_code == 400 and "得分应在 0 到 100 之间。" in text_of(response)
    assert 'value="120"' in response.get_data(as_text=True)


def test_survey_entry_roles_and_scope(client_as, world):
    assert client_as("worker_a").get("/assessment/surveys/new").status_code == 403
    survey_b = world.records["b"]["survey"]
    assert client_as("station_a").get(f"/assessment/surveys/{survey_b.id}/edit").status_code == 404
    response = client_as("station_a").post("/assessment/surveys/new", data={
        "grid_id": world.grid_b.id, "year": "2024", "half": "1", "respondents": "1", "satisfied": "1",
        "basically": "0", "dissatisfied": "0"})
    assert response.status_code == 400 and "请从列表中选择。" in text_of(response)


def test_public_answer_counted_and_throttled(app, world):
    client = app.test_client()
    url = f"/public/grids/{world.grid_a.code}/survey"
    assert "满意度评价" in text_of(client.get(url))
    for _i in range(3):
        assert client.post(url, data={"answer": "satisfied"}).status_code == 303
    throttled = client.post(url, data={"answer": "dissatisfied"})
    assert throttled.status_code == 429 and "提交过于频繁" in text_of(throttled)
    fresh()
    answers = list(db.session.scalars(select(SurveyResponse)))
    assert [a.answer for a in answers] == ["satisfied"] * 3
    assert all(a.grid_id == world.grid_a.id and len(a.submitter_fingerprint) == 64 for a in answers)


def test_public_honeypot_and_missing_answer(app, world):
    client = app.test_client()
    url = f"/public/grids/{world.grid_a.code}/survey"
    assert client.post(url, data={"answer": "satisfied", "website": "x"}).status_code == 400
    response = client.post(url, data={})
    assert response.status_code == 400 and "请选择满意程度。" in text_of(response)
    assert client.get(f"/public/grids/{world.community_a.code}/survey").status_code == 404
    fresh()
    assert db.session.scalar(select(func.count(SurveyResponse.id))) == 0


def test_public_answers_join_the_station_tally(client_as, app, world):
    from app.assessment import surveys
    from app.core.timeutil import local_today
    client = app.test_client()
    for answer in ("satisfied", "dissatisfied"):
        client.post(f"/public/grids/{world.grid_b.code}/survey", data={"answer": answer})
    fresh()
    year, half = surveys.half_of(local_today())
    tally = surveys.tallies([world.grid_b.id], year, half)[world.grid_b.id]
    assert (tally.total, str(tally.rate), tally.public_answers) == (2, "50.0", 2)


def test_rules_page_and_public_form_work_with_csrf(tmp_path, migrated_database):
    from app.core.database import write_transactions
    from tests.conftest import make_app
    from tests.factories import build_world
    app = make_app(tmp_path, migrated_database, WTF_CSRF_ENABLED=True)
    with app.app_context():
        with write_transactions():
            world = build_world()
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        client.post("/login", data={"username": "admin", "password": "Passw0rd!", "csrf_token": token})
        rule = _rule("card_yellow")
        html = client.get("/assessment/rules").get_data(as_text=True)
        token = re.search(rf'name="rule{rule.id}-csrf_token" type="hidden" value="([^"]+)"', html).group(1)
        prefix = f"rule{rule.id}-"
        response = client.post("/assessment/rules", data={
            "code": "card_yellow", prefix + "csrf_token": token, prefix + "points": "-6",
            prefix + "applies_to_grid": "y", prefix + "applies_to_worker": "y", prefix + "is_enabled": "y"})
        assert response.status_code == 303
        assert _rule("card_yellow").points == -6
        public = app.test_client()
        grid_page = public.get(f"/public/grids/{world.grid_a.code}/").get_data(as_text=True)
        assert f"/public/grids/{world.grid_a.code}/survey" in grid_page
        refused = public.post(f"/public/grids/{world.grid_a.code}/survey", data={"answer": "satisfied"})
        assert refused.status_code == 400 and "页面已过期" in text_of(refused)
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("period", ["0000", "-001", "0000-05"])
def test_a_period_outside_the_calendar_falls_back_to_last_month(client_as, world, period):
    # "0000" passed as a year and date(0, 1, 1) raised: a 500 instead of the default board.
    response = client_as("admin").get(f"/assessment/?period={period}")
    assert response.status_code == 200


def test_a_card_posted_for_another_towns_grid_is_refused_not_given_to_the_first_grid(client_as, world):
    # The grid posted was out of scope and the card silently went to the first grid of the town.
    response = client_as("town_a").post("/assessment/cards/new", data={
        "grid_id": world.grid_b.id, "staff_id": 0, "colour": "yellow", "issued_on": "2026-11-20",
        "reason": "滨河一网格台账不全"})
    assert response.status_code == 400
    assert "请从列表中选择。" in text_of(response) and "滨河一网格台账不全" in text_of(response)
    fresh()
    assert db.session.scalar(select(func.count(WarningCard.id)).where(WarningCard.reason == "滨河一网格台账不全")) == 0
