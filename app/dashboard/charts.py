"""Geometry of the dashboard's charts, drawn as SVG by the macros in
templates/dashboard/_charts.html: horizontal bars, columns and a line.

Plain SVG written on the server rather than a chart library: every number is
written on or next to its mark (a black-and-white print still reads), text uses the
page's own font (the bundled CJK face), and the output is small and the same every
time. The numbers also go in a table beside each chart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

# One size for every chart; the SVG scales to the width it is given.
WIDTH = 640
LABEL_WIDTH = 180
ROW_HEIGHT = 26
BAR_HEIGHT = 16
VALUE_ROOM = 70
COLUMN_HEIGHT = 200
AXIS_ROOM = 36
TOP_ROOM = 24
LEFT_ROOM = 60


@dataclass(frozen=True)
class Mark:
    """A bar or column: its rectangle, its label and the value written on it."""

    label: str
    value: float
    text: str
    x: float
    y: float
    width: float
    height: float
    label_x: float
    label_y: float
    value_x: float
    value_y: float


@dataclass
class BarChart:
    kind: str  # "bars" (horizontal) or "columns"
    title: str
    width: float
    height: float
    marks: list[Mark] = field(default_factory=list)
    baseline: tuple[float, float, float, float] = (0, 0, 0, 0)
    # Nothing to draw: no values, or only zero counts (a rate of 0.0% is still shown).
    empty: bool = False


@dataclass(frozen=True)
class Point:
    label: str
    value: float | None
    text: str
    x: float
    y: float | None
    label_y: float


@dataclass(frozen=True)
class Tick:
    text: str
    y: float


@dataclass
class LineChart:
    title: str
    width: float
    height: float
    points: list[Point]
    ticks: list[Tick]
    # Unbroken runs of points with a value, each drawn as one polyline.
    segments: list[str]
    left: float
    right: float
    bottom: float


def _text(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return f"{value}"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.1f}"
    return f"{int(value):,}"


def _scale(values: list[float | None], maximum: float | None = None) -> float:
    if maximum:
        return maximum
    top = max((value for value in values if value is not None), default=0)
    return top if top > 0 else 1


def _nothing_to_draw(values: list, maximum: float | None) -> bool:
    known = [value for value in values if value is not None]
    return not known or (maximum is None and not any(known))


def _written(value, suffix: str) -> str:
    """The value as written on the chart; nothing to show reads "—"."""
    return _text(value) if value is None else _text(value) + suffix


def bar_chart(
    title: str, rows: list[tuple[str, float | None]], suffix: str = "", maximum: float | None = None
) -> BarChart:
    """Horizontal bars, one row per (label, value), the longest value (or `maximum`,
    100 for percentages) filling the width; a value of None draws no bar and reads "—"."""
    top = _scale([value for _label, value in rows], maximum)
    room = WIDTH - LABEL_WIDTH - VALUE_ROOM
    marks = []
    for index, (label, value) in enumerate(rows):
        y = TOP_ROOM / 2 + index * ROW_HEIGHT
        length = room * float(value or 0) / top
        middle = y + BAR_HEIGHT / 2 + 5
        marks.append(
            Mark(
                label,
                value,
                _written(value, suffix),
                LABEL_WIDTH,
                y,
                round(length, 1),
                BAR_HEIGHT,
                LABEL_WIDTH - 6,
                middle,
                LABEL_WIDTH + round(length, 1) + 5,
                middle,
            )
        )
    height = TOP_ROOM / 2 + len(rows) * ROW_HEIGHT + 4
    return BarChart(
        "bars",
        title,
        WIDTH,
        height,
        marks,
        (LABEL_WIDTH, 0, LABEL_WIDTH, height - 4),
        _nothing_to_draw([value for _label, value in rows], maximum),
    )


def column_chart(title: str, rows: list[tuple[str, float]], suffix: str = "") -> BarChart:
    """Vertical columns side by side, values above them, labels below the baseline."""
    top = _scale([value for _label, value in rows])
    slot = (WIDTH - 2 * 10) / max(len(rows), 1)
    column = min(slot * 0.6, 60)
    base = TOP_ROOM + COLUMN_HEIGHT
    marks = []
    for index, (label, value) in enumerate(rows):
        centre = 10 + slot * index + slot / 2
        length = round(COLUMN_HEIGHT * value / top, 1)
        marks.append(
            Mark(
                label,
                value,
                _text(value) + suffix,
                round(centre - column / 2, 1),
                base - length,
                column,
                length,
                round(centre, 1),
                base + 18,
                round(centre, 1),
                base - length - 5,
            )
        )
    return BarChart(
        "columns",
        title,
        WIDTH,
        base + AXIS_ROOM,
        marks,
        (10, base, WIDTH - 10, base),
        _nothing_to_draw([value for _label, value in rows], None),
    )


def line_chart(
    title: str, rows: list[tuple[str, Decimal | float | None]], maximum: float = 100, suffix: str = "%"
) -> LineChart:
    """A line over 0..maximum (a rate in per cent by default); a month without a value
    (nothing was due) leaves a gap and reads "—"."""
    left, right = LEFT_ROOM, WIDTH - 28
    bottom = TOP_ROOM + COLUMN_HEIGHT
    step = (right - left) / max(len(rows) - 1, 1) if len(rows) > 1 else 0
    points, segments, run = [], [], []
    for index, (label, value) in enumerate(rows):
        x = round(left + step * index if len(rows) > 1 else (left + right) / 2, 1)
        if value is None:
            points.append(Point(label, None, "—", x, None, bottom + 18))
            if run:
                segments.append(" ".join(run))
            run = []
            continue
        y = round(bottom - COLUMN_HEIGHT * float(value) / maximum, 1)
        points.append(Point(label, float(value), _text(value) + suffix, x, y, bottom + 18))
        run.append(f"{x},{y}")
    if run:
        segments.append(" ".join(run))
    ticks = [
        Tick(f"{int(maximum * share)}{suffix}", round(bottom - COLUMN_HEIGHT * share, 1))
        for share in (0, 0.25, 0.5, 0.75, 1)
    ]
    return LineChart(title, WIDTH, bottom + AXIS_ROOM, points, ticks, segments, left, right, bottom)
