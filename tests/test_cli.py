"""flask seed-demo: the demo county, with passwords printed once."""

import re

from sqlalchemy import func, select

from app.auth.models import User
from app.extensions import db
from app.org import services
from app.org.models import Building, Division
from tests.conftest import fresh, login, text_of


def _count(level):
    return db.session.scalar(select(func.count()).select_from(Division).where(Division.level == level))


def test_seed_demo_builds_the_demo_county(app, runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    fresh()
    assert [_count(level) for level in ("county", "town", "community", "grid")] == [1, 2, 4, 24]
    grids = list(db.session.scalars(select(Division).where(Division.level == "grid")))
    assert all(
        db.session.scalar(select(func.count()).select_from(Building).where(Building.grid_id == g.id)) >= 3
        for g in grids
    )
    checks = services.team_checks(grids)
    assert all(check.workers >= 1 and check.chiefs >= 1 for check in checks.values())
    assert sum(not check.complete for check in checks.values()) == 1
    from app.registry.people.models import Household, Resident

    assert db.session.scalar(select(func.count()).select_from(Household)) == 240
    assert db.session.scalar(select(func.count()).select_from(Resident)) > 400
    roles = set(db.session.scalars(select(User.role)))
    assert roles == {
        "county_admin",
        "town_staff",
        "station_staff",
        "grid_worker",
        "department_handler",
        "leader",
        "system_admin",
        "security_admin",
        "audit_admin",
    }
    passwords = dict(re.findall(r"^\s+(\w+)\s+(\S+)\s", result.output, flags=re.M))
    assert set(passwords) == {"admin", "town", "station", "grid", "dept", "leader", "sysadmin", "secadmin", "auditor"}
    client = app.test_client()
    assert login(client, "grid", passwords["grid"]).status_code == 302
    tree = text_of(client.get("/divisions/"))
    assert "东门社区第一网格" in tree and "东门社区第二网格" not in tree


def test_seed_demo_refuses_a_database_with_data(app, runner, world):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code != 0 and "已有区划数据" in result.output


def test_fieldwork_goes_with_the_county_scale(app, runner):
    result = runner.invoke(args=["seed-demo", "--fieldwork"])
    assert result.exit_code != 0 and "--fieldwork goes with --scale county" in result.output
