"""Where the phone was: a position (latitude, longitude, accuracy in metres and when
it was taken) that field records carry when the person chose to record it
(docs/phone.md, "Location").

- `Located`: the four nullable columns of a record located once (a patrol finding,
  a visit, a matter); a patrol has two such sets, `start_` and `end_`, spelt out.
- `position_fields(prefix)`: the form's four hidden inputs, which static/js/location.js
  fills after the person presses 记录位置. All four or none: a partial, garbled,
  out-of-range or future position is refused at the form with a message, and the
  inputs are emptied, so that the next save goes without it and what was typed stays.
- `position_of(record, prefix)`, `place(record, position, prefix)`, `describe(…)`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column
from wtforms import HiddenField
from wtforms.validators import ValidationError

from app.core.timeutil import to_local, utcnow

# How far ahead of the server's clock a phone's clock may run.
CLOCK_SKEW = timedelta(minutes=5)
PARTS = ("latitude", "longitude", "accuracy", "located_at")  # the form's inputs
COLUMNS = ("latitude", "longitude", "accuracy_m", "located_at")  # the record's columns


@dataclass(frozen=True)
class Position:
    latitude: float
    longitude: float
    accuracy_m: float
    located_at: datetime  # naive UTC, as the database stores times


class Located:
    """The columns of a record placed where the phone was (all empty: no position)."""

    latitude: Mapped[float | None] = mapped_column(default=None)
    longitude: Mapped[float | None] = mapped_column(default=None)
    accuracy_m: Mapped[float | None] = mapped_column(default=None)
    located_at: Mapped[datetime | None] = mapped_column(default=None)


def position_of(record: Any, prefix: str = "") -> Position | None:
    latitude, longitude, accuracy_m, located_at = (getattr(record, f"{prefix}{name}", None) for name in COLUMNS)
    if latitude is None or longitude is None or accuracy_m is None or located_at is None:
        return None
    return Position(latitude, longitude, accuracy_m, located_at)


def place(record: Any, position: Position | None, prefix: str = "") -> None:
    """Set the record's columns from a position (None leaves them as they are)."""
    if position is None:
        return
    for name, value in zip(COLUMNS, (position.latitude, position.longitude, position.accuracy_m, position.located_at)):
        setattr(record, f"{prefix}{name}", value)


def parse(
    latitude: str | None,
    longitude: str | None,
    accuracy: str | None,
    located_at: str | None,
    now: datetime | None = None,
) -> Position | None:
    """The position sent by the form, None when none was sent; ValueError with the
    person's message when it is partial, garbled, out of range or in the future."""
    raw = [(value or "").strip() for value in (latitude, longitude, accuracy, located_at)]
    if not any(raw):
        return None
    refused = _("位置数据不完整或有误，没有保存。请重新记录位置，或不带位置再保存一次。")
    if not all(raw):
        raise ValueError(refused)
    try:
        lat, lon, acc = float(raw[0]), float(raw[1]), float(raw[2])
        taken = datetime.fromisoformat(raw[3].replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(refused) from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180 and math.isfinite(acc) and acc >= 0):
        raise ValueError(refused)
    if taken.tzinfo is not None:
        taken = taken.astimezone(UTC).replace(tzinfo=None)
    if taken > (now or utcnow()) + CLOCK_SKEW:
        raise ValueError(_("位置的记录时间晚于现在，没有保存。请检查手机的时间后重新记录位置。"))
    return Position(round(lat, 7), round(lon, 7), round(acc, 1), taken.replace(microsecond=0))


class _AllOrNothing:
    """On the `latitude` input: checks the four inputs together; a refused position
    is emptied, so that the form comes back without it."""

    def __init__(self, prefix: str):
        self.prefix = prefix

    def __call__(self, form, field) -> None:
        fields = [form[f"{self.prefix}{name}"] for name in PARTS]
        try:
            parse(*(f.data for f in fields))
        except ValueError as error:
            for f in fields:
                f.data = ""
            raise ValidationError(str(error)) from None


def position_fields(prefix: str = "", label: Any = None) -> type:
    """A form mixin: the four hidden inputs of one position, named `{prefix}latitude`
    and so on (templates/_location.html renders the button and the note)."""
    label = label or _l("定位")
    fields = {f"{prefix}{name}": HiddenField(label) for name in PARTS}
    fields[f"{prefix}latitude"] = HiddenField(label, validators=[_AllOrNothing(prefix)])
    return type(f"PositionFields_{prefix or 'here'}", (), fields)


def from_form(form, prefix: str = "") -> Position | None:
    """The position of a validated form, or None."""
    try:
        return parse(*(form[f"{prefix}{name}"].data for name in PARTS))
    except ValueError:
        return None


def describe(record: Any, prefix: str = "") -> str:
    """34.2658, 108.9541（±12 米，10:32 记录）: for the record's page; the day is
    added when the position was not taken today."""
    position = position_of(record, prefix)
    if position is None:
        return ""
    taken = to_local(position.located_at)
    pattern = "HH:mm" if taken.date() == to_local(utcnow()).date() else "yyyy-MM-dd HH:mm"
    latitude, longitude = "%.4f" % position.latitude, "%.4f" % position.longitude
    when = format_datetime(taken.replace(tzinfo=None), pattern, rebase=False)
    return _(
        "%(latitude)s, %(longitude)s（±%(accuracy)d 米，%(time)s 记录）",
        latitude=latitude,
        longitude=longitude,
        accuracy=round(position.accuracy_m),
        time=when,
    )
