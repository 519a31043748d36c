"""Error pages in the person's language that show nothing of the server's insides
(issue #13 item 10): an exception in a view answered in production (exceptions not
propagated, as outside tests) with our 500 page, not Werkzeug's English one; 400,
405 and 413 as our pages too, in Chinese and in English."""

from __future__ import annotations

import os

import pytest
from flask import abort

from app.core.database import write_transactions
from app.extensions import db
from tests.conftest import make_app
from tests.factories import build_world
from tests.web import Upload, Web, choose, form_on, press, visible_text

INTERNALS = (
    "Traceback",
    "RuntimeError",
    "hunter2",
    "/srv/gridbook",
    "Internal Server Error",
    "The server encountered",
    "Werkzeug",
    "Method Not Allowed",
    "Bad Request",
    "Request Entity",
)


@pytest.fixture()
def production(tmp_path, migrated_database):
    """The app as it runs for real: TESTING off, so an exception a view raises is
    answered by the app's error handling instead of reaching the test."""
    app = make_app(tmp_path, migrated_database, TESTING=False, PROPAGATE_EXCEPTIONS=False)

    def broken():
        raise RuntimeError("database password hunter2 in /srv/gridbook/instance")

    def bad_request():
        abort(400)

    app.add_url_rule("/test-broken", "test_broken", broken)
    app.add_url_rule("/test-bad-request", "test_bad_request", bad_request)
    with app.app_context():
        with write_transactions():
            build_world()
        yield app
        db.session.remove()
        db.engine.dispose()


def shows_no_internals(page: str) -> None:
    for word in INTERNALS:
        assert word not in page, word


def test_an_exception_in_a_view_shows_the_chinese_500_page(production):
    web = Web(production)
    response = web.get("/test-broken", expect_errors=True)
    assert response.status_int == 500
    page = visible_text(response)
    assert "500 · 服务器出错" in page and "这次操作可能没有完成" in page and "返回首页" in page
    shows_no_internals(response.text)


def test_a_signed_in_person_gets_the_500_page_with_the_menu(production):
    web = Web(production)
    assert web.sign_in("worker_a").status_int == 302
    response = web.get("/test-broken", expect_errors=True)
    assert response.status_int == 500 and "服务器出错" in visible_text(response)
    assert "退出" in visible_text(response)  # the page's frame, still signed in
    shows_no_internals(response.text)
    assert web.get("/").status_int == 200  # the next request works


def test_the_500_page_in_english_shows_no_internals(production):
    web = Web(production)
    web.set_cookie("gridbook_lang", "en")
    response = web.get("/test-broken", expect_errors=True)
    assert response.status_int == 500 and "Back to home" in visible_text(response)
    shows_no_internals(response.text)
    response = web.get("/no-such-page", expect_errors=True)
    assert response.status_int == 404 and "Page not found" in visible_text(response)


def test_when_even_the_page_cannot_be_rendered_a_bare_chinese_page_answers(production, monkeypatch):
    from app.core import errors

    def unavailable(*_args, **_kwargs):
        raise RuntimeError("template store unreachable")

    monkeypatch.setattr(errors, "render_template", unavailable)
    response = Web(production).get("/test-broken", expect_errors=True)
    assert response.status_int == 500 and "服务器出错" in visible_text(response)
    shows_no_internals(response.text)
    assert "unreachable" not in response.text


def test_a_bad_request_is_our_page(production):
    response = Web(production).get("/test-bad-request", expect_errors=True)
    assert response.status_int == 400 and "400 · 请求有误" in visible_text(response)
    shows_no_internals(response.text)


def test_a_method_the_address_does_not_take_is_our_page(app, web, world):
    response = web.post("/public/", expect_errors=True)
    assert response.status_int == 405 and "GET" in response.headers["Allow"]
    assert "405 · 无法这样访问" in visible_text(response)
    shows_no_internals(response.text)


def test_too_large_a_post_says_what_to_do_and_that_the_typing_is_still_there(app, web, world):
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    form = form_on(web.get(f"/public/grids/{world.grid_a.code}/report"), button="提交")
    choose(form, "service", "城市管理（其他）")
    form["address"] = "东关路与北街路口"
    form["description"] = "路口的井盖不见了"
    form["photos"] = [Upload("big.jpg", os.urandom(1536 * 1024), "image/jpeg")]
    response = press(form, "提交", status=413)
    page = visible_text(response)
    assert "413 · 文件过大" in page and "合计超过 1 MB" in page
    assert "后退" in page and "已填写的内容仍在" in page
    shows_no_internals(response.text)
