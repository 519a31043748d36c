"""A hand-counted scene for the dashboard on top of the test world (tests/factories.py,
which already holds 张伟 in grid A and 李娜 in grid B, each a 刑满释放 key person and
a matter reported today).

People on the register, their ages as of 2026-11-22:
  grid A  张伟 M 1970 (56, 户籍) · 王芳 F 2020 (6, 流动) · 赵老 M 1940 (86, 户籍)
          (吴迁 M, moved out: not counted)
  grid A2 钱青 F 2008-01-01 (18, 流动)
  grid A3 孙某 (no sex, no birth date, 户籍)
  grid B  李娜 F 1982 (44, 户籍) · 周某 M 1995 (31, 境外)
Key persons in management: 张伟 刑满释放 (A), 钱青 社区矫正 (A2), 李娜 刑满释放 (B);
赵老's 社区矫正 in A is closed (not counted).

Matters (deadlines as in tests/matters/test_indicators.py, end of working days):
  A1 grid A city, type X: 1 June, to the grid (due end of Tue 2 June), fed back 2 June,
     closed 3 June: due in June, on time.
  A2 grid A city, type X: Wed 3 June, to the community (due end of Mon 8 June), never
     handled: due in June, open and overdue now.
  A3 grid A dispute, online, no type: Thu 4 June, handled on the spot: due in June, on time.
  A4 grid A city: Wed 6 May, to the grid (due end of Thu 7 May), fed back Fri 8 May:
     closed late; due in May, not on time.
  B1 grid B environment, type Y: 10 June, handled on the spot: due in June, on time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from app.core.database import write_transactions
from app.core.timeutil import local_to_utc
from app.extensions import db
from app.matters import reporting, services
from app.matters.models import Matter, MatterType
from app.registry.keypersons.models import KeyPerson, KeyPersonCategory
from app.registry.people.models import Resident

TODAY = dt.date(2026, 11, 22)


def at(month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A Beijing time in 2026 as naive UTC."""
    return local_to_utc(dt.datetime(2026, month, day, hour, minute))


@dataclass
class Scene:
    world: object
    type_x: MatterType
    type_y: MatterType
    matters: dict[str, Matter]


def _person(grid, name, sex, birth, population_type="registered", status="active"):
    resident = Resident(
        grid_id=grid.id, name=name, sex=sex, birth_date=birth, population_type=population_type, status=status
    )
    db.session.add(resident)
    return resident


@pytest.fixture()
def scene(world) -> Scene:
    w, u = world, world.users
    worker, station = u["worker_a"], u["station_a"]
    with write_transactions():
        _person(w.grid_a, "王芳", "F", dt.date(2020, 5, 1), "floating")
        old = _person(w.grid_a, "赵老", "M", dt.date(1940, 1, 1))
        _person(w.grid_a, "吴迁", "M", dt.date(1990, 1, 1), status="moved_out")
        young = _person(w.grid_a2, "钱青", "F", dt.date(2008, 1, 1), "floating")
        _person(w.grid_a3, "孙某", None, None)
        _person(w.grid_b, "周某", "M", dt.date(1995, 6, 1), "overseas")
        db.session.flush()
        correction = db.session.scalar(select(KeyPersonCategory).where(KeyPersonCategory.code == "correction"))
        db.session.add_all(
            [
                KeyPerson(
                    resident_id=young.id, category=correction, grid_id=w.grid_a2.id, start_date=dt.date(2025, 1, 1)
                ),
                KeyPerson(
                    resident_id=old.id,
                    category=correction,
                    grid_id=w.grid_a.id,
                    start_date=dt.date(2025, 1, 1),
                    status="closed",
                    end_date=dt.date(2025, 6, 1),
                ),
            ]
        )
        type_x = db.session.scalar(select(MatterType).where(MatterType.class_code == "city").order_by(MatterType.id))
        type_y = db.session.scalar(
            select(MatterType).where(MatterType.class_code == "environment").order_by(MatterType.id)
        )

        def report(text, grid, when, class_code="city", type_id=None, source="grid_worker", reporter=worker):
            return reporting.report(
                reporting.MatterValues(
                    class_code=class_code, description=text, grid=grid, type_id=type_id, source=source
                ),
                reporter=reporter,
                now=when,
            )

        a1 = report("A1 井盖缺失", w.grid_a, at(6, 1, 9), type_id=type_x.id)
        services.take(a1, "verify", station, now=at(6, 1, 10))
        services.take(a1, "dispatch", station, now=at(6, 1, 11), level="grid", division_id=w.grid_a.id)
        services.take(a1, "feed_back", worker, note="已盖好", now=at(6, 2, 15))
        services.take(a1, "pass_check", station, now=at(6, 3, 9))
        a2 = report("A2 违章搭建", w.grid_a, at(6, 3, 9), type_id=type_x.id)
        services.take(a2, "verify", station, now=at(6, 3, 10))
        services.take(a2, "dispatch", station, now=at(6, 3, 11), level="community", division_id=w.community_a.id)
        a3 = report("A3 邻里噪音纠纷", w.grid_a, at(6, 4, 10), class_code="dispute", source="online")
        services.take(a3, "handle_on_spot", worker, note="已调解", now=at(6, 4, 10, 30))
        a4 = report("A4 楼道堆物", w.grid_a, at(5, 6, 9))
        services.take(a4, "verify", station, now=at(5, 6, 10))
        services.take(a4, "dispatch", station, now=at(5, 6, 11), level="grid", division_id=w.grid_a.id)
        services.take(a4, "feed_back", worker, note="已清理", now=at(5, 8, 9))
        services.take(a4, "pass_check", station, now=at(5, 8, 10))
        b1 = report(
            "B1 河道漂浮物", w.grid_b, at(6, 10, 9), class_code="environment", type_id=type_y.id, reporter=u["worker_b"]
        )
        services.take(b1, "handle_on_spot", u["worker_b"], note="已打捞", now=at(6, 10, 10))
        db.session.commit()
    return Scene(world, type_x, type_y, {"A1": a1, "A2": a2, "A3": a3, "A4": a4, "B1": b1})


@pytest.fixture()
def fieldwork(scene) -> Scene:
    """Households and June 2026 field work on top of the scene.

    Households on the register: grid A A001 (the world's) and A002, grid A2 A2001,
    grid B B001 (the world's). Visits in June: A001 twice, B001 once; A2001 only in May.
    Patrols in the week Mon 22 – Sun 28 June (the last week of June that ended): the
    grid A worker 3 (the quota), the grid B worker 1.
    """
    from app.patrols.models import Patrol
    from app.registry.people.models import Household
    from app.visits.models import Visit

    w = scene.world
    with write_transactions():
        a002 = Household(grid_id=w.grid_a.id, household_number="A002")
        a2001 = Household(grid_id=w.grid_a2.id, household_number="A2001")
        db.session.add_all([a002, a2001])
        db.session.flush()
        for household, day in (
            (w.households["a"], dt.date(2026, 6, 5)),
            (w.households["a"], dt.date(2026, 6, 20)),
            (w.households["b"], dt.date(2026, 6, 9)),
            (a2001, dt.date(2026, 5, 30)),
        ):
            db.session.add(Visit(grid_id=household.grid_id, household_id=household.id, visited_on=day))
        for key, grid, days in (("worker_a", w.grid_a, (22, 24, 26)), ("worker_b", w.grid_b, (23,))):
            for day in days:
                db.session.add(
                    Patrol(
                        grid_id=grid.id,
                        staff_id=w.staff[key].id,
                        patrol_date=dt.date(2026, 6, day),
                        start_time=dt.time(9),
                        end_time=dt.time(10),
                        route="主街",
                    )
                )
        db.session.commit()
    return scene
