"""Withdrawing a warning card (撤销): who may, the reason required, once only, the
card kept on record and marked withdrawn, and the scoreboards before and after
(hand-computed from tests/assessment/records.py)."""

import re
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from app.assessment import scoring, services
from app.assessment.models import WarningCard
from app.auth.models import AuditEvent
from app.extensions import db
from tests.assessment.records import NOW, TODAY, build_march
from tests.conftest import fresh, text_of
from tests.web import forge, form_on, press, visible_text

MARCH = scoring.Period(2026, 3)


@pytest.fixture()
def march(world):
    return build_march(world)


def _grid_a(world, period=MARCH):
    return scoring.grid_board([world.grid_a], period, TODAY, NOW)[0]


def _worker_a(world):
    return scoring.worker_board([world.grid_a], MARCH, TODAY, NOW, staff_ids=[world.staff["worker_a"].id])[0]


def _points(row):
    return {line.rule.code: line.points for line in row.lines if line.entries}


def test_withdrawn_grid_card_no_longer_deducts(world, march):
    grid_card = march["cards"][0]  # yellow to grid A on 11 March, −5
    before = _grid_a(world)
    assert before.score == 76 and before.flag_label == "通报批评" and _points(before)["card_yellow"] == -5
    services.withdraw_card(grid_card, "误发：台账已在督查前补齐", world.users["town_a"], now=datetime(2026, 4, 2, 1, 0))
    db.session.commit()
    after = _grid_a(world)
    # 100 − 2 − 1 − 2 − 4 − 1 − 3 − 3 − 3 = 81: no yellow card, no longer under 80.
    assert after.score == 81 and after.flag is None and "card_yellow" not in _points(after)
    assert after.deducted == -19
    assert scoring.withdrawn_cards(after, MARCH) == [grid_card]
    # The worker's own cards are untouched: still 66.
    assert _worker_a(world).score == 66


def test_withdrawn_worker_card_no_longer_deducts(world, march):
    red = march["cards"][1]  # red to worker_a on 12 March, −10
    services.withdraw_card(red, "申诉后撤销", world.users["admin"])
    db.session.commit()
    row = _worker_a(world)
    # 100 − 2 − 1 − 2 − 4 − 1 − 3 − 3 − 5 − 3 = 76 (通报批评 instead of 培训).
    assert row.score == 76 and row.flag_label == "通报批评"
    assert "card_red" not in _points(row) and _points(row)["card_yellow"] == -5
    assert scoring.withdrawn_cards(row, MARCH) == [red]
    assert _grid_a(world).score == 76  # the grid never counted the worker's card


def test_annual_board_before_and_after(world):
    # Grid A2 in 2026 (as of 10 April): only missed reports, capped at −40 a year → 60.
    a2, admin = world.grid_a2, world.users["admin"]
    yellow = services.issue_card(
        a2, services.CardValues(a2.id, None, "yellow", date(2026, 2, 3), "台账不全"), admin, TODAY
    )
    red = services.issue_card(a2, services.CardValues(a2.id, None, "red", date(2026, 4, 1), "空岗"), admin, TODAY)
    db.session.commit()
    year = scoring.Period(2026)

    def annual():
        return scoring.grid_board([a2], year, TODAY, NOW)[0]

    assert annual().score == 45 and annual().flag_label == "辞退"  # 100 − 40 − 5 − 10
    services.withdraw_card(red, "误发", admin)
    db.session.commit()
    assert annual().score == 55 and annual().flag_label == "辞退"  # 100 − 40 − 5
    services.withdraw_card(yellow, "申诉成立", admin)
    db.session.commit()
    assert annual().score == 60 and annual().flag_label == "培训"  # 100 − 40
    assert scoring.withdrawn_cards(annual(), year) == [yellow, red]
    # February's board: the withdrawn yellow card was its only card.
    assert "card_yellow" not in _points(scoring.grid_board([a2], scoring.Period(2026, 2), TODAY, NOW)[0])


def test_withdraw_rules(world, march):
    card = march["cards"][0]
    with pytest.raises(services.RuleError):
        services.withdraw_card(card, "误发", world.users["worker_a"])
    with pytest.raises(services.RuleError) as refused:
        services.withdraw_card(card, "   ", world.users["town_a"])
    assert refused.value.field == "reason"
    services.withdraw_card(card, "误发", world.users["town_a"])
    db.session.commit()
    with pytest.raises(services.RuleError) as refused:
        services.withdraw_card(card, "再撤一次", world.users["admin"])
    assert "已经撤销" in str(refused.value)
    assert card.withdrawal_reason == "误发"


def test_town_staff_withdraw_from_the_page(web_as, client_as, world, march):
    card = march["cards"][0]
    web = web_as("town_a")
    # A second tab opened on the same form before the card is withdrawn.
    stale = form_on(web.get(f"/assessment/cards/{card.id}/withdraw"))
    page = web.get("/assessment/cards/").click(href=f"/assessment/cards/{card.id}$")
    form = form_on(page.click(description="撤销这张牌"))
    form["reason"] = "误发：台账已补齐"
    response = press(form, "撤销这张牌")
    assert response.status_int == 303 and response.location.endswith(f"/assessment/cards/{card.id}")
    assert "已撤销这张黄牌，不再扣分。" in visible_text(response.follow())
    fresh()
    saved = db.session.get(WarningCard, card.id)
    assert saved.is_withdrawn and saved.withdrawal_reason == "误发：台账已补齐"
    assert saved.withdrawn_by_name == "town_a" and saved.withdrawn_by_id == world.users["town_a"].id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "warning_card_withdrawn"))
    assert event.target_id == card.id and event.actor_name == "town_a" and event.detail["reason"] == "误发：台账已补齐"
    # Shown as withdrawn in words (not only by colour), with the reason and who, to everyone of the grid.
    detail = text_of(client_as("worker_a").get(f"/assessment/cards/{card.id}"))
    assert "已撤销" in detail and "误发：台账已补齐" in detail and "撤销人 town_a" in detail
    assert "撤销这张牌" not in detail
    listing = text_of(client_as("station_a").get("/assessment/cards/"))
    assert re.search(
        r"2026-03-11 黄牌 已撤销 东关社区 · 东关一网格 整个网格 台账不全 撤销：误发：台账已补齐（town_a）", listing
    )
    # The grid's breakdown: no yellow-card deduction, the card listed as withdrawn at 0.
    breakdown = text_of(client_as("worker_a").get(f"/assessment/grids/{world.grid_a.id}?period=2026-03"))
    assert "得分 81" in breakdown and "黄牌警告" not in breakdown
    assert re.search(
        r"已撤销的黄牌红牌 不扣分 .* 2026-03-11 黄牌 台账不全 已撤销：误发：台账已补齐（town_a，\d{4}-\S+ \S+） 0",
        breakdown,
    )
    # Twice, from the other tab: refused, nothing changed.
    stale["reason"] = "再撤一次"
    again = press(stale, "撤销这张牌", status=400)
    assert "这张牌已经撤销过了。" in visible_text(again)
    fresh()
    assert db.session.get(WarningCard, card.id).withdrawal_reason == "误发：台账已补齐"
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "warning_card_withdrawn")) == 1


def test_withdraw_form_errors_in_chinese_keep_input(web_as, world, march):
    card = march["cards"][1]
    web = web_as("admin")
    form = form_on(web.get(f"/assessment/cards/{card.id}").click(description="撤销这张牌"))
    form["reason"] = "  "
    response = press(form, "撤销这张牌", status=400)
    assert "请写明撤销原因。" in visible_text(response)
    long_reason = "申诉" * 1001
    form = form_on(response)
    form["reason"] = long_reason
    response = press(form, "撤销这张牌", status=400)
    assert "不能超过 2000 个字。" in visible_text(response)
    assert form_on(response)["reason"].value == long_reason
    fresh()
    assert not db.session.get(WarningCard, card.id).is_withdrawn


def test_who_may_withdraw(client_as, world, march):
    card = march["cards"][0]
    for username in ("worker_a", "station_a", "leader_a"):
        client = client_as(username)
        assert client.get(f"/assessment/cards/{card.id}/withdraw").status_code == 403, username
        assert "撤销这张牌" not in text_of(client.get(f"/assessment/cards/{card.id}"))
    assert client_as("worker_b").get(f"/assessment/cards/{card.id}/withdraw").status_code == 404
    fresh()
    assert not db.session.get(WarningCard, card.id).is_withdrawn


def test_forged_withdrawals_by_other_roles_and_of_another_towns_card_are_refused(web_as, world, march):
    """No page offers these withdrawals: hand-built posts, refused 403 (a role that may
    not) or 404 (a card out of scope)."""
    card = march["cards"][0]
    for username in ("worker_a", "station_a", "leader_a"):
        response = forge(web_as(username), f"/assessment/cards/{card.id}/withdraw", {"reason": "x"})
        assert response.status_int == 403, username
    other = world.records["b"]["card"]
    response = forge(web_as("town_a"), f"/assessment/cards/{other.id}/withdraw", {"reason": "x"})
    assert response.status_int == 404
    fresh()
    assert not db.session.get(WarningCard, card.id).is_withdrawn
    assert not db.session.get(WarningCard, other.id).is_withdrawn


def test_worker_breakdown_lists_only_withdrawn_cards_of_the_viewers_grids(client_as, world):
    # worker_b works in 滨河一网格 (another town) and, since March, also in 东关一网格.
    # Town A opens the worker's breakdown: the withdrawn card of the other town's grid
    # was listed, reason and all.
    from app.org.models import StaffAssignment, StaffRole

    worker_b = world.staff["worker_b"]
    db.session.add(
        StaffAssignment(
            staff=worker_b, division=world.grid_a, role=StaffRole.PART_TIME_WORKER.value, start_date=date(2026, 3, 1)
        )
    )
    theirs = WarningCard(
        grid_id=world.grid_b.id,
        staff_id=worker_b.id,
        colour="yellow",
        issued_on=date(2026, 3, 5),
        reason="滨河一网格的台账问题",
    )
    ours = WarningCard(
        grid_id=world.grid_a.id,
        staff_id=worker_b.id,
        colour="yellow",
        issued_on=date(2026, 3, 6),
        reason="东关一网格的巡查问题",
    )
    db.session.add_all([theirs, ours])
    db.session.flush()
    for card in (theirs, ours):
        services.withdraw_card(card, "误发", world.users["admin"])
    db.session.commit()
    page = text_of(client_as("town_a").get(f"/assessment/workers/{worker_b.id}?period=2026-03"))
    assert "东关一网格的巡查问题" in page
    assert "滨河一网格的台账问题" not in page
    admin = text_of(client_as("admin").get(f"/assessment/workers/{worker_b.id}?period=2026-03"))
    assert "东关一网格的巡查问题" in admin and "滨河一网格的台账问题" in admin
