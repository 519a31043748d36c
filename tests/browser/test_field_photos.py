"""Photos from a phone: a grid worker reports a matter with a 12-megapixel photo;
the page sends it made smaller (at most 1600 px, a fraction of the bytes), the
matter is saved with it, and a form refused by the server comes back with what was
typed. With JavaScript off the same form sends the photo as chosen (and the
server refuses one over its 2 MB limit, as it always has)."""

from __future__ import annotations

import io
import re
from contextlib import contextmanager

import pytest
from flask import request, request_started
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.matters.models import Matter
from tests.browser.test_matters_loop import log_in

pytestmark = pytest.mark.browser


@pytest.fixture()
def camera_photo(tmp_path):
    """A photo as a phone camera makes it: 4000×3000, about 4 MB of JPEG."""
    noise = Image.effect_noise((4000, 3000), 20).convert("RGB")
    image = Image.blend(noise, Image.linear_gradient("L").resize((4000, 3000)).convert("RGB"), 0.6)
    path = tmp_path / "IMG_20261207_101500.jpg"
    image.save(path, "JPEG", quality=90)
    return path


def fill_report(page, description: str) -> None:
    with page.expect_response(lambda r: "/matters/types" in r.url):
        page.get_by_label("事件大类").select_option(label="城市管理")
    page.get_by_label("事件小类").select_option(label="城市管理 › 公用设施 › 井盖缺失或破损")
    page.get_by_label("地点").fill("东关路3号门口")
    page.get_by_label("事件描述").fill(description)


@contextmanager
def uploads_received(app):
    """Each photo upload as the server received it: (request bytes, photo bytes)."""
    received = []

    def on_request(sender, **_extra):
        if request.method == "POST" and request.files:
            received.append((request.content_length, [f.read() for f in request.files.getlist("photos")]))
            for f in request.files.getlist("photos"):
                f.seek(0)

    request_started.connect(on_request, app)
    try:
        yield received
    finally:
        request_started.disconnect(on_request, app)


def test_a_camera_photo_is_sent_smaller_and_saved_with_the_matter(page, live_server, world_ids, camera_photo):
    log_in(page, live_server, "worker_a")
    page.goto(live_server("/matters/new"))
    fill_report(page, "东关路3号门口井盖破损")
    page.get_by_label("照片（最多 5 张，JPEG 或 PNG）").set_input_files(camera_photo)
    with uploads_received(live_server.app) as received:
        page.get_by_role("button", name="上报", exact=True).click()
        expect(page.locator(".flash-success")).to_contain_text("已上报，事件编号")
    assert re.search(r"/matters/\d+$", page.url)  # the address is the matter's, not the form's
    expect(page.get_by_role("img", name="现场照片")).to_be_visible()
    # What reached the server: a fraction of the bytes, at most 1600 px on its long side.
    [(request_bytes, [photo])] = received
    assert request_bytes < camera_photo.stat().st_size / 3, (request_bytes, camera_photo.stat().st_size)
    assert max(Image.open(io.BytesIO(photo)).size) == 1600
    with live_server.app.app_context():
        matter = db.session.scalar(select(Matter).where(Matter.description.like("东关路3号门口井盖破损%")))
        assert len(matter.photos) == 1
        db.session.remove()


def test_a_refused_report_with_a_photo_comes_back_filled(page, live_server, world_ids, camera_photo):
    log_in(page, live_server, "worker_a")
    page.goto(live_server("/matters/new"))
    fill_report(page, "")  # no description: the server refuses
    page.get_by_label("地点").fill("东关路5号")
    page.get_by_label("照片（最多 5 张，JPEG 或 PNG）").set_input_files(camera_photo)
    page.get_by_role("button", name="上报", exact=True).click()
    expect(page.locator(".error-summary")).to_contain_text("事件描述")
    expect(page.get_by_label("地点")).to_have_value("东关路5号")


def test_without_javascript_the_photo_goes_as_chosen(browser, live_server, world_ids, camera_photo):
    """…and the server's checks stay as they are: a 4 MB photo is over the 2 MB a
    photo may be, refused at the field with what was typed kept."""
    context = browser.new_context(java_script_enabled=False, locale="zh-CN", viewport={"width": 1024, "height": 768})
    page = context.new_page()
    try:
        log_in(page, live_server, "worker_a")
        page.goto(live_server("/matters/new"))
        page.get_by_label("事件大类").select_option(label="城市管理")
        page.get_by_label("地点").fill("东关路7号")
        page.get_by_label("事件描述").fill("东关路7号路灯不亮")
        page.get_by_label("照片（最多 5 张，JPEG 或 PNG）").set_input_files(camera_photo)
        with uploads_received(live_server.app) as received:
            page.get_by_role("button", name="上报", exact=True).click()
            expect(page.locator(".error-summary")).to_contain_text("照片不能超过 2 MB")
        [(_request_bytes, [photo])] = received
        assert photo == camera_photo.read_bytes()
        expect(page.get_by_label("事件描述")).to_have_value("东关路7号路灯不亮")
    finally:
        context.close()
