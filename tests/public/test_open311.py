"""Open311 GeoReport v2 at /open311/v2/: responses checked against the spec's field
lists (http://wiki.open311.org/GeoReport_v2), its filters, POST with and without an
API key, errors in the spec's format, and no personal data in any response.

Open311 is an API, not a page form: its POSTs are built here as a client application
(a 12345 platform, a city-services app) sends them, never read from a page."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from sqlalchemy import select

from app.core.timeutil import to_local, utcnow
from app.extensions import db
from app.matters import reporting
from app.matters import services as matters
from app.matters.models import Matter
from app.public import open311, services
from tests.conftest import fresh
from tests.public.conftest import close, public_report

# The spec's field lists, written out here rather than imported from the code.
SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]
W3_LOCAL = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$")
# What the reporter gives, which no response may contain.
PERSONAL = {"first_name": "芳", "last_name": "刘", "phone": "13912345678", "email": "liufang@example.com"}


@pytest.fixture()
def api_key(world):
    _key, raw = services.create_api_key("城市服务小程序")
    db.session.commit()
    return raw


def api_post(client, api_key, world, fmt="json", **extra):
    """An Open311 client application's POST /requests (an API call, not a page form)."""
    data = {
        "api_key": api_key,
        "service_code": "city",
        "address_id": world.grid_a.code,
        "lat": "34.2655",
        "long": "108.9542",
        "address_string": "东关路1号门口",
        "description": "井盖缺失，有人差点掉下去",
        "jurisdiction_id": "990101",
        **PERSONAL,
        **extra,
    }
    return client.post(f"/open311/v2/requests.{fmt}", data=data)


def as_json(response):
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(response.get_data(as_text=True))


def assert_error(response, status):
    assert response.status_code == status
    body = as_json(response)
    assert isinstance(body, list) and body[0]["code"] == status and body[0]["description"]


def test_services_json_and_xml(anonymous, world):
    body = as_json(anonymous.get("/open311/v2/services.json"))
    assert body and all(set(s) == SERVICE_FIELDS for s in body)
    assert all(s["metadata"] is False and s["type"] == "realtime" for s in body)
    by_code = {s["service_code"]: s for s in body}
    assert by_code["city"]["group"] == "城市管理" and by_code["livelihood"]
    manhole = next(s for s in body if s["service_name"] == "井盖缺失或破损")
    assert manhole["group"] == "城市管理" and "公用设施" in manhole["keywords"]
    assert "处置时限 1 个工作日" in manhole["description"]
    # Security leads and disputes are not offered.
    assert not {"order", "dispute"} & set(by_code) and not any(s["group"] in ("社会治安", "矛盾纠纷") for s in body)
    xml = anonymous.get("/open311/v2/services.xml")
    assert xml.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert xml.get_data(as_text=True).startswith('<?xml version="1.0" encoding="utf-8"?>')
    root = ElementTree.fromstring(xml.get_data())
    assert root.tag == "services" and len(root) == len(body)
    assert {child.tag for child in root[0]} == SERVICE_FIELDS and root[0].find("metadata").text == "false"
    definition = as_json(anonymous.get(f"/open311/v2/services/{manhole['service_code']}.json"))
    assert definition == {"service_code": manhole["service_code"], "attributes": []}
    assert_error(anonymous.get("/open311/v2/services/dispute.json"), 404)
    assert anonymous.get("/open311/v2/services.html").status_code == 404


def test_discovery(anonymous, world):
    body = as_json(anonymous.get("/open311/discovery.json"))
    endpoint = body["endpoints"][0]
    assert endpoint["url"] == "http://127.0.0.1:5000/open311/v2" and "text/xml" in endpoint["formats"]
    assert ElementTree.fromstring(anonymous.get("/open311/discovery.xml").get_data()).tag == "discovery"


def test_requests_have_the_spec_fields_and_public_values_only(anonymous, world, api_key):
    response = api_post(anonymous, api_key, world)
    number = as_json(response)[0]["service_request_id"]
    fresh()
    matter = db.session.scalar(select(Matter).where(Matter.number == number))
    close(world, matter, result="已安装新井盖。已电话告知刘芳（13912345678）")
    body = as_json(anonymous.get("/open311/v2/requests.json"))
    assert all(list(r) == REQUEST_FIELDS for r in body)
    request = next(r for r in body if r["service_request_id"] == number)
    assert request["status"] == "closed" and request["service_code"] == "city"
    assert request["service_name"] == "城市管理"
    assert request["status_notes"].startswith("已结案：已安装新井盖")
    assert request["agency_responsible"] == "县城市管理局"
    assert request["address"] == "东关路1号门口, 东关一网格, 东关社区, 城关镇, 示范县"
    assert request["address_id"] == world.grid_a.code
    assert request["lat"] == pytest.approx(34.2655) and request["long"] == pytest.approx(108.9542)
    for field in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert W3_LOCAL.match(request[field]), (field, request[field])
    fresh()
    matter = db.session.get(Matter, matter.id)
    assert request["updated_datetime"] == to_local(matter.closed_at).isoformat(timespec="seconds")
    assert request["expected_datetime"] == to_local(matter.handle_due_at).isoformat(timespec="seconds")
    one = as_json(anonymous.get(f"/open311/v2/requests/{number}.json"))
    assert one == [request]
    xml = ElementTree.fromstring(anonymous.get(f"/open311/v2/requests/{number}.xml").get_data())
    assert xml.tag == "service_requests" and [c.tag for c in xml[0]] == REQUEST_FIELDS
    assert xml[0].find("status").text == "closed"


def test_an_open_request_expects_its_deadline(anonymous, world):
    matter = public_report(world)
    matters.take(matter, "verify", world.users["town_a"])
    matters.take(matter, "dispatch", world.users["town_a"], level="department", department_id=world.department.id)
    db.session.commit()
    request = as_json(anonymous.get(f"/open311/v2/requests/{matter.number}.json"))[0]
    assert request["status"] == "open" and request["status_notes"] == "处置中"
    assert request["expected_datetime"] == to_local(matter.handle_due_at).isoformat(timespec="seconds")
    assert request["agency_responsible"] == "县城市管理局"


def test_no_personal_data_in_any_response(anonymous, world, api_key):
    number = as_json(api_post(anonymous, api_key, world, description="刘芳家门口井盖缺失，电话13912345678"))[0][
        "service_request_id"
    ]
    fresh()
    matter = db.session.scalar(select(Matter).where(Matter.number == number))
    matter.residents = [world.residents["a"]]
    close(world, matter, result="已处理，张伟已确认")
    public_report(world)  # a form report with name and phone too
    responses = [
        anonymous.get(url)
        for url in (
            "/open311/v2/requests.json",
            "/open311/v2/requests.xml",
            f"/open311/v2/requests/{number}.json",
            f"/open311/v2/requests/{number}.xml",
            f"/open311/v2/requests.json?service_request_id={number}",
        )
    ]
    for response in responses:
        assert response.status_code == 200
        text = response.get_data(as_text=True)
        for secret in (
            "刘芳",
            "13912345678",
            "liufang",
            "example.com",
            "张伟",
            "town_a",
            "dept",
            "worker_a",
            matter.tracking_code,
            world.residents["a"].id_number,
        ):
            assert secret not in text, (response.request.path, secret)
    body = as_json(responses[2])[0]
    assert body["description"] == "刘*家门口井盖缺失，电话139****5678"


def test_filters(anonymous, world):
    first = public_report(world, description="路灯不亮")
    manhole = services.find_service(next(s.code for s in services.catalogue() if s.name == "井盖缺失或破损"))
    second = public_report(world, description="井盖缺失", service=manhole)
    closed = public_report(world, description="垃圾堆放")
    close(world, closed)
    old = public_report(world, description="很久以前的事")
    old.created_at = utcnow() - timedelta(days=120)
    hidden = reporting.report(reporting.MatterValues(class_code="dispute", description="邻里纠纷", grid=world.grid_a))
    db.session.commit()

    def numbers(query):
        response = anonymous.get("/open311/v2/requests.json" + query)
        assert response.status_code == 200, response.get_data(as_text=True)
        return {r["service_request_id"] for r in as_json(response)}

    everything = numbers("")
    assert {first.number, second.number, closed.number} <= everything
    assert old.number not in everything and hidden.number not in everything  # last 90 days; no disputes
    assert numbers(f"?service_code={manhole.code}") == {second.number}
    assert first.number in numbers("?service_code=city") and second.number not in numbers("?service_code=city")
    assert numbers(f"?service_code=city,{manhole.code}") >= {first.number, second.number}
    assert closed.number in numbers("?status=closed") and first.number not in numbers("?status=closed")
    assert closed.number not in numbers("?status=open") and first.number in numbers("?status=open")
    assert numbers("?status=open,closed") == everything
    # service_request_id overrides everything else, the 90 days included.
    assert numbers(f"?service_request_id={first.number},{old.number}&status=closed") == {first.number, old.number}
    assert numbers(f"?service_request_id={hidden.number}") == set()
    start = (to_local(old.created_at) - timedelta(days=1)).isoformat(timespec="seconds")
    end = (to_local(old.created_at) + timedelta(days=1)).isoformat(timespec="seconds")
    assert numbers(f"?start_date={start}&end_date={end}") == {old.number}
    utc_start = (old.created_at - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert numbers(f"?start_date={utc_start}") == {old.number}  # 90 days from the start
    assert_error(anonymous.get("/open311/v2/requests.json?status=pending"), 400)
    assert_error(anonymous.get("/open311/v2/requests.json?start_date=yesterday"), 400)
    assert_error(anonymous.get("/open311/v2/requests.json?service_code=nonsense"), 400)
    assert_error(
        anonymous.get("/open311/v2/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z"), 400
    )


def test_at_most_1000_requests_newest_first(anonymous, world, monkeypatch):
    monkeypatch.setattr(open311, "MAX_REQUESTS", 2)
    made = [public_report(world, description=f"第{n}件") for n in range(3)]
    body = as_json(anonymous.get("/open311/v2/requests.json"))
    assert [r["service_request_id"] for r in body] == [made[2].number, made[1].number]


def test_unknown_and_hidden_requests_are_404(anonymous, world):
    assert_error(anonymous.get("/open311/v2/requests/20000101-0001.json"), 404)
    hidden = reporting.report(reporting.MatterValues(class_code="order", description="可疑人员", grid=world.grid_a))
    db.session.commit()
    assert_error(anonymous.get(f"/open311/v2/requests/{hidden.number}.json"), 404)
    xml = anonymous.get("/open311/v2/requests/20000101-0001.xml")
    assert xml.status_code == 404 and ElementTree.fromstring(xml.get_data()).find("error/code").text == "404"


def test_api_post_creates_an_online_matter_and_keeps_contact_data_private(anonymous, world, api_key):
    response = api_post(anonymous, api_key, world, media_url="http://example.com/photo.jpg")
    assert response.status_code == 200
    body = as_json(response)
    assert list(body[0]) == ["service_request_id", "service_notice", "account_id"]
    assert body[0]["account_id"] is None and "token" not in body[0]
    fresh()
    matter = db.session.scalar(select(Matter).where(Matter.number == body[0]["service_request_id"]))
    assert matter.source == "online" and matter.reporter_id is None and matter.status == "reported"
    assert matter.grid_id == world.grid_a.id and matter.address == "东关路1号门口"
    assert matter.reporter_name == "刘芳" and matter.reporter_phone == "13912345678"
    assert matter.steps[0].detail["open311"] == {
        "email": "liufang@example.com",
        "media_url": "http://example.com/photo.jpg",
    }
    # The notice tells the submitter their tracking code (only this response carries it).
    assert matter.tracking_code in body[0]["service_notice"]
    assert "刘芳" not in response.get_data(as_text=True) and "13912345678" not in response.get_data(as_text=True)
    xml = ElementTree.fromstring(api_post(anonymous, api_key, world, fmt="xml").get_data())
    assert xml.tag == "service_requests" and xml.find("request/service_request_id").text


def test_api_post_needs_a_valid_key(anonymous, world, api_key):
    before = db.session.scalar(select(db.func.count(Matter.id)))
    assert_error(api_post(anonymous, "", world), 403)
    assert_error(api_post(anonymous, "wrong-key", world), 403)
    xml = api_post(anonymous, "wrong-key", world, fmt="xml")
    assert xml.status_code == 403 and ElementTree.fromstring(xml.get_data()).find("error/code").text == "403"
    key = db.session.scalar(select(services.ApiKey))
    key.is_active = False
    db.session.commit()
    assert_error(api_post(anonymous, api_key, world), 403)
    fresh()
    assert db.session.scalar(select(db.func.count(Matter.id))) == before


def test_api_post_refuses_bad_input_with_the_spec_errors(app, anonymous, world, api_key):
    before = db.session.scalar(select(db.func.count(Matter.id)))
    assert_error(api_post(anonymous, api_key, world, service_code=""), 400)
    assert_error(api_post(anonymous, api_key, world, service_code="nonsense"), 404)
    assert_error(api_post(anonymous, api_key, world, service_code="dispute"), 404)
    assert_error(api_post(anonymous, api_key, world, description=""), 400)
    assert_error(api_post(anonymous, api_key, world, lat="north", long="east"), 400)
    assert_error(api_post(anonymous, api_key, world, lat="", long="", address_string="", address_id=""), 400)
    assert_error(api_post(anonymous, api_key, world, address_id="990101009009009"), 400)
    assert_error(api_post(anonymous, api_key, world, address_id="", **{"attribute[grid_code]": "1"}), 400)
    assert_error(api_post(anonymous, api_key, world, address_id=""), 400)  # no grid, no default
    fresh()
    assert db.session.scalar(select(db.func.count(Matter.id))) == before
    # A grid by attribute, or the county's default grid.
    assert (
        api_post(anonymous, api_key, world, address_id="", **{"attribute[grid_code]": world.grid_b.code}).status_code
        == 200
    )
    assert db.session.scalar(select(Matter).order_by(Matter.id.desc())).grid_id == world.grid_b.id
    app.config["OPEN311_DEFAULT_GRID"] = world.grid_a2.code
    assert api_post(anonymous, api_key, world, address_id="").status_code == 200
    fresh()
    assert db.session.scalar(select(Matter).order_by(Matter.id.desc())).grid_id == world.grid_a2.id
