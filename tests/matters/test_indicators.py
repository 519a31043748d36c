"""Indicators against a hand-computed June 2026 (no holidays in the working days
used; the Dragon Boat Festival, 19–21 June, falls in no deadline here). Every matter
is driven with explicit times through reporting.report / take, so the numbers are
fixed; each is worked out in the comments."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from io import BytesIO

import openpyxl
import pytest

from app.core.database import write_transactions
from app.core.timeutil import local_to_utc
from app.extensions import db
from app.matters import indicators, reporting, services
from tests.conftest import text_of

JUNE = indicators.Period(dt.date(2026, 6, 1), dt.date(2026, 6, 30))


def at(month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A Beijing time in 2026 as naive UTC."""
    return local_to_utc(dt.datetime(2026, month, day, hour, minute))


def counts(**values) -> indicators.Counts:
    return indicators.Counts(**values)


@pytest.fixture()
def june(world):
    """Ten matters. Deadlines: verifying 1 working day, grid 1, community 3,
    department 5 (reference.DEFAULT_TIME_LIMITS), each to the end of the day."""
    u = world.users
    worker, station, town, dept = u["worker_a"], u["station_a"], u["town_a"], u["dept"]

    def report(text, grid, when, reporter=worker):
        return reporting.report(
            reporting.MatterValues(class_code="city", description=text, grid=grid), reporter=reporter, now=when
        )

    with write_transactions():
        # M1 grid A: verified at once, sent to the grid (due end of Tue 2 June), fed back
        # on time, closed, rated 满意.
        m1 = report("M1 井盖缺失", world.grid_a, at(6, 1, 9))
        services.take(m1, "verify", station, now=at(6, 1, 10))
        services.take(m1, "dispatch", station, now=at(6, 1, 11), level="grid", division_id=world.grid_a.id)
        services.take(m1, "feed_back", worker, note="已盖好", now=at(6, 2, 15))
        services.take(m1, "pass_check", station, now=at(6, 3, 9))
        services.take(m1, "rate", station, rating="satisfied", now=at(6, 3, 10))
        # M2 grid A: to the department on Mon 1 June (5 working days: due end of Mon 8),
        # an extension of 2 (due end of Wed 10), 返工 once, fed back again Thu 11: closed
        # late. Rated 基本满意.
        m2 = report("M2 道路塌陷", world.grid_a, at(6, 1, 9, 30))
        services.take(m2, "verify", station, now=at(6, 1, 11))
        services.take(m2, "dispatch", town, now=at(6, 1, 12), level="department", department_id=world.department.id)
        services.take(m2, "request_extension", dept, note="需要采购材料", days=2, now=at(6, 5, 9))
        db.session.flush()  # the request's decision defaults to "pending" on INSERT
        services.take(m2, "approve_extension", station, now=at(6, 5, 10))
        services.take(m2, "feed_back", dept, note="已修复", now=at(6, 9, 10))
        services.take(m2, "rework", town, note="路面不平", now=at(6, 9, 16))
        services.take(m2, "feed_back", dept, note="已重新修复", now=at(6, 11, 10))
        services.take(m2, "pass_check", town, now=at(6, 11, 11))
        services.take(m2, "rate", town, rating="basically", now=at(6, 11, 12))
        # M3 grid A: reported Tue 2 June (verify due end of Wed 3), verified late on Fri 5,
        # sent to the community (due end of Wed 10) and still open: overdue now.
        m3 = report("M3 违章搭建", world.grid_a, at(6, 2, 9))
        services.take(m3, "verify", station, now=at(6, 5, 9))
        services.take(m3, "dispatch", station, now=at(6, 5, 10), level="community", division_id=world.community_a.id)
        # M4 grid A: handled on the spot: verified, due, closed and on time at once; 不满意.
        m4 = report("M4 路灯不亮", world.grid_a, at(6, 3, 10))
        services.take(m4, "handle_on_spot", worker, note="已换灯泡", now=at(6, 3, 10, 30))
        services.take(m4, "rate", station, rating="unsatisfied", now=at(6, 3, 11))
        # M5 grid A: not accepted (不予受理) in time: reported and verified only.
        m5 = report("M5 与本网格无关的反映", world.grid_a, at(6, 4, 9))
        services.take(m5, "reject", station, note="不属实", now=at(6, 4, 10))
        # M6 grid A: a duplicate merged into M1: never counted.
        m6 = report("M6 井盖缺失（重复）", world.grid_a, at(6, 4, 11))
        services.take(m6, "merge", station, into=m1, now=at(6, 4, 12))
        # M7 grid A: reported Fri 29 May (before June), sent to the community (due end of
        # Wed 3 June), closed on time: due and on time in June, reported in May.
        m7 = report("M7 楼道堆物", world.grid_a, at(5, 29, 16))
        services.take(m7, "verify", station, now=at(5, 29, 16, 30))
        services.take(m7, "dispatch", station, now=at(5, 29, 17), level="community", division_id=world.community_a.id)
        services.take(m7, "feed_back", station, note="已清理", now=at(6, 2, 9))
        services.take(m7, "pass_check", station, now=at(6, 2, 10))
        # M8 grid A: reported Mon 29 June, sent to the town (due end of Mon 6 July, after
        # June) and still open: reported in June, not due in June, overdue now.
        m8 = report("M8 河道垃圾", world.grid_a, at(6, 29, 9))
        services.take(m8, "verify", town, now=at(6, 29, 10))
        services.take(m8, "dispatch", town, now=at(6, 29, 11), level="town", division_id=world.town_a.id)
        # M9 grid B (another town): handled on the spot.
        m9 = report("M9 滨河路积水", world.grid_b, at(6, 15, 9), reporter=u["worker_b"])
        services.take(m9, "handle_on_spot", u["worker_b"], note="已疏通", now=at(6, 15, 10))
        # M10 grid A2: verified on time, never dispatched: its dispatch clock ran out.
        m10 = report("M10 绿化带损坏", world.grid_a2, at(6, 10, 9), reporter=station)
        services.take(m10, "verify", station, now=at(6, 10, 10))
        db.session.commit()
    return world


GRID_A = counts(
    reported=6,
    due=5,
    closed=3,
    on_time=3,
    verified=6,
    verified_on_time=5,
    reworked=1,
    overdue=3,
    extensions=1,
    rated=3,
    satisfied=2,
)
GRID_A2 = counts(reported=1, verified=1, verified_on_time=1, overdue=1)
GRID_B = counts(reported=1, due=1, closed=1, on_time=1, verified=1, verified_on_time=1)


def rows_of(table) -> dict[str, indicators.Counts]:
    return {row.label: row.counts for row in table.rows}


def test_per_grid_for_the_town(june):
    table = indicators.compute(june.users["town_a"], JUNE, "grid")
    assert rows_of(table) == {
        "东关社区 · 东关一网格": GRID_A,
        "东关社区 · 东关二网格": GRID_A2,
        "李家村 · 李家一网格": counts(),
    }
    a = GRID_A
    assert (a.on_time_rate, a.verify_rate, a.rework_rate, a.satisfaction_rate) == (
        Decimal("60.0"),
        Decimal("83.3"),
        Decimal("33.3"),
        Decimal("66.7"),
    )  # 3/5, 5/6, 1/3, 2/3
    empty = counts()
    assert (empty.on_time_rate, empty.verify_rate, empty.rework_rate, empty.satisfaction_rate) == (None,) * 4
    total = counts()
    total.add(GRID_A)
    total.add(GRID_A2)
    assert table.total == total


def test_rolled_up_per_community_and_town_and_county(june):
    town = june.users["town_a"]
    by_community = indicators.compute(town, JUNE, "community")
    together = counts()
    together.add(GRID_A)
    together.add(GRID_A2)
    assert rows_of(by_community) == {"城关镇 · 东关社区": together, "城关镇 · 李家村": counts()}
    county = indicators.compute(june.users["admin"], JUNE, "town")
    assert rows_of(county) == {"城关镇": together, "河西街道": GRID_B}
    within = indicators.compute(june.users["admin"], JUNE, "grid", within=june.town_b)
    assert rows_of(within) == {"滨河社区 · 滨河一网格": GRID_B}


def test_a_grid_worker_sees_only_their_grid(june):
    table = indicators.compute(june.users["worker_a"], JUNE, "grid")
    assert rows_of(table) == {"东关社区 · 东关一网格": GRID_A}
    assert rows_of(indicators.compute(june.users["worker_a"], JUNE, "town")) == {"城关镇": GRID_A}


def test_other_periods(june):
    town = june.users["town_a"]
    may = indicators.compute(town, indicators.Period(dt.date(2026, 5, 1), dt.date(2026, 5, 31)), "town")
    # M7 was reported, verified (on time) and closed (on time) from May; due in June.
    assert rows_of(may) == {"城关镇": counts(reported=1, closed=1, verified=1, verified_on_time=1)}
    # A deadline at the end of 2 June (24:00) is due on 2 June, not on the 3rd.
    second = rows_of(indicators.compute(town, indicators.Period(dt.date(2026, 6, 2), dt.date(2026, 6, 2)), "town"))
    assert (second["城关镇"].reported, second["城关镇"].due, second["城关镇"].on_time) == (1, 1, 1)  # M3; M1
    third = rows_of(indicators.compute(town, indicators.Period(dt.date(2026, 6, 3), dt.date(2026, 6, 3)), "town"))
    assert (third["城关镇"].due, third["城关镇"].on_time) == (2, 2)  # M4 on the spot, M7
    first_week = indicators.compute(town, indicators.Period(dt.date(2026, 6, 1), dt.date(2026, 6, 7)), "town")
    # Reported M1–M5 (M6 merged); due: M1 (2 June), M4 (3 June, on the spot), M7 (3 June).
    assert rows_of(first_week)["城关镇"] == counts(
        reported=5,
        due=3,
        closed=3,
        on_time=3,
        verified=5,
        verified_on_time=4,
        reworked=1,
        overdue=2,
        extensions=1,
        rated=3,
        satisfied=2,
    )


def test_the_page_shows_rates_with_one_decimal_and_a_dash_for_nothing_to_divide(client_as, june):
    page = client_as("town_a").get(
        "/matters/indicators", query_string={"date_from": "2026-06-01", "date_to": "2026-06-30", "level": "grid"}
    )
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    rows = {
        re.sub(r"<[^>]+>", "", m.group(1)).strip(): re.findall(r'<td class="num"[^>]*>([^<]*)</td>', m.group(2))
        for m in re.finditer(r'<tr><th scope="row">(.*?)</th>(.*?)</tr>', html, re.S)
    }
    # No matter here gave its occurrence time: 迟报 0 everywhere.
    assert rows["东关社区 · 东关一网格"] == ["6", "5", "3", "3", "60.0%", "83.3%", "33.3%", "3", "0", "1", "66.7%"]
    assert rows["东关社区 · 东关二网格"] == ["1", "0", "0", "0", "—", "100.0%", "—", "1", "0", "0", "—"]
    assert rows["李家村 · 李家一网格"] == ["0", "0", "0", "0", "—", "—", "—", "0", "0", "0", "—"]
    assert rows["合计"] == ["7", "5", "3", "3", "60.0%", "85.7%", "33.3%", "4", "0", "1", "66.7%"]
    assert "滨河" not in text_of(page)


def test_the_page_as_a_grid_worker_and_what_others_may_not_do(client_as, june):
    page = text_of(
        client_as("worker_a").get(
            "/matters/indicators", query_string={"date_from": "2026-06-01", "date_to": "2026-06-30"}
        )
    )
    assert "东关一网格" in page and "东关二网格" not in page
    assert client_as("dept").get("/matters/indicators").status_code == 403
    town = client_as("town_a")
    assert town.get("/matters/indicators", query_string={"division": june.town_b.id}).status_code == 404
    bad = text_of(town.get("/matters/indicators", query_string={"date_from": "2026-6-1x"}))
    assert "日期格式应为 YYYY-MM-DD" in bad
    assert client_as("leader_a").get("/matters/indicators").status_code == 200


def test_the_xlsx_has_every_numerator_and_denominator(client_as, june):
    response = client_as("town_a").get(
        "/matters/indicators.xlsx",
        query_string={"date_from": "2026-06-01", "date_to": "2026-06-30", "level": "community"},
    )
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(BytesIO(response.data)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert "事件指标" in rows[0][0] and "2026-06-01 至 2026-06-30" in rows[0][0]
    assert rows[1][:7] == ["区划编码", "村（社区）", "上报数", "应办结数", "结案数", "按期办结数", "按期办结率(%)"]
    assert rows[2] == [
        june.community_a.code,
        "城关镇 · 东关社区",
        7,
        5,
        3,
        3,
        60.0,
        7,
        6,
        85.7,
        1,
        33.3,
        4,
        0,
        1,
        3,
        2,
        66.7,
    ]
    assert rows[3][:2] == [june.community_a2.code, "城关镇 · 李家村"] and rows[3][6] == "—"
    assert rows[4][1] == "合计"
