"""Chart geometry (app/dashboard/charts.py) and the SVG the macros write from it."""

from __future__ import annotations

from decimal import Decimal

from flask import render_template_string

from app.dashboard import charts

MACROS = '{% from "dashboard/_charts.html" import bar_svg, line_svg %}'


def test_bars_scale_to_the_longest_and_write_their_values():
    chart = charts.bar_chart("事件（按大类）", [("城市管理", 1244), ("社会治安", 311), ("环境保护", 0)])
    room = charts.WIDTH - charts.LABEL_WIDTH - charts.VALUE_ROOM
    widths = [mark.width for mark in chart.marks]
    assert widths == [room, round(room * 311 / 1244, 1), 0]
    assert [mark.text for mark in chart.marks] == ["1,244", "311", "0"]
    # Rows go down the chart, one row height apart, and the value sits after its bar.
    assert chart.marks[1].y - chart.marks[0].y == charts.ROW_HEIGHT
    assert chart.marks[0].value_x > chart.marks[0].x + chart.marks[0].width
    assert not chart.empty and charts.bar_chart("空", [("甲", 0)]).empty


def test_columns_stand_on_the_baseline():
    chart = charts.column_chart("性别", [("男", 40), ("女", 20)])
    base = chart.baseline[1]
    tall, short = chart.marks
    assert tall.y + tall.height == base and short.y + short.height == base
    assert tall.height == charts.COLUMN_HEIGHT and short.height == charts.COLUMN_HEIGHT / 2
    assert tall.label_y > base > tall.value_y


def test_line_leaves_a_gap_for_months_without_a_value():
    chart = charts.line_chart(
        "按期办结率",
        [("4月", None), ("5月", Decimal("0.0")), ("6月", Decimal("66.7")), ("7月", None), ("8月", Decimal("100.0"))],
    )
    assert [point.text for point in chart.points] == ["—", "0.0%", "66.7%", "—", "100.0%"]
    assert len(chart.segments) == 2 and len(chart.segments[0].split()) == 2
    zero, full = chart.points[1], chart.points[4]
    assert zero.y == chart.bottom and full.y == chart.bottom - charts.COLUMN_HEIGHT
    assert [tick.text for tick in chart.ticks] == ["0%", "25%", "50%", "75%", "100%"]


def test_svg_carries_labels_values_and_a_title(app):
    with app.test_request_context():
        html = render_template_string(
            MACROS + "{{ bar_svg(chart, 'c') }}",
            chart=charts.bar_chart("事件（按大类）", [("城市管理", 12), ("矛盾纠纷", 3)]),
        )
        line = render_template_string(
            MACROS + "{{ line_svg(chart, 'l') }}",
            chart=charts.line_chart("按期办结率", [("5月", None), ("6月", Decimal("66.7"))]),
        )
    assert html.startswith("<svg") and 'role="img"' in html and '<title id="c-title">事件（按大类）</title>' in html
    assert ">城市管理</text>" in html and ">12</text>" in html and ">3</text>" in html
    assert html.count("<rect") == 2
    assert ">66.7%</text>" in line and ">—</text>" in line and ">6月</text>" in line and "<polyline" in line
