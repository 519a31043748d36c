"""The dashboard's figures against the hand-counted scene (conftest.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from app.core.database import write_transactions
from app.dashboard import services
from app.dashboard.filters import period_of
from app.extensions import db
from app.matters.indicators import Period
from tests.dashboard.conftest import TODAY, at

JUNE = Period(dt.date(2026, 6, 1), dt.date(2026, 6, 30))
NOW = dt.datetime(2026, 11, 22, 2, 0)  # 10:00 in Beijing


def test_population_per_scope(scene):
    u = scene.world.users
    worker = services.population(u["worker_a"], today=TODAY)
    assert worker.total == 3
    assert worker.sex_rows() == [("男", 2), ("女", 1)]
    assert dict(worker.age_rows()) == {
        "0–6岁": 1,
        "7–17岁": 0,
        "18–34岁": 0,
        "35–59岁": 1,
        "60–79岁": 0,
        "80岁及以上": 1,
    }
    assert worker.type_rows() == [("户籍人口", 2), ("常住人口", 0), ("流动人口", 1), ("境外人员", 0)]

    station = services.population(u["station_a"], today=TODAY)
    assert (station.total, station.by_sex["F"], station.by_age["18-34"], station.by_type["floating"]) == (4, 2, 1, 2)

    town = services.population(u["town_a"], today=TODAY)
    assert town.total == 5
    assert town.sex_rows()[-1] == ("未知", 1)
    assert town.age_rows()[-1] == ("未知", 1)

    county = services.population(u["admin"], today=TODAY)
    assert county.total == 7
    assert county.sex_rows() == [("男", 3), ("女", 3), ("未知", 1)]
    assert county.by_age == {"unknown": 1, "0-6": 1, "7-17": 0, "18-34": 2, "35-59": 2, "60-79": 0, "80+": 1}
    assert county.type_rows() == [("户籍人口", 4), ("常住人口", 0), ("流动人口", 2), ("境外人员", 1)]


def test_population_within_a_division(scene):
    w = scene.world
    assert services.population(w.users["admin"], w.community_a, today=TODAY).total == 4
    assert services.population(w.users["admin"], w.grid_b, today=TODAY).by_type == {
        "registered": 1,
        "permanent": 0,
        "floating": 0,
        "overseas": 1,
    }
    # 党员 are members and probationary members, not 共青团员.
    from app.registry.people.models import Resident

    people = list(
        db.session.scalars(select(Resident).where(Resident.grid_id == w.grid_b.id, Resident.status == "active"))
    )
    people[0].political_status, people[1].political_status = "cpc_probationary", "cyl_member"
    db.session.commit()
    assert services.population(w.users["admin"], w.grid_b, today=TODAY).party_members == 1


def test_age_bands_turn_on_the_birthday(scene):
    """钱青 was born 2008-01-01: 17 the day before her 18th birthday, 18 on it."""
    admin, grid = scene.world.users["admin"], scene.world.grid_a2
    assert services.population(admin, grid, today=dt.date(2025, 12, 31)).by_age["7-17"] == 1
    assert services.population(admin, grid, today=dt.date(2026, 1, 1)).by_age["18-34"] == 1


def test_key_persons_by_category(scene):
    u = scene.world.users
    released, correction = "刑满释放（安置帮教）", "社区矫正"
    assert dict(services.key_persons(u["worker_a"]))[released] == 1
    assert dict(services.key_persons(u["worker_a"]))[correction] == 0  # 赵老's is closed
    station = dict(services.key_persons(u["station_a"]))
    assert (station[released], station[correction]) == (1, 1)
    # The scope rule gives those who may not see key persons nothing to count.
    assert sum(n for _name, n in services.key_persons(u["admin"])) == 0


def test_matters_by_class_status_and_source(scene):
    u = scene.world.users
    worker = services.matter_breakdown(u["worker_a"], JUNE)
    assert worker.total == 3
    assert worker.by_class == {"city": 2, "dispute": 1}
    assert worker.by_status == {"closed": 2, "handling": 1}
    assert worker.by_source == {"grid_worker": 2, "online": 1}
    assert dict(worker.class_rows())["环境保护"] == 0
    county = services.matter_breakdown(u["admin"], JUNE)
    assert (county.total, county.by_class["environment"]) == (4, 1)
    assert services.matter_breakdown(u["worker_b"], JUNE).by_status == {"closed": 1}


def test_top_types(scene):
    u, x, y = scene.world.users, scene.type_x, scene.type_y
    assert services.top_types(u["worker_a"], JUNE) == [(f"{x.class_label} › {x.path}", 2)]
    assert services.top_types(u["admin"], JUNE) == [
        (f"{x.class_label} › {x.path}", 2),
        (f"{y.class_label} › {y.path}", 1),
    ]
    assert services.top_types(u["admin"], period_of("month", dt.date(2026, 5, 1))) == []


def test_on_time_trend_by_month(scene):
    u = scene.world.users
    trend = services.on_time_trend(u["worker_a"], dt.date(2026, 6, 30), now=NOW)
    assert [rate.month for rate in trend][:2] == [dt.date(2025, 7, 1), dt.date(2025, 8, 1)]
    assert trend[-1].month == dt.date(2026, 6, 1)
    by_month = {rate.month.month: (rate.on_time, rate.due, rate.rate) for rate in trend}
    assert by_month[6] == (2, 3, Decimal("66.7"))  # A1 and A3 of A1, A2, A3
    assert by_month[5] == (0, 1, Decimal("0.0"))  # A4 closed late
    assert by_month[4] == (0, 0, None)
    county = services.on_time_trend(u["admin"], dt.date(2026, 6, 30), now=NOW)
    assert (county[-1].on_time, county[-1].due, county[-1].rate) == (3, 4, Decimal("75.0"))
    # Twelve months ending in the quarter's or year's last month.
    assert services.on_time_trend(u["admin"], dt.date(2026, 12, 31), now=NOW)[-7].rate == Decimal("75.0")


def test_on_time_trend_agrees_with_the_indicators_at_month_bounds(scene):
    """The trend counts a year in one pass: a deadline at 24:00 on 30 June is June's,
    a matter handled on the spot and closed at 00:00 on 1 July is July's, month by
    month as the indicators count each month on its own."""
    a2, b1 = scene.matters["A2"], scene.matters["B1"]
    with write_transactions():
        a2.handle_due_at = at(7, 1, 0)  # the end of 30 June
        b1.closed_at = at(7, 1, 0)
        db.session.commit()
    admin = scene.world.users["admin"]
    trend = services.on_time_trend(admin, dt.date(2026, 7, 31), now=NOW)
    for rate in trend:
        counts = services.period_counts(admin, services.month_period(rate.month), now=NOW)
        assert (rate.on_time, rate.due) == (counts.on_time, counts.due), rate.month
    by_month = {rate.month.month: (rate.on_time, rate.due) for rate in trend}
    assert by_month[6] == (2, 3)  # A1 and A3 on time, A2 due on 30 June; B1 has left June
    assert by_month[7] == (1, 1)  # B1
    assert by_month[5] == (0, 1)  # A4, closed late


def test_overdue_list(scene):
    u, a2 = scene.world.users, scene.matters["A2"]
    overdue = services.overdue_matters(u["worker_a"], now=NOW)
    assert (overdue.total, [m.id for m in overdue.matters]) == (1, [a2.id])
    assert overdue.lights[a2.id] == "red"
    assert services.overdue_matters(u["admin"], now=NOW).total == 1
    assert services.overdue_matters(u["worker_b"], now=NOW).matters == []
    # Before A2's deadline (end of Mon 8 June) it is not overdue yet.
    assert services.overdue_matters(u["worker_a"], now=dt.datetime(2026, 6, 8, 8, 0)).total == 0


def test_period_of():
    assert period_of("month", dt.date(2026, 2, 1)) == Period(dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert period_of("quarter", dt.date(2026, 11, 1)) == Period(dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    assert period_of("quarter", dt.date(2026, 2, 1)) == Period(dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert period_of("year", dt.date(2026, 5, 1)) == Period(dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert services.months_back(dt.date(2026, 2, 10), 3) == [
        dt.date(2025, 12, 1),
        dt.date(2026, 1, 1),
        dt.date(2026, 2, 1),
    ]


def test_years_before_a_leap_day():
    assert services.years_before(dt.date(2028, 2, 29), 18) == dt.date(2010, 2, 28)
    assert services.years_before(dt.date(2026, 11, 22), 7) == dt.date(2019, 11, 22)
