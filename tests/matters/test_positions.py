"""A matter reported by staff with the phone's position (docs/phone.md, "Location"):
saved from the report form's hidden inputs, shown on the matter's page to those who
see the matter, given by Open311 only once the matter is published (a public
report's own coordinates as before), and on no public page."""

import json

from sqlalchemy import select

from app.extensions import db
from app.matters import services as matters
from app.matters.models import Matter
from tests.conftest import fresh, text_of
from tests.public.conftest import close, public_report
from tests.web import as_location_js, choose, forge, form_on, press, visible_text

SHOWN = "34.2658, 108.9541（±12 米，"


def _report(web, located=True):
    form = form_on(web.get("/matters/").click(description="上报事件"), button="上报")
    choose(form, "class_code", "城市管理")
    choose(form, "grid_id", "东关一网格")
    form["address"] = "东关路1号门口"
    form["description"] = "东关路1号井盖缺失，有行人跌倒危险"
    if located:
        as_location_js(form)
    return press(form, "上报", status="*")


def _latest() -> Matter:
    fresh()
    return db.session.scalar(select(Matter).order_by(Matter.id.desc()))


def _open311(client, matter) -> dict:
    return json.loads(client.get(f"/open311/v2/requests/{matter.number}.json").get_data(as_text=True))[0]


def test_a_reported_matter_keeps_the_position_and_shows_it_in_scope(web_as, world):
    web = web_as("worker_a")
    response = _report(web)
    assert response.status_int in (302, 303), visible_text(response)[:600]
    matter = _latest()
    assert (matter.latitude, matter.longitude, matter.accuracy_m) == (34.2658, 108.9541, 12.0)
    assert matter.located_at is not None
    assert f"位置：{SHOWN}" in visible_text(response.follow())
    assert f"位置：{SHOWN}" in visible_text(web_as("town_a").get(f"/matters/{matter.id}"))
    assert web_as("worker_b").get(f"/matters/{matter.id}", expect_errors=True).status_int == 404


def test_without_a_position_the_report_saves_as_before(web_as, world):
    response = _report(web_as("worker_a"), located=False)
    assert response.status_int in (302, 303)
    matter = _latest()
    assert matter.latitude is None and matter.accuracy_m is None and matter.located_at is None


def test_a_forged_partial_position_is_refused_at_the_field(web_as, world):
    """Forged post: coordinates without accuracy and time."""
    web = web_as("worker_a")
    before = _latest().id
    response = forge(
        web,
        "/matters/new",
        {
            "class_code": "city",
            "grid_id": world.grid_a.id,
            "description": "路灯不亮",
            "urgency": "normal",
            "latitude": "34.2658",
            "longitude": "108.9541",
        },
    )
    assert "位置数据不完整或有误" in visible_text(response)
    assert form_on(response, button="上报")["description"].value == "路灯不亮"
    assert _latest().id == before


def test_open311_gives_a_workers_position_only_once_published(client, web_as, world):
    _report(web_as("worker_a"))
    matter = _latest()
    online = public_report(world, latitude=34.2, longitude=108.9)  # the reporter's own, as before
    assert (_open311(client, online)["lat"], _open311(client, online)["long"]) == (34.2, 108.9)
    request = _open311(client, matter)
    assert request["lat"] is None and request["long"] is None
    listing = client.get("/open311/v2/requests.json").get_data(as_text=True)
    assert "108.9541" not in listing
    close(world, db.session.get(Matter, matter.id), publish=False)
    assert _open311(client, matter)["lat"] is None  # closed, not yet published
    matters.take(db.session.get(Matter, matter.id), "publish", world.users["town_a"])
    db.session.commit()
    request = _open311(client, matter)
    assert (request["lat"], request["long"]) == (34.2658, 108.9541)
    assert "accuracy" not in json.dumps(request) and "12.0" not in json.dumps(request)


def test_no_public_page_shows_the_position(client, web_as, world):
    _report(web_as("worker_a"))
    matter = close(world, _latest())
    community = world.community_a
    for url in (
        f"/public/track?code={matter.tracking_code}",
        f"/public/communities/{community.code}/board",
        f"/public/grids/{world.grid_a.code}/",
        "/public/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        text = text_of(response)
        assert matter.number in text or "track" not in url
        assert "34.2658" not in response.get_data(as_text=True) and "108.954" not in text, url
