"""Helpers for the public side: a matter moved round the loop by the services, as
the staff of tests/factories.py would."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.matters import services as matters
from app.public import services


def public_report(world, description="东关路口的路灯不亮了，晚上很黑", grid=None, **extra):
    values = dict(
        service=services.find_service("city"),
        grid=grid or world.grid_a,
        description=description,
        address="东关路与北街路口",
        reporter_name="刘芳",
        reporter_phone="13912345678",
    )
    values.update(extra)
    matter = services.report(services.PublicReport(**values), services.client_fingerprint("ip:test"))
    db.session.commit()
    return matter


def close(world, matter, *, publish=True, result="已更换灯泡，恢复照明"):
    """verify → dispatch to the department → feed back → pass the check (→ publish)."""
    town, dept = world.users["town_a"], world.users["dept"]
    matters.take(matter, "verify", town)
    matters.take(matter, "dispatch", town, level="department", department_id=world.department.id)
    matters.take(matter, "feed_back", dept, note=result)
    matters.take(matter, "pass_check", town)
    if publish:
        matters.take(matter, "publish", town)
    db.session.commit()
    return matter


@pytest.fixture()
def anonymous(client, world):
    """A visitor who never logged in (the world exists, so setup is done)."""
    return client
