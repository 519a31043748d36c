"""Reporting a matter: the values a report carries, its number and tracking code,
the checks of what was typed, and the search for possible duplicates shown before it
is saved. A new matter starts the loop (app.matters.services) waiting for its
community station to verify it."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from difflib import SequenceMatcher

from flask_babel import gettext as _
from sqlalchemy import select

from app.core.counters import next_value
from app.core.offline import entered_at
from app.core.timeutil import to_local, utcnow
from app.extensions import db
from app.matters import reference
from app.matters.models import Matter, MatterType
from app.matters.services import MatterError, record_step, start_clock, time_limits
from app.org.models import Division
from app.registry.points.models import ResponsibilityPoint

DUPLICATE_WINDOW = timedelta(days=14)
DUPLICATE_SIMILARITY = 0.5
TRACKING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


@dataclass
class MatterValues:
    class_code: str
    description: str
    grid: Division
    source: str = "grid_worker"
    type_id: int | None = None
    building_id: int | None = None
    # The grid's point of responsibility (责任点位), if it happened at one.
    point_id: int | None = None
    address: str = ""
    urgency: str = "normal"
    reporter_name: str = ""
    reporter_phone: str = ""
    is_anonymous: bool = False
    involved_text: str = ""
    resident_ids: list[int] = field(default_factory=list)
    latitude: float | None = None
    longitude: float | None = None
    # With a phone's position (app/core/location.py): its accuracy and time.
    accuracy_m: float | None = None
    located_at: datetime | None = None
    hotline_number: str | None = None
    submitter_fingerprint: str = ""
    # 背景、起因、建议 (app/core/circumstances.py).
    background: str = ""
    cause: str = ""
    suggestion: str = ""
    # When it happened (UTC), if the reporter knows: for 迟报.
    occurred_at: datetime | None = None


def next_number(now: datetime) -> str:
    """20261122-0007: the day's next number from its counter (app/core/counters.py),
    unique and gap-free however many report at once."""
    day = to_local(now).strftime("%Y%m%d")
    return f"{day}-{next_value('matter_number', day):04d}"


def _tracking_code() -> str:
    while True:
        code = "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(10))
        if db.session.scalar(select(Matter.id).where(Matter.tracking_code == code)) is None:
            return code


def _community_of(grid: Division) -> Division:
    return grid.parent if grid.parent is not None else grid


def _check_values(values: MatterValues) -> MatterType | None:
    if values.class_code not in reference.CLASSES:
        raise MatterError(_("请选择事件大类。"), "class_code")
    if values.source not in reference.SOURCES:
        raise MatterError(_("请选择事件来源。"), "source")
    if values.urgency not in reference.URGENCIES:
        raise MatterError(_("请选择紧急程度。"), "urgency")
    if not values.description.strip():
        raise MatterError(_("请描述事件。"), "description")
    if not values.grid.is_grid or not values.grid.is_active:
        raise MatterError(_("请选择事件所在的网格。"), "grid_id")
    matter_type = None
    if values.type_id:
        matter_type = db.session.get(MatterType, values.type_id)
        if matter_type is None or not matter_type.is_active or matter_type.class_code != values.class_code:
            raise MatterError(_("所选小类不属于这个大类。"), "type_id")
    if values.point_id:
        point = db.session.get(ResponsibilityPoint, values.point_id)
        if point is None or point.grid_id != values.grid.id:
            raise MatterError(_("所选点位不在%(grid)s，请重新选择。", grid=values.grid.name), "point_id")
    return matter_type


# A phone's clock a little ahead of the server's is not a report from the future.
CLOCK_SKEW = timedelta(minutes=10)


def reported_late(occurred_at: datetime | None, reported_at: datetime, urgency: str) -> bool | None:
    """迟报: reported later after it happened than the urgency allows (None: unknown)."""
    if occurred_at is None:
        return None
    return reported_at - occurred_at > timedelta(hours=reference.late_report_hours()[urgency])


def report(values: MatterValues, reporter=None, now: datetime | None = None) -> Matter:
    """A new matter, waiting for verification at its grid's community station. A
    staff reporter is its first receiver (首问); otherwise whoever verifies it."""
    from app.registry.people.models import Resident

    now = now or utcnow()
    matter_type = _check_values(values)
    if values.occurred_at is not None and values.occurred_at > now + CLOCK_SKEW:
        raise MatterError(_("发生时间不能晚于现在。"), "occurred_at")
    matter = Matter(
        number=next_number(now),
        tracking_code=_tracking_code(),
        source=values.source,
        class_code=values.class_code,
        matter_type=matter_type,
        grid_id=values.grid.id,
        building_id=values.building_id,
        point_id=values.point_id or None,
        address=values.address.strip(),
        description=values.description.strip(),
        urgency=values.urgency,
        occurred_at=values.occurred_at,
        # Kept on a phone without signal: reported when it was entered, not when it came.
        reported_late=reported_late(values.occurred_at, entered_at() or now, values.urgency),
        reporter_id=getattr(reporter, "id", None),
        reporter_name="" if values.is_anonymous else values.reporter_name.strip(),
        reporter_phone="" if values.is_anonymous else values.reporter_phone.strip(),
        is_anonymous=values.is_anonymous,
        involved_text=values.involved_text.strip(),
        background=values.background.strip(),
        cause=values.cause.strip(),
        suggestion=values.suggestion.strip(),
        latitude=values.latitude,
        longitude=values.longitude,
        accuracy_m=values.accuracy_m,
        located_at=values.located_at,
        hotline_number=values.hotline_number,
        submitter_fingerprint=values.submitter_fingerprint,
        status="reported",
        owner_level="community",
        owner_division_id=_community_of(values.grid).id,
        first_receiver_id=getattr(reporter, "id", None),
        created_at=now,
    )
    if values.resident_ids:
        matter.residents = list(db.session.scalars(select(Resident).where(Resident.id.in_(values.resident_ids))))
    db.session.add(matter)
    start_clock(matter, time_limits()["verify"], now)
    matter.verify_due_at = matter.due_at
    record_step(matter, "report", None, reporter, now=now)
    db.session.flush()
    return matter


def possible_duplicates(
    grid_id: int,
    type_id: int | None,
    class_code: str,
    description: str,
    now: datetime | None = None,
    exclude_id: int | None = None,
) -> list[Matter]:
    """Open or recent matters of the same grid and subtype (or class, without one)
    in the last 14 days whose text is alike."""
    now = now or utcnow()
    statement = select(Matter).where(
        Matter.grid_id == grid_id,
        Matter.created_at >= now - DUPLICATE_WINDOW,
        Matter.status.notin_(("invalid", "merged")),
    )
    statement = (
        statement.where(Matter.type_id == type_id) if type_id else statement.where(Matter.class_code == class_code)
    )
    if exclude_id:
        statement = statement.where(Matter.id != exclude_id)
    text = description.strip()
    found = []
    for matter in db.session.scalars(statement.order_by(Matter.created_at.desc()).limit(200)):
        if SequenceMatcher(None, text, matter.description).ratio() >= DUPLICATE_SIMILARITY:
            found.append(matter)
    return found
