"""The same rendered form sent twice saves once (app/core/once.py): a double click,
back and resend, a retry, two sendings at the same moment."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from app.auth.models import FormSubmission
from app.extensions import db
from app.registry.people.models import Resident
from tests.conftest import fresh
from tests.factories import make_id_number
from tests.web import Web, choose, forge, form_on, press, visible_text


def _filled_registration(web):
    form = form_on(web.get("/residents/new"))
    form["name"] = "王小明"
    form["id_number"] = make_id_number("20100304", 21)
    choose(form, "grid_id", "东关一网格")
    return form


def _registered() -> int:
    fresh()
    return db.session.scalar(select(func.count()).select_from(Resident).where(Resident.name == "王小明"))


def test_sending_the_same_form_again_creates_nothing_and_shows_the_first_record(web_as, world):
    web = web_as("worker_a")
    form = _filled_registration(web)
    first = press(form, "保存")
    assert first.status_int == 303 and _registered() == 1
    again = press(form, "保存")  # the same rendered form: a double click, or back and resend
    assert again.status_int == 303 and again.headers["Location"] == first.headers["Location"]
    assert "已经提交过，没有重复保存" in visible_text(again.follow())
    assert _registered() == 1


def test_a_refused_form_comes_back_with_a_new_token(web_as, world):
    """Correcting a refused form and sending it is a new sending, not a repeat."""
    web = web_as("worker_a")
    form = _filled_registration(web)
    form["name"] = ""
    refused = press(form, "保存")
    assert "此项为必填项" in visible_text(refused)
    corrected = form_on(refused)
    assert corrected["_once"].value != form["_once"].value
    corrected["name"] = "王小明"
    assert press(corrected, "保存").status_int == 303 and _registered() == 1
    fresh()
    assert db.session.scalar(select(func.count()).select_from(FormSubmission)) == 1


def test_two_sendings_at_the_same_moment_create_one_record(app, web_as, world):
    """A retry sent while the first request is still running: the token's primary
    key, not a check before writing, decides."""
    web = web_as("worker_a")
    form = _filled_registration(web)
    fields = form.submit_fields("submit")
    cookie = web.cookies
    answers = []

    def send():
        other = Web(app)
        for name, value in cookie.items():
            other.set_cookie(name, value)
        answers.append(other.post("/residents/new", fields, expect_errors=True))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_int for a in answers] == [303] * 4
    assert len({a.headers["Location"] for a in answers}) == 1
    assert _registered() == 1


def test_forged_replay_of_another_accounts_token_gets_nothing(web_as, world):
    """A token is a secret of the page it was rendered on; another account that got
    hold of one cannot fetch that page's answer (nor create anything with it)."""
    form = _filled_registration(web_as("worker_a"))
    press(form, "保存")
    other = web_as("station_a")
    fields = [(name, value) for name, value in form.submit_fields("submit") if name != "csrf_token"]
    replay = forge(other, "/residents/new", fields)
    assert replay.status_int == 409 and _registered() == 1
