"""Time helpers: the database stores naive UTC; people see Asia/Shanghai."""
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

LOCAL_ZONE = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def local_today() -> date:
    return datetime.now(LOCAL_ZONE).date()


def to_local(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc).astimezone(LOCAL_ZONE)


def local_day_start_utc(day: date) -> datetime:
    """Midnight of a local calendar day, as the naive UTC the database stores."""
    return datetime.combine(day, time.min, tzinfo=LOCAL_ZONE).astimezone(timezone.utc).replace(tzinfo=None)
