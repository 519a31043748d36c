"""Text cannot break an output: control characters are removed where text comes in
(every form, the public form, Open311 POST, query parameters), and XML, JSON, PDF
and xlsx outputs stay valid for rows stored before that rule."""

from __future__ import annotations

import json
from io import BytesIO
from xml.etree import ElementTree

import openpyxl
import pytest
from sqlalchemy import select

from app.core.text import clean_text
from app.extensions import db
from app.matters.models import Matter
from app.public import services
from app.registry.people.models import Resident
from tests.conftest import fresh
from tests.printing.helpers import squeezed
from tests.public.conftest import public_report
from tests.web import form_on, options, press

VERTICAL_TAB = "\x0b"


def test_clean_text_keeps_tab_and_newline_and_drops_the_rest():
    assert clean_text("a\tb\r\nc\rd\x0be\x00f\x1fg\x7fh\x85i\ufffej") == "a\tb\nc\ndefghij"
    assert clean_text("井盖缺失") == "井盖缺失"


def test_a_public_report_typed_with_a_vertical_tab_keeps_the_open311_feed_parseable(web, world):
    """Anyone can send this, anonymously: it used to make requests.xml unparseable
    for every client for 90 days."""
    page = web.get(f"/public/grids/{world.grid_a.code}/report")
    form = form_on(page, button="提交")
    form["service"] = options(form, "service")[1][0]
    form["address"] = "东关路与北街路口"
    form["description"] = f"路灯不亮了{VERTICAL_TAB}晚上很黑\r\n请尽快修"
    assert press(form, "提交").status_int == 303
    fresh()
    matter = db.session.scalar(select(Matter).order_by(Matter.id.desc()))
    assert matter.description == "路灯不亮了晚上很黑\n请尽快修"
    feed = ElementTree.fromstring(web.get("/open311/v2/requests.xml").body)
    assert "路灯不亮了晚上很黑" in "".join(feed.itertext())


def test_an_open311_post_is_cleaned_too(web, world):
    """Open311 is an API, not a page: the client builds its own request."""
    _key, raw = services.create_api_key("城市服务小程序")
    db.session.commit()
    response = web.post(
        "/open311/v2/requests.json",
        {
            "api_key": raw,
            "service_code": "city",
            "address_id": world.grid_a.code,
            "lat": "34.2655",
            "long": "108.9542",
            "address_string": f"东关路{VERTICAL_TAB}1号",
            "description": f"井盖{VERTICAL_TAB}缺失",
            "jurisdiction_id": "990101",
        },
        expect_errors=True,
    )
    assert response.status_int == 200, response.text
    fresh()
    matter = db.session.scalar(select(Matter).order_by(Matter.id.desc()))
    assert matter.description == "井盖缺失" and VERTICAL_TAB not in matter.address


def test_a_staff_form_is_cleaned(web_as, world):
    resident = world.residents["a"]
    web = web_as("station_a")
    form = form_on(web.get(f"/residents/{resident.id}/edit"))
    form["workplace"] = f"县农机站{VERTICAL_TAB}\x00"
    assert press(form, "保存").status_int == 303
    fresh()
    assert db.session.get(Resident, resident.id).workplace == "县农机站"


@pytest.mark.slow  # every page, export and print of a record
def test_text_stored_before_the_rule_leaves_every_output_valid(client_as, world):
    """Rows written before input was cleaned (or by a direct import into the
    database) still give parseable XML and JSON, a readable xlsx and a PDF."""
    matter = public_report(world, description=f"路灯{VERTICAL_TAB}不亮\x1f了")
    resident = world.residents["a"]
    resident.workplace = f"东关{VERTICAL_TAB}菜市场"
    db.session.commit()
    client = client_as("station_a")
    feed = ElementTree.fromstring(client.get("/open311/v2/requests.xml").data)
    assert "路灯不亮了" in "".join(feed.itertext())
    listed = json.loads(client.get("/open311/v2/requests.json").get_data(as_text=True))
    assert any(
        row["service_request_id"] == matter.tracking_code or "路灯" in (row.get("description") or "") for row in listed
    )
    book = openpyxl.load_workbook(BytesIO(client.get("/residents/export.xlsx").data))
    cells = [value for row in book.worksheets[0].iter_rows(values_only=True) for value in row if value]
    assert "东关菜市场" in cells
    pdf = client.get(
        "/ledgers/",
        query_string={
            "number": 1,
            "division_id": world.grid_a.id,
            "output": "pdf",
            "start": "2024-01-01",
            "end": "2026-12-31",
        },
    )
    assert pdf.mimetype == "application/pdf" and "东关一网格" in squeezed(pdf.data)
