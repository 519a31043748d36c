"""Time helpers: the database stores naive UTC; people see Asia/Shanghai."""

from datetime import UTC, date, datetime, time
from typing import overload
from zoneinfo import ZoneInfo

LOCAL_ZONE = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def local_today() -> date:
    return datetime.now(LOCAL_ZONE).date()


# A datetime in gives a datetime out: callers with one need not check for None.
@overload
def to_local(value: datetime) -> datetime: ...
@overload
def to_local(value: None) -> None: ...
@overload
def to_local(value: datetime | None) -> datetime | None: ...


def to_local(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC).astimezone(LOCAL_ZONE)


def local_day_start_utc(day: date) -> datetime:
    """Midnight of a local calendar day, as the naive UTC the database stores."""
    return datetime.combine(day, time.min, tzinfo=LOCAL_ZONE).astimezone(UTC).replace(tzinfo=None)


def local_to_utc(value: datetime) -> datetime:
    """A local (Beijing) wall-clock time, as typed, to the naive UTC the database stores."""
    return value.replace(tzinfo=LOCAL_ZONE).astimezone(UTC).replace(tzinfo=None)
